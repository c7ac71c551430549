// A shell or an attach run from the TUI while Ink has stepped aside: a clean
// screen, a connection of its own (the store's goes on beside it), a fresh
// shell (/bin/sh on a terminal, forgotten once it exits) or an attach to a
// running process, and one line for the TUI to show when it comes back.
import { randomBytes } from 'node:crypto';
import { Client } from '../../shared/client.js';
import { runTerminalSession, type SessionEnd } from './session.js';

const CLEAR_SCREEN = '\x1b[2J\x1b[H';
const SHOW_CURSOR = '\x1b[?25h';

export interface TuiSessionRequest {
  id: string;
  /** Attach to it; absent: start a shell. */
  processId?: string;
  readOnly: boolean;
}

function said(end: SessionEnd, what: string): { text: string; level: 'info' | 'error' } {
  switch (end.reason) {
    case 'exit':
      return { text: `${what} ended with status ${end.exitStatus ?? 'unknown'}`, level: end.exitStatus ? 'error' : 'info' };
    case 'detached':
      return { text: `detached from ${what}; it goes on (a in its Processes tab attaches again)`, level: 'info' };
    case 'overflow':
      return { text: `${what}: output came faster than the terminal took it; detached, it goes on`, level: 'error' };
    case 'lost':
      return { text: `${what}: ${end.message}`, level: 'error' };
    case 'signal':
      // Ctrl-C on a process without a terminal ends the attach, never the process
      return { text: `left ${what} (${end.signal}); it goes on`, level: 'info' };
  }
}

export async function runTuiSession(socket: string, r: TuiSessionRequest): Promise<{ text: string; level: 'info' | 'error' }> {
  const out = process.stdout;
  out.write(CLEAR_SCREEN + SHOW_CURSOR);
  let client: Client | undefined;
  try {
    client = await Client.connect(socket);
    let processId = r.processId;
    if (!processId) {
      processId = `shell-${randomBytes(4).toString('hex')}`;
      await client.request('process.exec', { id: r.id, processId, args: ['/bin/sh'], terminal: true, rows: out.rows, cols: out.columns });
    }
    const what = `${processId} of ${r.id}`;
    const end = await runTerminalSession(client, { id: r.id, processId, stdin: process.stdin, stdout: out, stderr: process.stderr, input: !r.readOnly, tty: true });
    if (!r.processId && end.reason === 'exit') await client.request('process.delete', { id: r.id, processId }).catch(() => {});
    return said(end, what);
  } catch (err) {
    return { text: `${r.processId ? 'attach' : 'shell'} in ${r.id} failed: ${(err as Error).message}`, level: 'error' };
  } finally {
    client?.close();
    out.write(CLEAR_SCREEN);
  }
}
