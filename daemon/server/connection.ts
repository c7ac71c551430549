// One client connection: framing with a size cap, batches (at most 64),
// dispatch, ordered writes, subscriptions, and back-pressure both ways. A
// client that sends faster than it reads is paused once too many of its
// requests are in flight; a subscriber that does not read gets its
// subscription's overflow notification (events.overflow, a log follow's end
// with overflow: true) and loses the subscription, never stalling anyone else;
// a client that stops reading replies altogether is disconnected; a reply too
// large to be taken is answered with limit_exceeded instead. On half-close
// every request already read is still answered, and the socket is closed once
// no subscription streams to it any more.
import type net from 'node:net';
import type { Logger } from 'pino';
import type { JSONRPCResponse } from 'json-rpc-2.0';
import { CorralError } from '../../shared/errors.js';
import type { CallContext, Connection as ConnectionApi, Outlet, Subscription } from '../methods/types.js';
import type { Dispatcher } from './dispatch.js';
import { LineSplitter, type Frame } from '../../shared/lines.js';
import { errorLine } from './rpc-errors.js';
import { traceRequest } from '../trace.js';

const MAX_BATCH = 64;
/** Requests of one client being handled at once before its socket is paused. */
const MAX_IN_FLIGHT = 128;
/** Unread bytes a subscriber may hold before its subscriptions overflow. */
export const SUBSCRIBER_BACKLOG_BYTES = 4 * 1024 * 1024;
/** Unread bytes of replies after which a client that never reads is cut off. */
export const HARD_BACKLOG_BYTES = 64 * 1024 * 1024;
/** The largest reply, a batch's included: anything larger could never be taken within HARD_BACKLOG_BYTES. */
export const MAX_REPLY_BYTES = HARD_BACKLOG_BYTES / 2;

export interface ConnectionOptions {
  id: number;
  readOnly: boolean;
  maxMessageBytes: number;
  maxSubscriptions: number;
  dispatcher: Dispatcher;
  log: Logger;
  onClose: () => void;
}

let nextSubscription = 1;

/** One subscription as its connection holds it. */
interface Held {
  readonly id: string;
  readonly sub: Subscription;
  /** Unread bytes allowed on top of SUBSCRIBER_BACKLOG_BYTES: what the subscription sent as it started. */
  allowance: number;
}

/**
 * What one call (a request, or a whole batch) sees of its connection: the
 * subscriptions it makes start once its own reply is written, never on
 * another call's reply.
 */
class CallScope implements ConnectionApi {
  readonly created: Held[] = [];
  readonly ctx: CallContext;

  constructor(private readonly conn: Connection, readOnly: boolean) {
    this.ctx = { connId: conn.id, readOnly, conn: this };
  }
  get id(): number {
    return this.conn.id;
  }
  addSubscription(make: (out: Outlet) => Subscription): string {
    const held = this.conn.addSubscription(make);
    this.created.push(held);
    return held.id;
  }
  removeSubscription(id: string): boolean {
    return this.conn.removeSubscription(id);
  }
  progress(method: string, params: Record<string, unknown>): void {
    this.conn.progress(method, params);
  }
}

