// What a method handler sees: its validated params and the call's context
// (the connection it came on, for subscriptions and notifications). Handlers
// is keyed by every method name of shared/api.ts, so the compiler refuses a
// method without a handler.
import type { z } from 'zod';
import type { MethodName, Methods, ResultOf } from '../../shared/api.js';

export interface Subscription {
  readonly id: string;
  /** Called once the subscribe reply is on the wire: the first notification may follow it, never precede it. */
  activate(): void;
  /** Ends it; FINAL tells whether to send a last notification. */
  close(): void;
}

export interface Connection {
  readonly id: number;
  notify(method: string, params: unknown): void;
  /** Bytes written to this client and not yet taken by it. */
  readonly backlog: number;
  addSubscription(make: (id: string) => Subscription): Subscription;
  removeSubscription(id: string): boolean;
}

export interface CallContext {
  connId: number;
  readOnly: boolean;
  conn: Connection;
}

export type Handler<M extends MethodName> = (params: z.output<Methods[M]['params']>, ctx: CallContext) => Promise<ResultOf<M>> | ResultOf<M>;
export type Handlers = { [M in MethodName]: Handler<M> };

/** What the handlers need of the daemon, handed to each namespace's factory. */
export interface DaemonContext {
  sup: import('../supervisor/supervisor.js').Supervisor;
  config: import('../config.js').Config;
  startedAt: number;
  versions: () => Promise<{ runtime: { path: string; version: string }; monitor: { path: string; version: string } }>;
}
