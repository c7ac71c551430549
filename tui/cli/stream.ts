// A container's output on the user's terminal, for `logs`, `logs -f` and the
// foreground of `run` and `start -a`: process.logs, then with follow its
// process.log notifications until corrald says the process ended. Lines keep
// their stream: the container's stderr goes to corral's stderr, as podman
// does. Notifications are listened for before the request is sent and held
// until its reply names the subscription, so no line can slip between them.
import type { LogLineT } from '../../shared/api.js';
import type { Client } from '../../shared/client.js';
import { CorralError } from '../../shared/errors.js';
import type { Output } from './spec.js';

export interface LogRequest {
  id: string;
  processId?: string;
  tail?: number;
  follow?: boolean;
  /** Only lines at or after this time (ms since the epoch). */
  since?: number;
  timestamps?: boolean;
}

function printer(r: LogRequest, out: Output): (line: LogLineT) => void {
  return (line) => {
    if (r.since !== undefined && Date.parse(line.time) < r.since) return;
    const text = (r.timestamps ? `${line.time} ` : '') + line.text + '\n';
    (line.stream === 'stderr' ? out.stderr : out.stdout).write(text);
  };
}

/** Prints the log as asked; with follow, resolves when the process has ended (or the daemon went away, which rejects). */
export async function streamLogs(client: Client, r: LogRequest, out: Output): Promise<void> {
  const print = printer(r, out);
  let subscription: string | undefined;
  const early: { line?: LogLineT; end?: boolean; subscription: string }[] = [];
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const ended = new Promise<void>((resolve, reject) => ([finish, fail] = [resolve, reject]));
  const onNote = (n: { subscription: string; line?: LogLineT; end?: boolean; overflow?: boolean }) => {
    if (subscription === undefined) return void early.push(n);
    if (n.subscription !== subscription) return;
    if (n.line) print(n.line);
    if (n.overflow) fail(new CorralError('limit_exceeded', 'the log came faster than it could be printed and corrald ended the follow; run corral logs again'));
    else if (n.end) finish();
  };
  const off = client.onNotification('process.log', onNote);
  const gone = () => fail(new CorralError('unavailable', 'corrald closed the connection while following the log; is it still running?'));
  client.once('close', gone);
  try {
    const res = await client.request('process.logs', { id: r.id, processId: r.processId, tail: r.tail, follow: r.follow });
    for (const line of res.lines) print(line);
    if (!r.follow || !res.subscription) return;
    subscription = res.subscription;
    for (const n of early.splice(0)) onNote(n);
    await ended;
  } finally {
    off();
    client.off('close', gone);
  }
}
