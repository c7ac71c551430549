// A terminal session with one process of a container, as `corral exec`,
// `corral attach` and the TUI's shell key run it: attach, relay the process's
// output to this terminal and what is typed (or piped) to the process, the
// window size at start and on every SIGWINCH, the detach keys (Ctrl-P Ctrl-Q),
// and the terminal restored on every way out: the process's exit, a detach,
// corrald gone, a signal to this client. The caller gets how it ended; the
// session never exits the program itself.
import type { Client } from '../../shared/client.js';
import { isCorralError } from '../../shared/errors.js';
import { MAX_INPUT_BYTES, type NotificationOf } from '../../shared/api.js';
import { DetachKeys } from './detach-keys.js';

/** Input calls in flight before reading stdin pauses: enough to keep the pipe full, bounded memory. */
const MAX_INPUT_IN_FLIGHT = 4;
/** corrald answers a detach at once; a lost one must not keep the terminal raw. */
const DETACH_TIMEOUT_MS = 2_000;
/** The signals that end a session on this side (the terminal restored), each reported as its own way out. */
const END_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export type SessionEnd =
  | { reason: 'exit'; exitStatus?: number }
  | { reason: 'detached' }
  | { reason: 'overflow' }
  | { reason: 'lost'; message: string }
  | { reason: 'signal'; signal: NodeJS.Signals };

export interface SessionOptions {
  id: string;
  processId: string;
  /** Where typing comes from and output goes to; the process's own terminal in production. */
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Forward stdin to the process (exec -i, -it, attach to a terminal). */
  input: boolean;
  /** Put this terminal in raw mode and watch the detach keys: stdin is a tty and the process has a terminal. */
  tty: boolean;
  /** Close the process's stdin pipe when ours ends (exec -i). */
  eofOnEnd?: boolean;
  /** Bytes of earlier output to show first (process.attach tail). */
  tail?: number;
}

/** How a session's end reads as this command's exit status: the process's own, as docker and podman do. */
export function sessionExitCode(end: SessionEnd): number {
  switch (end.reason) {
    case 'exit':
      return end.exitStatus ?? 255;
    case 'detached':
      return 0;
    case 'signal':
      return 128 + (end.signal === 'SIGINT' ? 2 : end.signal === 'SIGHUP' ? 1 : 15);
    default:
      return 125;
  }
}

export async function runTerminalSession(client: Client, o: SessionOptions): Promise<SessionEnd> {
  // set once the reply names it; the listener reads it from before then
  const attach: { subscription?: string } = {};
  // notifications may arrive in the same read as the reply: held until the reply names the subscription
  const early: NotificationOf<'process.output'>[] = [];
  let finish!: (e: SessionEnd) => void;
  const ended = new Promise<SessionEnd>((resolve) => (finish = resolve));
  let done = false;

  const onOutput = (n: NotificationOf<'process.output'>) => {
    if (attach.subscription === undefined) {
      if (n.id === o.id && n.processId === o.processId) early.push(n);
      return;
    }
    if (n.subscription !== attach.subscription || done) return;
    if (n.data) (n.stream === 'stderr' ? o.stderr : o.stdout).write(Buffer.from(n.data, 'base64'));
    if (n.end) finish(n.overflow ? { reason: 'overflow' } : { reason: 'exit', exitStatus: n.exitStatus });
  };
  const offOutput = client.onNotification('process.output', onOutput);
  const onClose = () => finish({ reason: 'lost', message: 'corrald closed the connection (it stopped or restarted); the process goes on: attach again' });
  client.once('close', onClose);

  let attached: { subscription: string; terminal: boolean; stdin: boolean };
  try {
    attached = await client.request('process.attach', { id: o.id, processId: o.processId, ...(o.tail ? { tail: o.tail } : {}) });
  } catch (err) {
    offOutput();
    client.off('close', onClose);
    throw err;
  }
  const subscription = attached.subscription;
  attach.subscription = subscription;
  for (const n of early.splice(0)) onOutput(n);

  const raw = o.tty && attached.terminal && o.stdin.isTTY === true;
  const restore: (() => void)[] = [];
  const cleanup = () => {
    for (const f of restore.splice(0).reverse()) {
      try {
        f();
      } catch {
        // the terminal is gone: nothing left to restore
      }
    }
  };
  // whatever happens below, the terminal goes back to how it was
  try {
    if (raw) {
      o.stdin.setRawMode(true);
      restore.push(() => o.stdin.setRawMode(false));
      const resize = () => {
        const rows = o.stdout.rows;
        const cols = o.stdout.columns;
        if (rows > 0 && cols > 0) client.request('process.resize', { id: o.id, processId: o.processId, rows, cols }).catch(() => {});
      };
      resize();
      o.stdout.on('resize', resize);
      restore.push(() => o.stdout.off('resize', resize));
    }
    for (const sig of END_SIGNALS) {
      const h = () => finish({ reason: 'signal', signal: sig });
      process.on(sig, h);
      restore.push(() => process.off(sig, h));
    }
    // a raw terminal is read for the detach keys even when nothing may be sent (read-only, no stdin)
    if ((o.input && attached.stdin) || raw) pumpInput(client, o, raw, o.input && attached.stdin, finish, restore);

    const end = await ended;
    done = true;
    if (end.reason === 'detached' || end.reason === 'signal') {
      await client.request('process.detach', { subscription }, { timeoutMs: DETACH_TIMEOUT_MS }).catch(() => {});
    }
    return end;
  } finally {
    done = true;
    offOutput();
    client.off('close', onClose);
    cleanup();
  }
}

