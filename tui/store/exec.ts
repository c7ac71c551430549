// One exec session: a command run in a container with process.exec under a
// fresh process id, its output followed through process.logs and its exit
// code asked for with process.wait. The wait and the follow are two calls
// whose answers come in either order (corrald gates its log reads), so the
// session says "exited" only once the follow has ended too: never an exit
// code above output still on its way. Opening a new session, or closing
// this one, ends its follow.
import type { LogLineT, NotificationOf } from '../../shared/api.js';
import { errorText } from '../format.js';
import { LOG_LINES_MAX, belongs, type Follows } from './logs.js';
import { Model, type Send } from './model.js';

export interface ExecView {
  containerId: string;
  processId: string;
  args: string[];
  state: 'starting' | 'running' | 'exited' | 'failed';
  exitStatus?: number;
  lines: LogLineT[];
  error?: string;
  subscription?: string;
}

export interface ExecDeps {
  send: Send;
  mayMutate: (what: string) => boolean;
  follows: Follows;
}

export class ExecSession extends Model<ExecView | null> {
  /** The end of this session's follow, which its exit code waits for. */
  private followEnd: { processId: string; ended: () => void } | undefined;

  constructor(private readonly deps: ExecDeps) {
    super(null);
  }

  async run(id: string, args: string[]): Promise<void> {
    if (!this.deps.mayMutate('process.exec')) return;
    const processId = `exec-${Date.now().toString(36)}`;
    this.close();
    this.set({ containerId: id, processId, args, state: 'starting', lines: [] });
    const update = (patch: Partial<ExecView>) => {
      const cur = this.state;
      if (cur && cur.processId === processId) this.set({ ...cur, ...patch });
    };
    try {
      await this.deps.send('process.exec', { id, processId, args });
    } catch (err) {
      update({ state: 'failed', error: errorText(err) });
      return;
    }
    update({ state: 'running' });
    let followEnded!: () => void;
    const followDone = new Promise<void>((resolve) => (followEnded = resolve));
    this.followEnd = { processId, ended: followEnded };
    this.deps
      .send('process.logs', { id, processId, follow: true })
      .then((r) => {
        const cur = this.state;
        if (cur?.processId !== processId) {
          if (r.subscription) void this.deps.follows.end(r.subscription);
          return;
        }
        update({ lines: [...r.lines, ...cur.lines].slice(-LOG_LINES_MAX), subscription: r.subscription });
        if (!r.subscription) followEnded();
      })
      .catch((err) => {
        update({ error: errorText(err) });
        followEnded();
      });
    Promise.all([this.deps.send('process.wait', { id, processId }), followDone])
      .then(([r]) => update({ state: 'exited', exitStatus: r.exitStatus }))
      .catch((err) => update({ error: errorText(err) }));
  }

  close(): void {
    const sub = this.state?.subscription;
    if (sub) void this.deps.follows.end(sub);
    if (this.state) this.set(null);
  }

  /** Takes a process.log notification if it is this session's output; says whether it was. */
  take(p: NotificationOf<'process.log'>): boolean {
    const exec = this.state;
    if (!exec || !belongs(exec, p)) return false;
    this.set({ ...exec, lines: p.line ? [...exec.lines, p.line].slice(-LOG_LINES_MAX) : exec.lines });
    if (p.end && this.followEnd?.processId === exec.processId) this.followEnd.ended();
    return true;
  }

  /** The connection went, and the follow with it; the output so far stays. */
  down(): void {
    if (this.state?.subscription) this.set({ ...this.state, subscription: undefined });
  }
}
