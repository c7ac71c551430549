// What a method handler sees: its validated params and the call's context
// (the connection it came on, for subscriptions: the method says what a
// subscription sends, the connection when it may start and when its client
// has fallen too far behind). Handlers is keyed by every method name of
// shared/api.ts, so the compiler refuses a method without a handler.
import type { z } from 'zod';
import type { MethodName, Methods, ResultOf } from '../../shared/api.js';

/** A notification of a subscription; the connection adds the subscription's id to its params. */
interface Notification {
  method: string;
  params: Record<string, unknown>;
}

/** What a method makes of a subscription; its connection calls these. */
export interface Subscription {
  /**
   * Called once the subscribe reply is on the wire: the first notification may follow it, never
   * precede it. What it sends at once (a replay, a snapshot) may pass the subscriber cap.
   */
  activate(): void;
  /** Ends it (unsubscribed, ended by its method, overflowed, or its connection gone): stop sending and let go. */
  close(): void;
  /** The last notification when its subscriber falls behind; asked for then, so that it can say how far the subscriber got. */
  overflow(): Notification;
}

/** The connection's end of one subscription, handed to the method that makes it. */
export interface Outlet {
  readonly id: string;
  /**
   * Sends a notification of this subscription. A subscriber whose unread backlog has passed the
   * cap gets the subscription's overflow notification instead, and the subscription ends; once it
   * has ended nothing is sent. True if this notification was sent.
   */
  send(method: string, params: Record<string, unknown>): boolean;
  /** Ends the subscription with a last notification, sent whatever the backlog, unless it has ended already. */
  end(method: string, params: Record<string, unknown>): void;
}

export interface Connection {
  readonly id: number;
  /** Makes a subscription of this connection, which starts once the current call's reply is written; returns its id. */
  addSubscription(make: (out: Outlet) => Subscription): string;
  removeSubscription(id: string): boolean;
  /**
   * Sends a notification about the current call before its reply (a pull's
   * progress). Dropped, not queued, while the client has not read what it was
   * sent: progress is superseded by the next one and by the reply.
   */
  progress(method: string, params: Record<string, unknown>): void;
}

export interface CallContext {
  connId: number;
  readOnly: boolean;
  conn: Connection;
}

type Handler<M extends MethodName> = (params: z.output<Methods[M]['params']>, ctx: CallContext) => Promise<ResultOf<M>> | ResultOf<M>;
export type Handlers = { [M in MethodName]: Handler<M> };

/** What the handlers need of the daemon, handed to each namespace's factory. */
export interface DaemonContext {
  sup: import('../supervisor/supervisor.js').Supervisor;
  config: import('../config.js').Config;
  startedAt: number;
  versions: () => Promise<{ runtime: { path: string; version: string }; monitor: { path: string; version: string } }>;
}
