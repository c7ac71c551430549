// The link to corrald: owns the socket client and drives the connection
// state machine (connection.ts) with what the socket does — connect, lose it,
// back off, retry now — and says whether a change may be sent now (not when
// read-only, not while disconnected). A socket that turns out to be corrald's
// read-only one, or a change refused as read-only, turns the whole UI
// read-only rather than let every later key be refused. The other models
// never hold the client: they send through `request` and hear of the
// connection through the hooks the Store gives here (up, down and the
// daemon's notifications).
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '../../shared/client.js';
import { CorralError } from '../../shared/errors.js';
import type { MethodName, NotificationName, NotificationOf, ParamsOf, ResultOf } from '../../shared/api.js';
import { errorText } from '../format.js';
import { backoff, canMutate, connectionReducer, initialConnection, type ConnectionEvent, type ConnectionState } from './connection.js';
import { Model, type Notify } from './model.js';

export interface LinkOptions {
  socket: string;
  readOnly: boolean;
  /** Delay before attempt n+1 after n failures (tests shorten it). */
  backoff?: (attempt: number) => number;
  connectTimeoutMs?: number;
}

export interface LinkState {
  socket: string;
  readOnly: boolean;
  conn: ConnectionState;
}

type Notifications = { [N in NotificationName]?: (params: NotificationOf<N>) => void };

export interface LinkHooks {
  /** A connection is up: what must be asked again (subscriptions, follows). */
  up: () => Promise<void>;
  /** The connection failed or went: nothing in flight will be answered. */
  down: () => void;
  /** The daemon's notifications, on whichever connection is up. */
  notifications: Notifications;
}

/** Runs a request and records it (the action log's `record`). */
export type Recorder = <T>(method: string, params: unknown, run: () => Promise<T>) => Promise<T>;

export class Link extends Model<LinkState> {
  private client: Client | null = null;
  /** Counts connections: an answer that comes after its connection went is not acted on. */
  private connections = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** A Client.connect is under way: never two at once. */
  private connecting = false;
  private readOnlyWhy = 'started with --read-only';
  private readonly delay: (attempt: number) => number;

  constructor(
    private readonly opts: LinkOptions,
    private readonly notify: Notify,
    private readonly hooks: LinkHooks,
  ) {
    super({ socket: opts.socket, readOnly: opts.readOnly, conn: initialConnection });
    this.delay = opts.backoff ?? backoff;
  }

  get connected(): boolean {
    return this.client !== null;
  }

  /** Which connection is up (a new number for each); compare before acting on a late answer. */
  get generation(): number {
    return this.connections;
  }

  dispatch(ev: ConnectionEvent): void {
    this.set({ ...this.state, conn: connectionReducer(this.state.conn, ev, this.delay) });
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
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
    this.dispatch({ type: 'retry-now', now: Date.now() });
    void this.connect();
  }

  /** Closes the connection on purpose; the usual reconnect follows. */
  hangUp(): void {
    this.client?.close();
  }

  /**
   * Sends one request over the connection that is up; with `record`, through the action log,
   * and a refusal because the socket is read-only turns the UI read-only.
   */
  async request<M extends MethodName>(method: M, params: ParamsOf<M>, record?: Recorder): Promise<ResultOf<M>> {
    const client = this.client;
    if (!client) throw new CorralError('unavailable', 'not connected to corrald');
    if (!record) return client.request(method, params);
    try {
      return await record(method, params, () => client.request(method, params));
    } catch (err) {
      if (err instanceof CorralError && err.data.readOnly === true) this.becomeReadOnly('the socket is read-only');
      throw err;
    }
  }

  /** Why a mutating key may not act now, or null when it may. */
  refusal(what: string): string | null {
    if (this.state.readOnly) return `read-only: ${what} is disabled (${this.readOnlyWhy})`;
    if (!this.client || !canMutate(this.state.conn)) return `not connected to corrald: ${what} refused; R retries now`;
    return null;
  }

  /** Whether a mutating key may act now; says why not otherwise. */
  mayMutate = (what: string): boolean => {
    const why = this.refusal(what);
    if (why) this.notify(why, 'error');
    return why === null;
  };

  private async connect(): Promise<void> {
    if (this.stopped || this.client || this.connecting) return;
    this.dispatch({ type: 'attempt' });
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
    this.connections++;
    for (const [name, fn] of Object.entries(this.hooks.notifications)) {
      client.onNotification(name as NotificationName, fn as (params: unknown) => void);
    }
    client.on('socket-error', () => undefined); // 'close' follows and says it
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = null;
      this.lost('the connection to corrald closed');
    });
    this.dispatch({ type: 'connected' });
    void this.learnReadOnly(client);
    await this.hooks.up();
  }

  private lost(error: string): void {
    if (this.stopped) return;
    this.dispatch({ type: 'lost', error, now: Date.now() });
    this.hooks.down();
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
      // the list works without it; a refused change still turns the UI read-only
    }
  }

  private becomeReadOnly(why: string): void {
    if (this.state.readOnly) return;
    this.readOnlyWhy = why;
    this.set({ ...this.state, readOnly: true });
    this.notify(`read-only: ${why}`, 'info');
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
