// The TUI's one store: owns the socket client and drives the connection state
// machine (connect, subscribe with snapshot, back-off, resubscribe with
// `since`, retry now), feeds daemon events through the containers reducer,
// sends every request (logged in the action log, pending and failure shown per
// row, mutations refused when read-only or disconnected), polls stats once a
// second for what is on screen only, and follows one log and one exec at a
// time. A row's failure is shown for a while, then gives way to its numbers. A
// log that ended follows again when its process starts anew. Views read
// immutable snapshots of it through useStore(); nothing in here knows about
// Ink.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '../../shared/client.js';
import { CorralError, isCorralError } from '../../shared/errors.js';
import type { ContainerT, EventT, LogLineT, MethodName, NotificationOf, ParamsOf, ResultOf } from '../../shared/api.js';
import { backoff, canMutate, connectionReducer, initialConnection, type ConnectionEvent, type ConnectionState } from './connection.js';
import { containersReducer, initialContainers, type ContainersAction, type ContainersState } from './containers.js';
import { errorText } from '../format.js';
import { appendSample, type StatsPoint } from './stats.js';

export type { StatsPoint };

export const ACTION_LOG_MAX = 500;
export const LOG_LINES_MAX = 5000;
export const LOG_TAIL = 1000;
/** Stats samples kept per container: a minute at one a second. */
export const STATS_POINTS = 60;
export const STATS_INTERVAL_MS = 1000;
/** How long a row shows the message of its last failed request. */
export const ROW_ERROR_MS = 10_000;

export interface ActionEntry {
  n: number;
  at: number;
  method: string;
  params: unknown;
  state: 'pending' | 'ok' | 'error';
  durationMs?: number;
  message?: string;
}

export interface RowActivity {
  /** What runs for this row now ("pausing"), shown instead of its state. */
  pending?: string;
  /** The daemon's message for the last failed request on this row. */
  error?: string;
}

export interface LogView {
  /** One per openLogs call: an answer to an older call is not this view's. */
  gen: number;
  containerId: string;
  processId: string;
  /** The last LOG_LINES_MAX lines. */
  lines: LogLineT[];
  /** Lines received since the log was opened, trimmed ones included: a pause holds on this count. */
  received: number;
  loading: boolean;
  /** The process exited or the container went away: no more lines will come. */
  ended: boolean;
  error?: string;
  subscription?: string;
}

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

export interface Notice {
  text: string;
  level: 'info' | 'error';
  at: number;
}

export interface StoreState {
  socket: string;
  readOnly: boolean;
  conn: ConnectionState;
  list: ContainersState;
  rows: Readonly<Record<string, RowActivity>>;
  actions: ActionEntry[];
  /** Stats requests are not logged one by one (one a second per row): counted here. */
  statsPolls: number;
  stats: Readonly<Record<string, StatsPoint[]>>;
  logs: LogView | null;
  exec: ExecView | null;
  notice: Notice | null;
}

export interface StoreOptions {
  socket: string;
  readOnly: boolean;
  /** Delay before attempt n+1 after n failures (tests shorten it). */
  backoff?: (attempt: number) => number;
  statsIntervalMs?: number;
  connectTimeoutMs?: number;
  rowErrorMs?: number;
}

type Listener = () => void;

