// One client connection: framing with a size cap, batches (at most 64),
// dispatch, ordered writes, subscriptions, and back-pressure both ways. A
// client that sends faster than it reads is paused once too many of its
// requests are in flight; a subscriber that does not read gets one
// events.overflow and loses the subscription, never stalling anyone else; a
// client that stops reading replies altogether is disconnected. On half-close
// every request already read is still answered, and the socket is closed once
// no subscription streams to it any more.
import type net from 'node:net';
import type { Logger } from 'pino';
import { createJSONRPCErrorResponse, type JSONRPCResponse } from 'json-rpc-2.0';
import { CorralError } from '../../shared/errors.js';
import type { CallContext, Connection as ConnectionApi, Subscription } from '../methods/types.js';
import type { Dispatcher } from './dispatch.js';
import { LineSplitter } from './framing.js';

export const MAX_BATCH = 64;
/** Requests of one client being handled at once before its socket is paused. */
export const MAX_IN_FLIGHT = 128;
/** Unread bytes a subscriber may hold before its subscriptions overflow. */
export const SUBSCRIBER_BACKLOG_BYTES = 4 * 1024 * 1024;
/** Unread bytes of replies after which a client that never reads is cut off. */
export const HARD_BACKLOG_BYTES = 64 * 1024 * 1024;

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

export class Connection implements ConnectionApi {
  readonly id: number;
  private readonly splitter: LineSplitter;
  private readonly subs = new Map<string, Subscription>();
  private readonly toActivate: Subscription[] = [];
  private inFlight = 0;
  private ended = false;
  private closed = false;
  private readonly ctx: CallContext;

  constructor(
    private readonly socket: net.Socket,
    private readonly o: ConnectionOptions,
  ) {
    this.id = o.id;
    this.splitter = new LineSplitter(o.maxMessageBytes);
    this.ctx = { connId: o.id, readOnly: o.readOnly, conn: this };
    socket.on('data', (chunk: Buffer) => this.onFrames(this.splitter.push(chunk)));
    socket.on('end', () => {
      this.ended = true;
      this.onFrames(this.splitter.end());
      this.maybeFinish();
    });
    socket.on('error', () => {});
    socket.on('close', () => this.onClosed());
  }

  get backlog(): number {
    return this.socket.writableLength;
  }

  notify(method: string, params: unknown): void {
    this.write(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  addSubscription(make: (id: string) => Subscription): Subscription {
    if (this.subs.size >= this.o.maxSubscriptions) {
      throw new CorralError('limit_exceeded', `this connection already has ${this.subs.size} subscriptions (the limit, --max-subscriptions); end one with events.unsubscribe`, {
        data: { limit: this.o.maxSubscriptions },
      });
    }
    const sub = make(`s${nextSubscription++}`);
    this.subs.set(sub.id, sub);
    this.toActivate.push(sub);
    return sub;
  }

  removeSubscription(id: string): boolean {
    const sub = this.subs.get(id);
    if (!sub) return false;
    this.subs.delete(id);
    sub.close();
    this.maybeFinish();
    return true;
  }

  private onFrames(frames: ReturnType<LineSplitter['push']>): void {
    for (const f of frames) {
      if ('oversize' in f) {
        const e = new CorralError('limit_exceeded', `message of ${f.oversize} bytes is longer than the limit of ${this.o.maxMessageBytes} (--max-message-bytes); it was skipped`, {
          data: { limit: this.o.maxMessageBytes },
        });
        this.write(JSON.stringify(createJSONRPCErrorResponse(null, e.code, e.message, e.data)));
        continue;
      }
      let msg: unknown;
      try {
        msg = JSON.parse(f.line);
      } catch (err) {
        const e = new CorralError('parse_error', `parse error: ${(err as Error).message}; send one JSON text per line`);
        this.write(JSON.stringify(createJSONRPCErrorResponse(null, e.code, e.message, e.data)));
        continue;
      }
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
        this.write(JSON.stringify(createJSONRPCErrorResponse(null, e.code, e.message, e.data)));
        return;
      }
      this.track(Promise.all(msg.map((r) => this.o.dispatcher.handle(r, this.ctx))).then((rs) => {
        const out = rs.filter((r): r is JSONRPCResponse => r !== null);
        return out.length ? JSON.stringify(out) : null;
      }));
      return;
    }
    this.track(this.o.dispatcher.handle(msg, this.ctx).then((r) => (r ? JSON.stringify(r) : null)));
  }

  private track(reply: PromiseLike<string | null>): void {
    this.inFlight++;
    if (this.inFlight >= MAX_IN_FLIGHT) this.socket.pause();
    Promise.resolve(reply)
      .then(
        (text) => {
          if (text !== null) this.write(text);
        },
        (err) => this.o.log.error({ err, conn: this.id }, 'request failed outside its handler'),
      )
      .finally(() => {
        this.inFlight--;
        this.activateSubscriptions();
        if (this.inFlight < MAX_IN_FLIGHT / 2 && !this.ended && !this.closed) this.socket.resume();
        this.maybeFinish();
      });
  }

  /** Subscriptions start after the reply that created them is written (write order is wire order). */
  private activateSubscriptions(): void {
    while (this.toActivate.length) {
      const sub = this.toActivate.shift()!;
      if (this.subs.has(sub.id)) sub.activate();
    }
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
    for (const sub of this.subs.values()) sub.close();
    this.subs.clear();
    this.o.onClose();
  }
}