export class Connection {
  readonly id: number;
  private readonly splitter: LineSplitter;
  private readonly subs = new Map<string, Held>();
  /** Requests being handled; a batch counts as many as it holds. */
  private inFlight = 0;
  private ended = false;
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly o: ConnectionOptions,
  ) {
    this.id = o.id;
    this.splitter = new LineSplitter(o.maxMessageBytes);
    socket.on('data', (chunk: Buffer) => this.onFrames(this.splitter.push(chunk)));
    socket.on('end', () => {
      this.ended = true;
      this.onFrames(this.splitter.end());
      this.maybeFinish();
    });
    socket.on('error', () => {});
    socket.on('close', () => this.onClosed());
  }

  /** Bytes written to this client and not yet taken by it. */
  private get backlog(): number {
    return this.socket.writableLength;
  }

  private notify(method: string, params: unknown): void {
    this.write(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  progress(method: string, params: Record<string, unknown>): void {
    if (this.backlog <= SUBSCRIBER_BACKLOG_BYTES) this.notify(method, params);
  }

  addSubscription(make: (out: Outlet) => Subscription): Held {
    // the client left while the call was being handled (a log read, say): nothing may stream to nobody
    if (this.closed) throw new CorralError('unavailable', 'the connection closed before the subscription could start; subscribe again');
    if (this.subs.size >= this.o.maxSubscriptions) {
      throw new CorralError('limit_exceeded', `this connection already has ${this.subs.size} subscriptions (the limit, --max-subscriptions); end one with events.unsubscribe`, {
        data: { limit: this.o.maxSubscriptions },
      });
    }
    const id = `s${nextSubscription++}`;
    const out: Outlet = {
      id,
      send: (method, params) => this.publish(id, method, params),
      end: (method, params) => {
        if (!this.subs.has(id)) return;
        this.notify(method, { subscription: id, ...params });
        this.removeSubscription(id);
      },
    };
    const held: Held = { id, sub: make(out), allowance: 0 };
    this.subs.set(id, held);
    return held;
  }

  removeSubscription(id: string): boolean {
    const held = this.subs.get(id);
    if (!held) return false;
    this.subs.delete(id);
    held.sub.close();
    this.maybeFinish();
    return true;
  }

  /** One notification of subscription ID, or its overflow notification and its end if its client has fallen behind. */
  private publish(id: string, method: string, params: Record<string, unknown>): boolean {
    const held = this.subs.get(id);
    if (!held) return false;
    if (this.backlog > SUBSCRIBER_BACKLOG_BYTES + held.allowance) {
      const last = held.sub.overflow();
      this.notify(last.method, { subscription: id, ...last.params });
      this.removeSubscription(id);
      return false;
    }
    this.notify(method, { subscription: id, ...params });
    return true;
  }

  private onFrames(frames: Frame[]): void {
    for (const f of frames) {
      if ('oversize' in f) {
        const e = new CorralError('limit_exceeded', `message of ${f.oversize} bytes is longer than the limit of ${this.o.maxMessageBytes} (--max-message-bytes); it was skipped`, {
          data: { limit: this.o.maxMessageBytes },
        });
        this.write(errorLine(null, e));
        continue;
      }
      let msg: unknown;
      try {
        msg = JSON.parse(f.line);
      } catch (err) {
        this.write(errorLine(null, new CorralError('parse_error', `parse error: ${(err as Error).message}; send one JSON text per line`)));
        continue;
      }
      traceRequest('read', msg);
      this.handle(msg);
    }
  }

  private handle(msg: unknown): void {
    if (Array.isArray(msg)) {
      if (msg.length === 0 || msg.length > MAX_BATCH) {
        const e =
          msg.length === 0
            ? new CorralError('invalid_request', 'empty batch: send at least one request')
            : new CorralError('limit_exceeded', `batch of ${msg.length} requests is over the limit of ${MAX_BATCH}; split it`, { data: { limit: MAX_BATCH } });
        this.write(errorLine(null, e));
        return;
      }
      // each answer is encoded as it comes, so a batch holds text within MAX_REPLY_BYTES, not 64 results
      const calls = msg.map(() => new CallScope(this, this.o.readOnly));
      const parts: string[] = [];
      let held = 0;
      const answers = msg.map((r, i) =>
        this.o.dispatcher.handle(r, calls[i].ctx).then((res) => {
          if (!res) return;
          const text = this.encode(res, MAX_REPLY_BYTES - held, calls[i]);
          held += Buffer.byteLength(text);
          parts.push(text);
        }),
      );
      this.track(
        Promise.all(answers).then(() => (parts.length ? `[${parts.join(',')}]` : null)),
        msg.length,
        calls,
      );
      return;
    }
    const call = new CallScope(this, this.o.readOnly);
    this.track(
      this.o.dispatcher.handle(msg, call.ctx).then((r) => (r ? this.encode(r, MAX_REPLY_BYTES, call) : null)),
      1,
      [call],
      msg,
    );
  }

  /**
   * One response as a line, or, past ROOM bytes (or past what a string can
   * hold), the same id's limit_exceeded; then the subscriptions its call made
   * end at once, since its client was never told their ids.
   */
  private encode(r: JSONRPCResponse, room: number, call: CallScope): string {
    try {
      const text = JSON.stringify(r);
      if (Buffer.byteLength(text) <= room) return text;
    } catch {
      // RangeError: longer than a string can be
    }
    for (const held of call.created.splice(0)) this.removeSubscription(held.id);
    return errorLine(r.id, tooLarge());
  }

  /** MSG: the single request answered, for the trace (batches are not traced). */
  private track(reply: PromiseLike<string | null>, requests: number, calls: CallScope[], msg?: unknown): void {
    this.inFlight += requests;
    if (this.inFlight >= MAX_IN_FLIGHT) this.socket.pause();
    Promise.resolve(reply)
      .then(
        (text) => {
          // traced before the write: a client on the other core may read the reply before this line runs
          traceRequest('reply', msg);
          if (text !== null) this.write(text);
        },
        (err) => this.o.log.error({ err, conn: this.id }, 'request failed outside its handler'),
      )
      .finally(() => {
        this.inFlight -= requests;
        // the reply that created them is on the wire (write order is wire order): they may start
        for (const call of calls) for (const held of call.created) this.activate(held);
        if (this.inFlight < MAX_IN_FLIGHT / 2 && !this.ended && !this.closed) this.socket.resume();
        this.maybeFinish();
      });
  }

  /** Starts a subscription; one that cannot start (its container went meanwhile) ends instead of breaking the others. */
  private activate(held: Held): void {
    if (!this.subs.has(held.id)) return;
    const before = this.backlog;
    // what a subscription sends as it starts (a replay, a snapshot) is written at once, however fast
    // its client reads: up to half the cut-off backlog, past which it overflows (resumable) rather
    // than gets the client cut off; what it added stays allowed on top of the cap, which is for a
    // reader that falls behind
    held.allowance = HARD_BACKLOG_BYTES / 2 - SUBSCRIBER_BACKLOG_BYTES;
    try {
      held.sub.activate();
    } catch (err) {
      this.o.log.warn({ err, conn: this.id, subscription: held.id }, 'subscription could not start');
      this.removeSubscription(held.id);
    }
    held.allowance = Math.max(0, this.backlog - before);
  }

  private write(text: string): void {
    if (this.closed) return;
    this.socket.write(text + '\n');
    if (this.socket.writableLength > HARD_BACKLOG_BYTES) {
      this.o.log.warn({ conn: this.id, backlog: this.socket.writableLength }, 'client does not read its replies; disconnecting it');
      this.socket.destroy();
    }
  }

  /** After a half-close: done once every reply is written and no subscription still streams. */
  private maybeFinish(): void {
    if (this.ended && this.inFlight === 0 && this.subs.size === 0 && !this.closed) this.socket.end();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const held of this.subs.values()) held.sub.close();
    this.subs.clear();
    this.o.onClose();
  }
}

function tooLarge(): CorralError {
  return new CorralError('limit_exceeded', `the reply is over ${MAX_REPLY_BYTES} bytes; ask for less (process.logs with tail or stream, fewer requests per batch)`, {
    data: { limit: MAX_REPLY_BYTES },
  });
}
