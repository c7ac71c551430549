// The TUI's store, a composition root. It makes one model per concern — the
// link to corrald, the container list, the changes sent for its rows, one log
// follow, one exec session, stats, the notice and the action log, the
// images, the pull and the image changes — and wires
// what one hears to the others: a connection up (subscribe, resume the log)
// or down, the daemon's notifications, events that move a row on or restart
// a followed process. Views act on the models directly and read one
// immutable snapshot of them all through useStore(): models tell the store at
// once, the store tells the views once per turn of the event loop. Nothing in
// here knows about Ink.
import type { ContainersState } from './containers.js';
import type { ConnectionState } from './connection.js';
import { ExecSession, type ExecView } from './exec.js';
import { ImageChanges, type ImageRows } from './image-changes.js';
import { ImageList, type ImagesState } from './images.js';
import { Link } from './link.js';
import { ContainerList } from './list.js';
import { Follows, LogFollow, type LogView } from './logs.js';
import type { Listener, Send } from './model.js';
import { Mutations, type Rows } from './mutations.js';
import { ActionLog, Notices, type ActionEntry, type Notice } from './notices.js';
import { PullSession, type PullView } from './pull.js';
import { Stats, STATS_INTERVAL_MS, type StatsPoint } from './stats.js';

export interface StoreState {
  socket: string;
  readOnly: boolean;
  conn: ConnectionState;
  list: ContainersState;
  rows: Rows;
  actions: ActionEntry[];
  /** Stats requests are not logged one by one (one a second per row): counted here. */
  statsPolls: number;
  stats: Readonly<Record<string, StatsPoint[]>>;
  logs: LogView | null;
  exec: ExecView | null;
  notice: Notice | null;
  images: ImagesState;
  imageRows: ImageRows;
  pull: PullView | null;
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

export class Store {
  readonly notices = new Notices();
  readonly actions = new ActionLog();
  readonly link: Link;
  readonly list: ContainerList;
  readonly mutations: Mutations;
  readonly logs: LogFollow;
  readonly exec: ExecSession;
  readonly stats: Stats;
  readonly images: ImageList;
  readonly pull: PullSession;
  readonly imageChanges: ImageChanges;
  private state: StoreState;
  private readonly listeners = new Set<Listener>();
  private announcing = false;

  constructor(private readonly opts: StoreOptions) {
    const notify = this.notices.notify;
    const send: Send = (method, params) => this.link.request(method, params, this.actions.record);
    const follows = new Follows(send);
    const connected = () => this.link.connected;
    this.link = new Link(opts, notify, {
      up: async () => {
        await this.list.sync();
        await this.images.sync();
        this.logs.resume();
      },
      down: () => {
        this.list.down();
        this.logs.down();
        this.exec.down();
        this.mutations.down();
      },
      notifications: {
        event: (p) => {
          const ev = this.list.take(p);
          if (!ev) return;
          this.mutations.moved(ev);
          this.logs.restartOn(ev);
          this.images.take(ev);
        },
        'events.overflow': (p) => this.list.overflowed(p),
        'image.progress': (p) => this.pull.progress(p),
        'process.log': (p) => {
          if (follows.isEnding(p.subscription)) return;
          if (!this.logs.take(p)) this.exec.take(p);
        },
      },
    });
    this.list = new ContainerList(this.link, send, notify);
    this.mutations = new Mutations({ send, mayMutate: this.link.mayMutate, notify, list: this.list, rowErrorMs: opts.rowErrorMs });
    this.logs = new LogFollow({ send, connected, follows });
    this.exec = new ExecSession({ send, mayMutate: this.link.mayMutate, follows });
    this.stats = new Stats({
      request: (id) => this.link.request('container.stats', { id }),
      live: () => connected() && this.link.getState().conn.phase === 'live',
      containers: () => this.list.getState().byId,
    });
    this.images = new ImageList(send);
    this.pull = new PullSession({ send, mayMutate: this.link.mayMutate, notify, images: this.images });
    this.imageChanges = new ImageChanges({ send, mayMutate: this.link.mayMutate, notify, images: this.images, containers: this.list });
    for (const m of [this.notices, this.actions, this.link, this.list, this.mutations, this.logs, this.exec, this.stats, this.images, this.pull, this.imageChanges]) {
      m.subscribe(() => this.changed());
    }
    this.state = this.compose();
  }

  // --- the external-store interface React reads through useSyncExternalStore

  getState = (): StoreState => this.state;

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  start(): void {
    this.link.start();
    this.stats.start(this.opts.statsIntervalMs ?? STATS_INTERVAL_MS);
  }

  stop(): void {
    this.link.stop();
    this.stats.stop();
    this.mutations.stop();
  }

  private compose(): StoreState {
    const link = this.link.getState();
    const stats = this.stats.getState();
    return {
      socket: link.socket,
      readOnly: link.readOnly,
      conn: link.conn,
      list: this.list.getState(),
      rows: this.mutations.getState(),
      actions: this.actions.getState(),
      statsPolls: stats.polls,
      stats: stats.byId,
      logs: this.logs.getState(),
      exec: this.exec.getState(),
      notice: this.notices.getState(),
      images: this.images.getState(),
      imageRows: this.imageChanges.getState(),
      pull: this.pull.getState(),
    };
  }

  /**
   * A model changed: the snapshot follows at once, the views hear of it once per turn of the
   * event loop — a snapshot of a thousand containers arrives in a few socket reads and should
   * cost a few renders, not a thousand.
   */
  private changed(): void {
    this.state = this.compose();
    if (this.announcing) return;
    this.announcing = true;
    setImmediate(() => {
      this.announcing = false;
      for (const fn of this.listeners) fn();
    });
  }
}
