// The requests that change a container — start, pause or resume, kill (the
// container or one process), delete, create — and what each row is doing
// because of them. Each is refused with its reason while the UI is read-only
// or disconnected; while it runs its row says so ("pausing") instead of its
// state; when it fails, the daemon's message stands on the row in place of
// its numbers until the row moves on (an event about it) or ROW_ERROR_MS
// pass, and in the status line. What a request answers with goes into the
// list at once.
import type { ContainerT, EventT, MethodName, ParamsOf, ResultOf } from '../../shared/api.js';
import { errorText } from '../format.js';
import type { ContainerList } from './list.js';
import { Model, type Notify, type Send } from './model.js';

/** How long a row shows the message of its last failed request. */
const ROW_ERROR_MS = 10_000;

export interface RowActivity {
  /** What runs for this row now ("pausing"), shown instead of its state. */
  pending?: string;
  /** The daemon's message for the last failed request on this row. */
  error?: string;
}

export type Rows = Readonly<Record<string, RowActivity>>;

export interface MutationsDeps {
  send: Send;
  mayMutate: (what: string) => boolean;
  notify: Notify;
  list: Pick<ContainerList, 'apply'>;
  rowErrorMs?: number;
}

export class Mutations extends Model<Rows> {
  private errorTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: MutationsDeps) {
    super({});
  }

  async start(id: string): Promise<void> {
    this.upsert(await this.mutate(id, 'starting', 'container.start', { id }));
  }

  async pauseResume(c: ContainerT): Promise<void> {
    if (c.state === 'running') this.upsert(await this.mutate(c.id, 'pausing', 'container.pause', { id: c.id }));
    else if (c.state === 'paused') this.upsert(await this.mutate(c.id, 'resuming', 'container.resume', { id: c.id }));
    else this.deps.notify(`${c.id} is ${c.state}: only a running container pauses and only a paused one resumes`, 'error');
  }

  async kill(id: string, signal: string, processId?: string): Promise<void> {
    const toProcess = processId !== undefined && processId !== 'init';
    const r = toProcess
      ? await this.mutate(id, `sending ${signal} to ${processId}`, 'process.kill', { id, processId, signal })
      : await this.mutate(id, `sending ${signal}`, 'container.kill', { id, signal });
    if (r) this.deps.notify(`sent ${signal} to ${toProcess ? `process ${processId} of ` : ''}${id}`);
  }

  async remove(id: string, force: boolean): Promise<boolean> {
    const r = await this.mutate(id, 'deleting', 'container.delete', force ? { id, force } : { id });
    if (r === undefined) return false;
    this.deps.list.apply({ type: 'gone', id });
    this.deps.notify(`deleted ${id}`);
    return true;
  }

  /** Creates a container from a bundle or an image (`p` holds one of them). */
  async create(p: ParamsOf<'container.create'>): Promise<boolean> {
    if (!this.deps.mayMutate('container.create')) return false;
    try {
      this.upsert(await this.deps.send('container.create', p));
      this.deps.notify(`created ${p.id}${p.image ? ` from ${p.image}` : ''}${p.start ? ' and started it' : ''}`, 'info');
      return true;
    } catch (err) {
      this.deps.notify(`create ${p.id} failed: ${errorText(err)}`, 'error');
      return false;
    }
  }

  /** An event about a row: an old failure no longer describes it. */
  moved(ev: EventT): void {
    if (ev.id && ev.type !== 'container.state' && this.state[ev.id]?.error) this.row(ev.id, { error: undefined });
  }

  /** The connection went: rows waiting on an answer will never get one. */
  down(): void {
    const rows: Record<string, RowActivity> = {};
    for (const [id, r] of Object.entries(this.state)) rows[id] = { ...r, pending: undefined };
    this.set(rows);
  }

  stop(): void {
    for (const t of this.errorTimers.values()) clearTimeout(t);
    this.errorTimers.clear();
  }

  private row(id: string, patch: RowActivity): void {
    this.set({ ...this.state, [id]: { ...this.state[id], ...patch } });
  }

  /** A mutation on one row: pending while it runs, the daemon's message if it fails. */
  private async mutate<M extends MethodName>(id: string, pending: string, method: M, params: ParamsOf<M>): Promise<ResultOf<M> | undefined> {
    if (!this.deps.mayMutate(method)) return undefined;
    this.row(id, { pending, error: undefined });
    try {
      const result = await this.deps.send(method, params);
      this.row(id, { pending: undefined });
      return result;
    } catch (err) {
      const text = errorText(err);
      this.fail(id, `${method.split('.')[1]}: ${text}`);
      this.deps.notify(`${id}: ${method} failed: ${text}`, 'error');
      return undefined;
    }
  }

  /** Shows `error` in place of the row's numbers until it expires or the row moves on. */
  private fail(id: string, error: string): void {
    this.row(id, { pending: undefined, error });
    clearTimeout(this.errorTimers.get(id));
    const timer = setTimeout(() => {
      this.errorTimers.delete(id);
      if (this.state[id]?.error === error) this.row(id, { error: undefined });
    }, this.deps.rowErrorMs ?? ROW_ERROR_MS);
    this.errorTimers.set(id, timer);
  }

  private upsert(result: unknown): void {
    const c = result as ContainerT | undefined;
    if (c && typeof c === 'object' && typeof c.id === 'string' && typeof c.state === 'string') this.deps.list.apply({ type: 'container', container: c });
  }
}