/** Reads stdin into process.input calls, a few in flight at most; the detach keys end the session in raw mode. */
function pumpInput(client: Client, o: SessionOptions, raw: boolean, forward: boolean, finish: (e: SessionEnd) => void, restore: (() => void)[]): void {
  const keys = raw ? new DetachKeys() : undefined;
  let inFlight = 0;
  let chain = Promise.resolve();
  let stopped = false;
  const send = (data: Buffer, eof = false) => {
    if (!forward) return;
    inFlight++;
    // one after another: the order of the bytes is the order typed
    chain = chain
      .then(() => client.request('process.input', { id: o.id, processId: o.processId, ...(data.length ? { data: data.toString('base64') } : {}), ...(eof ? { eof } : {}) }))
      .then(
        () => undefined,
        (err: Error) => {
          // keys typed as the process exits find it gone: its end, with the exit status, is on its way
          if (!stopped && !isCorralError(err, 'invalid_state')) finish({ reason: 'lost', message: `input failed: ${err.message}` });
        },
      )
      .finally(() => {
        inFlight--;
        // reading stopped at the cap: go on from where it stopped
        if (inFlight === MAX_INPUT_IN_FLIGHT - 1) drain();
      });
  };
  const onChunk = (got: Buffer | string) => {
    // a stdin that Ink read before has an encoding set: keys come as text, back to bytes here
    const chunk = typeof got === 'string' ? Buffer.from(got, 'utf8') : got;
    let data = chunk;
    if (keys) {
      const s = keys.feed(chunk);
      if (s.detach) {
        if (s.forward.length) send(s.forward);
        stopped = true;
        finish({ reason: 'detached' });
        return;
      }
      data = s.forward;
    }
    for (let off = 0; off < data.length; off += MAX_INPUT_BYTES) send(data.subarray(off, off + MAX_INPUT_BYTES));
  };
  // paused mode ('readable' and read()), as Ink reads: the TUI takes stdin back as it left it,
  // and not reading is the back-pressure on a fast pipe
  const drain = () => {
    let chunk: Buffer | string | null;
    while (!stopped && inFlight < MAX_INPUT_IN_FLIGHT && (chunk = o.stdin.read()) !== null) onChunk(chunk);
  };
  const onEnd = () => {
    if (o.eofOnEnd) send(Buffer.alloc(0), true);
  };
  o.stdin.on('readable', drain);
  o.stdin.on('end', onEnd);
  drain();
  restore.push(() => {
    stopped = true;
    o.stdin.off('readable', drain);
    o.stdin.off('end', onEnd);
    o.stdin.pause();
  });
}