export class Store {
  private state: StoreState;
  private readonly listeners = new Set<Listener>();
  private client: Client | null = null;
  private eventSub: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private statsTargets: string[] = [];
  private statsInFlight = false;
  private actionN = 0;
  private stopped = false;
  /** A Client.connect is under way: never two at once. */
  private connecting = false;
  private announcing = false;
  private readonly delay: (attempt: number) => number;
  private readOnlyWhy = 'started with --read-only';
  private logGen = 0;
  /** Log subscriptions being ended: their last lines in flight belong to no view. */
  private ending = new Set<string>();
  /** The exec on screen: its follow's end, which the exit code waits for. */
  private execLogEnd: { processId: string; ended: () => void } | undefined;
  private rowErrorTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly opts: StoreOptions) {
    this.delay = opts.backoff ?? backoff;
    this.state = {
      socket: opts.socket,
      readOnly: opts.readOnly,
      conn: initialConnection,
      list: initialContainers,
      rows: {},
      actions: [],
      statsPolls: 0,
      stats: {},
      logs: null,
      exec: null,
      notice: null,
    };
  }

  // --- the external-store interface React reads through useSyncExternalStore

  getState = (): StoreState => this.state;

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /**
   * Changes are applied at once but announced once per turn of the event loop: a snapshot of
   * a thousand containers arrives in a few socket reads and should cost a few renders, not a
   * thousand.
   */
  private set(patch: Partial<StoreState>): void {
    this.state = { ...this.state, ...patch };
    if (this.announcing) return;
    this.announcing = true;
    setImmediate(() => {
      this.announcing = false;
      for (const fn of this.listeners) fn();
    });
  }

  private conn(ev: ConnectionEvent): void {
    this.set({ conn: connectionReducer(this.state.conn, ev, this.delay) });
  }

  private list(action: ContainersAction): void {
    this.set({ list: containersReducer(this.state.list, action) });
  }

  // --- lifecycle

  start(): void {
    this.stopped = false;
    void this.connect();
    const every = this.opts.statsIntervalMs ?? STATS_INTERVAL_MS;
    this.statsTimer = setInterval(() => void this.pollStats(), every);
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.retryTimer = this.statsTimer = null;
    for (const t of this.rowErrorTimers.values()) clearTimeout(t);
    this.rowErrorTimers.clear();
    this.client?.close();
    this.client = null;
  }

  /** `R`: connect now rather than at the end of the back-off. */
  retryNow(): void {
    const { phase } = this.state.conn;
    if (this.connecting || phase === 'connecting') return this.notify('already connecting', 'info');
    if (phase !== 'waiting' && phase !== 'reconnecting') return this.notify('connected: nothing to retry', 'info');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.conn({ type: 'retry-now', now: Date.now() });
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.client || this.connecting) return;
    this.conn({ type: 'attempt' });
    let client: Client;
    this.connecting = true;
    try {
      client = await Client.connect(this.opts.socket, this.opts.connectTimeoutMs);
    } catch (err) {
      this.lost(errorText(err));
      return;
    } finally {
      this.connecting = false;
    }
    if (this.stopped) {
      client.close();
      return;
    }
    this.client = client;
    client.onNotification('event', (p) => this.onEvent(p));
    client.onNotification('events.overflow', (p) => this.onOverflow(p));
    client.onNotification('process.log', (p) => this.onLog(p));
    client.on('socket-error', () => undefined); // 'close' follows and says it
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = null;
      this.eventSub = null;
      this.lost('the connection to corrald closed');
    });
    this.conn({ type: 'connected' });
    void this.learnReadOnly(client);
    await this.subscribeEvents();
    if (this.state.logs && !this.state.logs.ended) void this.openLogs(this.state.logs.containerId, this.state.logs.processId);
  }

  private lost(error: string): void {
    if (this.stopped) return;
    this.conn({ type: 'lost', error, now: Date.now() });
    const { logs, exec } = this.state;
    if (logs && !logs.ended) this.set({ logs: { ...logs, subscription: undefined, error: 'connection lost: the log resumes on reconnect' } });
    if (exec && exec.subscription) this.set({ exec: { ...exec, subscription: undefined } });
    // rows waiting on an answer will never get one
    const rows: Record<string, RowActivity> = {};
    for (const [id, r] of Object.entries(this.state.rows)) rows[id] = { ...r, pending: undefined };
    this.set({ rows });
    const wait = Math.max(0, (this.state.conn.retryAt ?? Date.now()) - Date.now());
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, wait);
  }

  /**
   * A --socket (or CORRAL_SOCKET) may name corrald's read-only socket: the UI then turns
   * read-only itself, rather than offering keys that every press would see refused.
   */
  private async learnReadOnly(client: Client): Promise<void> {
    if (this.state.readOnly) return;
    try {
      const info = await client.request('daemon.info', {});
      if (client === this.client && info.readOnlySocket && samePath(info.readOnlySocket, this.opts.socket)) {
        this.becomeReadOnly("corrald's read-only socket");
      }
    } catch {
      // the list works without it; a refused change still turns the UI read-only below
    }
  }

  private becomeReadOnly(why: string): void {
    if (this.state.readOnly) return;
    this.readOnlyWhy = why;
    this.set({ readOnly: true });
    this.notify(`read-only: ${why}`, 'info');
  }

  private async subscribeEvents(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const since = this.state.conn.lastSeq;
    this.list({ type: 'subscribe' });
    this.eventSub = null;
    try {
      const params: ParamsOf<'events.subscribe'> = since === undefined ? { snapshot: true } : { snapshot: true, since };
      const r = await this.request('events.subscribe', params, { quiet: false });
      this.eventSub = r.subscription;
      this.conn({ type: 'subscribed', seq: r.seq });
    } catch (err) {
      if (client !== this.client) return;
      if (since !== undefined && (isCorralError(err, 'invalid_state') || isCorralError(err, 'invalid_params'))) {
        // the daemon no longer holds events since then: a full snapshot is the truth
        this.conn({ type: 'history-lost' });
        this.notify(`events after #${since} were lost while disconnected; reloaded the full list`, 'info');
        await this.subscribeEvents();
        return;
      }
      this.notify(`cannot subscribe to events: ${errorText(err)}`, 'error');
      client.close();
    }
  }

  private onEvent(p: NotificationOf<'event'>): void {
    if (this.eventSub !== null && p.subscription !== this.eventSub) return;
    const ev: EventT = p.event;
    this.list({ type: 'event', event: ev });
    if (ev.type === 'events.synced') this.conn({ type: 'synced', seq: ev.seq });
    else if (ev.type !== 'container.state') this.conn({ type: 'event', seq: ev.seq });
    if (ev.id && ev.type !== 'container.state' && this.state.rows[ev.id]?.error) {
      // the row moved on: an old failure no longer describes it
      this.row(ev.id, { error: undefined });
    }
    if (this.restarted(ev)) void this.openLogs(ev.id!, this.state.logs!.processId);
  }

  /** Whether `ev` starts anew the process of a log that had ended. */
  private restarted(ev: EventT): boolean {
    const logs = this.state.logs;
    if (!logs?.ended || ev.id !== logs.containerId) return false;
    if (ev.type === 'process.start') return (ev.processId ?? 'init') === logs.processId;
    return ev.type === 'container.start' && logs.processId === 'init';
  }

  private onOverflow(p: NotificationOf<'events.overflow'>): void {
    if (p.subscription !== this.eventSub) return;
    this.conn({ type: 'overflow', lastSeq: p.lastSeq, now: Date.now() });
    this.notify('the daemon dropped our event stream (too slow): resubscribing', 'info');
    void this.subscribeEvents();
  }

  // --- requests

  /** Sends one request, recording it in the action log unless `quiet`. */
  private async request<M extends MethodName>(method: M, params: ParamsOf<M>, o: { quiet: boolean }): Promise<ResultOf<M>> {
    const client = this.client;
    if (!client) throw new CorralError('unavailable', 'not connected to corrald');
    if (o.quiet) return client.request(method, params);
    const n = ++this.actionN;
    const at = Date.now();
    const entry: ActionEntry = { n, at, method, params, state: 'pending' };
    this.set({ actions: [...this.state.actions, entry].slice(-ACTION_LOG_MAX) });
    const finish = (patch: Partial<ActionEntry>) =>
      this.set({ actions: this.state.actions.map((a) => (a.n === n ? { ...a, ...patch, durationMs: Date.now() - at } : a)) });
    try {
      const result = await client.request(method, params);
      finish({ state: 'ok' });
      return result;
    } catch (err) {
      finish({ state: 'error', message: errorText(err) });
      if (err instanceof CorralError && err.data.readOnly === true) this.becomeReadOnly('the socket is read-only');
      throw err;
    }
  }

  private row(id: string, patch: RowActivity): void {
    this.set({ rows: { ...this.state.rows, [id]: { ...this.state.rows[id], ...patch } } });
  }

  notify(text: string, level: Notice['level'] = 'info'): void {
    this.set({ notice: { text, level, at: Date.now() } });
  }

  /** Why a mutating key may not act now, or null when it may. */
  refusal(what: string): string | null {
    if (this.state.readOnly) return `read-only: ${what} is disabled (${this.readOnlyWhy})`;
    if (!this.client || !canMutate(this.state.conn)) return `not connected to corrald: ${what} refused; R retries now`;
    return null;
  }

  /** Whether a mutating key may act now; says why not otherwise. */
  mayMutate(what: string): boolean {
    const why = this.refusal(what);
    if (why) this.notify(why, 'error');
    return why === null;
  }

  /** A mutation on one row: pending while it runs, the daemon's message if it fails. */
  private async mutate<M extends MethodName>(id: string, pending: string, method: M, params: ParamsOf<M>): Promise<ResultOf<M> | undefined> {
    if (!this.mayMutate(method)) return undefined;
    this.row(id, { pending, error: undefined });
    try {
      const result = await this.request(method, params, { quiet: false });
      this.row(id, { pending: undefined });
      return result;
    } catch (err) {
      const text = errorText(err);
      this.failRow(id, `${method.split('.')[1]}: ${text}`);
      this.notify(`${id}: ${method} failed: ${text}`, 'error');
      return undefined;
    }
  }

  /** Shows `error` in place of the row's numbers until it expires or the row moves on. */
  private failRow(id: string, error: string): void {
    this.row(id, { pending: undefined, error });
    clearTimeout(this.rowErrorTimers.get(id));
    const timer = setTimeout(() => {
      this.rowErrorTimers.delete(id);
      if (this.state.rows[id]?.error === error) this.row(id, { error: undefined });
    }, this.opts.rowErrorMs ?? ROW_ERROR_MS);
    this.rowErrorTimers.set(id, timer);
  }

  private upsert(result: unknown): void {
    const c = result as ContainerT | undefined;
    if (c && typeof c === 'object' && typeof c.id === 'string' && typeof c.state === 'string') this.list({ type: 'container', container: c });
  }

  async startContainer(id: string): Promise<void> {
    this.upsert(await this.mutate(id, 'starting', 'container.start', { id }));
  }

  async pauseResume(c: ContainerT): Promise<void> {
    if (c.state === 'running') this.upsert(await this.mutate(c.id, 'pausing', 'container.pause', { id: c.id }));
    else if (c.state === 'paused') this.upsert(await this.mutate(c.id, 'resuming', 'container.resume', { id: c.id }));
    else this.notify(`${c.id} is ${c.state}: only a running container pauses and only a paused one resumes`, 'error');
  }

  async kill(id: string, signal: string, processId?: string): Promise<void> {
    const toProcess = processId !== undefined && processId !== 'init';
    const r = toProcess
      ? await this.mutate(id, `sending ${signal} to ${processId}`, 'process.kill', { id, processId, signal })
      : await this.mutate(id, `sending ${signal}`, 'container.kill', { id, signal });
    if (r) this.notify(`sent ${signal} to ${toProcess ? `process ${processId} of ` : ''}${id}`);
  }

  async remove(id: string, force: boolean): Promise<boolean> {
    const r = await this.mutate(id, 'deleting', 'container.delete', force ? { id, force } : { id });
    if (r === undefined) return false;
    this.list({ type: 'gone', id });
    this.notify(`deleted ${id}`);
    return true;
  }

  async create(id: string, bundle: string, start: boolean): Promise<boolean> {
    if (!this.mayMutate('container.create')) return false;
    try {
      this.upsert(await this.request('container.create', { id, bundle, start }, { quiet: false }));
      this.notify(`created ${id}${start ? ' and started it' : ''}`, 'info');
      return true;
    } catch (err) {
      this.notify(`create ${id} failed: ${errorText(err)}`, 'error');
      return false;
    }
  }

  /** process.exec, then its output through a followed log and its exit code through process.wait. */
  async exec(id: string, args: string[]): Promise<void> {
    if (!this.mayMutate('process.exec')) return;
    const processId = `exec-${Date.now().toString(36)}`;
    this.closeExec();
    this.set({ exec: { containerId: id, processId, args, state: 'starting', lines: [] } });
    const setExec = (patch: Partial<ExecView>) => {
      const cur = this.state.exec;
      if (cur && cur.processId === processId) this.set({ exec: { ...cur, ...patch } });
    };
    try {
      await this.request('process.exec', { id, processId, args }, { quiet: false });
    } catch (err) {
      setExec({ state: 'failed', error: errorText(err) });
      return;
    }
    setExec({ state: 'running' });
    // the wait and the follow are two calls whose answers may come in either order: the exit code is
    // shown once the follow has ended too, so "exited" never stands above output still on its way
    let logEnded!: () => void;
    const logDone = new Promise<void>((resolve) => (logEnded = resolve));
    this.execLogEnd = { processId, ended: logEnded };
    this.request('process.logs', { id, processId, follow: true }, { quiet: false })
      .then((r) => {
        const cur = this.state.exec;
        if (cur?.processId !== processId) {
          if (r.subscription) void this.unsubscribe(r.subscription);
          return;
        }
        setExec({ lines: [...r.lines, ...cur.lines].slice(-LOG_LINES_MAX), subscription: r.subscription });
        if (!r.subscription) logEnded();
      })
      .catch((err) => {
        setExec({ error: errorText(err) });
        logEnded();
      });
    Promise.all([this.request('process.wait', { id, processId }, { quiet: false }), logDone])
      .then(([r]) => setExec({ state: 'exited', exitStatus: r.exitStatus }))
      .catch((err) => setExec({ error: errorText(err) }));
  }

  closeExec(): void {
    const sub = this.state.exec?.subscription;
    if (sub) void this.unsubscribe(sub);
    if (this.state.exec) this.set({ exec: null });
  }

  // --- logs

  async openLogs(containerId: string, processId = 'init'): Promise<void> {
    const prev = this.state.logs;
    if (prev?.subscription) void this.unsubscribe(prev.subscription);
    // two calls for the same log (a quick Tab and back) may both be answered: only the last one's counts
    const gen = ++this.logGen;
    const fresh: LogView = { gen, containerId, processId, lines: [], received: 0, loading: true, ended: false };
    this.set({ logs: fresh });
    if (!this.client) {
      const kept = prev?.lines ?? [];
      this.set({ logs: { ...fresh, lines: kept, received: kept.length, loading: false, error: 'not connected: the log loads on reconnect' } });
      return;
    }
    try {
      const r = await this.request('process.logs', { id: containerId, processId, tail: LOG_TAIL, follow: true }, { quiet: false });
      const cur = this.state.logs;
      if (cur?.gen !== gen) {
        if (r.subscription) void this.unsubscribe(r.subscription);
        return;
      }
      // lines (and the end) that came as notifications before the answer are newer than the answer's tail
      const lines = [...r.lines, ...cur.lines].slice(-LOG_LINES_MAX);
      this.set({ logs: { ...cur, lines, received: cur.received + r.lines.length, loading: false, subscription: r.subscription, ended: cur.ended || !r.subscription } });
    } catch (err) {
      const cur = this.state.logs;
      if (cur?.gen === gen) this.set({ logs: { ...cur, loading: false, error: errorText(err) } });
    }
  }

  closeLogs(): void {
    const sub = this.state.logs?.subscription;
    if (sub) void this.unsubscribe(sub);
    if (this.state.logs) this.set({ logs: null });
  }

  private async unsubscribe(subscription: string): Promise<void> {
    this.ending.add(subscription);
    try {
      await this.request('events.unsubscribe', { subscription }, { quiet: false });
    } catch {
      // it ended on its own (the process exited) or the connection went: either way it is gone
    } finally {
      // the daemon answers after its last notification for it
      this.ending.delete(subscription);
    }
  }

  private onLog(p: NotificationOf<'process.log'>): void {
    if (this.ending.has(p.subscription)) return;
    const { logs, exec } = this.state;
    const matches = (v: { containerId: string; processId: string; subscription?: string } | null) =>
      v && (v.subscription === p.subscription || (!v.subscription && v.containerId === p.id && v.processId === p.processId));
    if (logs && matches(logs) && p.overflow) {
      // corrald ended the follow because this UI fell behind a chatty log: start again from a fresh tail
      void this.openLogs(logs.containerId, logs.processId);
    } else if (logs && matches(logs)) {
      const lines = p.line ? [...logs.lines, p.line].slice(-LOG_LINES_MAX) : logs.lines;
      this.set({ logs: { ...logs, lines, received: logs.received + (p.line ? 1 : 0), ended: logs.ended || Boolean(p.end) } });
    } else if (exec && matches(exec)) {
      this.set({ exec: { ...exec, lines: p.line ? [...exec.lines, p.line].slice(-LOG_LINES_MAX) : exec.lines } });
      if (p.end && this.execLogEnd?.processId === exec.processId) this.execLogEnd.ended();
    }
  }

  // --- stats

  /** The ids whose stats are on screen; only those are polled. */
  setStatsTargets(ids: string[]): void {
    this.statsTargets = [...new Set(ids)];
  }

  private async pollStats(): Promise<void> {
    if (this.statsInFlight || !this.client || this.state.conn.phase !== 'live') return;
    const ids = this.statsTargets.filter((id) => {
      const s = this.state.list.byId[id]?.state;
      return s === 'running' || s === 'paused';
    });
    if (!ids.length) return;
    this.statsInFlight = true;
    try {
      const results = await Promise.allSettled(ids.map((id) => this.request('container.stats', { id }, { quiet: true })));
      const now = Date.now();
      const stats: Record<string, StatsPoint[]> = {};
      for (const [id, points] of Object.entries(this.state.stats)) if (this.state.list.byId[id]) stats[id] = points;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') stats[ids[i]] = appendSample(stats[ids[i]], r.value, now, STATS_POINTS);
      });
      this.set({ stats, statsPolls: this.state.statsPolls + ids.length });
    } finally {
      this.statsInFlight = false;
    }
  }
}

/** Whether two socket paths name the same file (one may be relative or go through a symlink). */
function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}
