// The command-line ends of a terminal session (session.ts) on this very
// terminal: `corral exec` starts a process of its own (a fresh exec-<hex>
// id), relays it and, once it has exited, forgets it (process.delete), so its
// exit status is this command's, as `podman exec` does; `corral attach`,
// `corral run -it` and `corral start -a` join a process that runs already.
// Without -i the process's stdin is closed at once (like /dev/null), and
// without -t its output keeps its two streams apart. The verbs themselves
// (flags, usage) are in the verb table, tui/cli/.
import { randomBytes } from 'node:crypto';
import type { Client } from '../../shared/client.js';
import { isCorralError } from '../../shared/errors.js';
import { runTerminalSession, sessionExitCode, type SessionEnd } from './session.js';

export interface ExecRequest {
  id: string;
  args: string[];
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number };
  interactive: boolean;
  tty: boolean;
}

function describe(end: SessionEnd, id: string, processId: string): string | undefined {
  switch (end.reason) {
    case 'detached':
      return `detached from ${id} (${processId} goes on; corral attach ${id} ${processId} to come back)`;
    case 'overflow':
      return `output came faster than this terminal took it, so corrald detached it; ${processId} goes on: corral attach ${id} ${processId}`;
    case 'lost':
      return end.message;
    default:
      return undefined;
  }
}

function report(end: SessionEnd, id: string, processId: string, raw: boolean): number {
  const line = describe(end, id, processId);
  // a raw terminal may have left the cursor mid-line
  if (line) process.stderr.write(`${raw ? '\r\n' : ''}corral: ${line}\n`);
  return sessionExitCode(end);
}

/** A terminal once read keeps its handle reading, paused or not, and the command would never exit: it is done with. */
function letStdinGo(): void {
  process.stdin.destroy();
}

export interface HereRequest {
  id: string;
  processId: string;
  /** Forward this terminal's input (or the pipe on stdin). */
  input: boolean;
  /** The process runs on a terminal: this one goes raw when it is one too. */
  tty: boolean;
  /** Close the process's stdin pipe when ours ends. */
  eofOnEnd?: boolean;
  tail?: number;
}

/** A session with one process on this terminal; how it ended said on stderr, and the exit status it makes. */
export async function sessionHere(client: Client, r: HereRequest): Promise<{ end: SessionEnd; status: number }> {
  const tty = r.tty && process.stdin.isTTY === true;
  try {
    const end = await runTerminalSession(client, {
      id: r.id,
      processId: r.processId,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      input: r.input,
      tty,
      eofOnEnd: r.eofOnEnd,
      tail: r.tail,
    });
    return { end, status: report(end, r.id, r.processId, tty) };
  } finally {
    letStdinGo();
  }
}

/** `corral exec` without -d: runs R's command as a new process, relays it here, forgets it once it exited. */
export async function execHere(client: Client, r: ExecRequest): Promise<number> {
  const processId = `exec-${randomBytes(4).toString('hex')}`;
  // a pty nobody sized (script(1), a serial line) says 0x0: the monitor's default then
  const { rows, columns: cols } = process.stdout;
  const size = r.tty && process.stdout.isTTY && rows > 0 && cols > 0 ? { rows, cols } : {};
  const { env, cwd, user } = r;
  // without a terminal the process always gets a stdin pipe, closed at once without -i: conmon
  // then waits for corrald's attach before running it, so no early output is lost
  await client.request('process.exec', { id: r.id, processId, args: r.args, env, cwd, user, ...(r.tty ? { terminal: true, ...size } : { stdin: true }) });
  // a quick command may have ended already, its stdin with it: that is not a failure
  if (!r.tty && !r.interactive) {
    await client.request('process.input', { id: r.id, processId, eof: true }).catch((err) => {
      if (!isCorralError(err, 'invalid_state')) throw err;
    });
  }
  const { end, status } = await sessionHere(client, { id: r.id, processId, input: r.interactive, tty: r.tty, eofOnEnd: !r.tty });
  // an exec of this command's own is forgotten once it has exited; a detached one goes on
  if (end.reason === 'exit') await client.request('process.delete', { id: r.id, processId }).catch(() => {});
  return status;
}
