// One server connection over a real Unix socket, with a scripted dispatcher in
// place of the daemon's methods (the events methods are the real ones, on a
// real event bus): a subscription asked for after its client left is refused
// and never starts; a subscription starts after its own call's reply, never
// after another call's that happened to finish first; a reply too large to be
// taken is answered with limit_exceeded under the same id, alone or in a
// batch; a subscriber that stops reading gets its subscription's own
// overflow notification once, after all that was sent before it, and keeps
// its connection; and a `since` replay larger than the subscriber cap reaches
// a client that reads, with no events.overflow.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { Connection, MAX_REPLY_BYTES, SUBSCRIBER_BACKLOG_BYTES } from '../../daemon/server/connection.js';
import type { Dispatcher } from '../../daemon/server/dispatch.js';
import type { CallContext, DaemonContext, Subscription } from '../../daemon/methods/types.js';
import { eventMethods } from '../../daemon/methods/events.js';
import { EventBus } from '../../daemon/supervisor/events.js';
import { onLines } from '../../shared/lines.js';
import { useTempFolder } from './tmp.js';

const tmp = useTempFolder('connection');
let n = 0;

type Handle = (request: { id?: number; method: string; params?: unknown }, ctx: CallContext) => Promise<unknown>;

/** A server of one Connection with HANDLE as its dispatcher; returns a client socket and a line reader. */
async function serve(handle: Handle) {
  const file = path.join(tmp(), `c${++n}.sock`);
  const dispatcher = {
    handle: async (request: { id?: number; method: string; params?: unknown }, ctx: CallContext) => {
      const result = await handle(request, ctx);
      return request.id === undefined ? null : { jsonrpc: '2.0', id: request.id, result };
    },
  } as unknown as Dispatcher;
  let closed!: () => void;
  const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    new Connection(socket, { id: 1, readOnly: false, maxMessageBytes: 1 << 20, maxSubscriptions: 8, dispatcher, log: pino({ level: 'silent' }), onClose: closed });
  });
  await new Promise<void>((resolve) => server.listen(file, resolve));
  const client = net.createConnection({ path: file });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const lines: unknown[] = [];
  let wake: (() => void) | undefined;
  onLines(client, (line) => {
    lines.push(JSON.parse(line));
    wake?.();
  });
  const waitFor = async (count: number, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (lines.length < count) {
      if (Date.now() > deadline) throw new Error(`got ${lines.length} lines, wanted ${count}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return lines;
  };
  const send = (msg: unknown) => client.write(JSON.stringify(msg) + '\n');
  const done = () => {
    client.destroy();
    server.close();
  };
  return { client, send, lines, waitFor, connectionClosed, done };
}

const never = (): Subscription => ({ activate: () => assert.fail('activated'), close: () => {}, overflow: () => assert.fail('overflowed') });

describe('Connection', () => {
  test('a subscription asked for after the client left is refused and never starts', async () => {
    let release!: () => void;
    const slowRead = new Promise<void>((resolve) => (release = resolve));
    let outcome: unknown;
    const s = await serve(async (r, ctx) => {
      if (r.method === 'daemon.info') return { big: 'i'.repeat(1 << 20) };
      await slowRead; // a log read, say, while the client hangs up
      try {
        ctx.conn.addSubscription(never);
        outcome = 'added';
      } catch (err) {
        outcome = err;
      }
      return {};
    });
    // an answer left unread makes the hang-up a reset, which closes the server's side at once
    s.client.pause();
    s.send({ jsonrpc: '2.0', id: 0, method: 'daemon.info' });
    s.send({ jsonrpc: '2.0', id: 1, method: 'process.logs' });
    await new Promise((r) => setTimeout(r, 50));
    s.client.destroy();
    await s.connectionClosed;
    release();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(outcome instanceof Error && /connection closed/.test(outcome.message), String(outcome));
    s.done();
  });

  test("a subscription starts after its own call's reply, not after another call that finished first", async () => {
    let releaseA!: () => void;
    const slowA = new Promise<void>((resolve) => (releaseA = resolve));
    const s = await serve(async (r, ctx) => {
      if (r.method === 'subscribe') {
        ctx.conn.addSubscription((out) => ({ ...never(), activate: () => out.send('event', {}) }));
        await slowA;
      }
      return { method: r.method };
    });
    s.send([{ jsonrpc: '2.0', id: 1, method: 'subscribe' }]);
    s.send({ jsonrpc: '2.0', id: 2, method: 'info' });
    await s.waitFor(1);
    releaseA();
    const lines = await s.waitFor(3);
    const kinds = lines.map((l) => (Array.isArray(l) ? `batch:${l[0].id}` : (l as { id?: number; method?: string }).id ?? (l as { method: string }).method));
    assert.deepEqual(kinds, [2, 'batch:1', 'event']);
    s.done();
  });

  test('a reply too large to be taken is limit_exceeded under its own id, alone and in a batch', async () => {
    const big = 'x'.repeat(MAX_REPLY_BYTES / 3);
    const s = await serve(async (r) => (r.method === 'big' ? { big } : { small: true }));
    s.send({ jsonrpc: '2.0', id: 1, method: 'small' });
    s.send([1, 2, 3, 4].map((id) => ({ jsonrpc: '2.0', id: 10 + id, method: 'big' })).concat([{ jsonrpc: '2.0', id: 20, method: 'small' }]));
    const [single, batch] = (await s.waitFor(2)) as [{ result: unknown }, { id: number; result?: unknown; error?: { code: number; data: { reason: string } } }[]];
    assert.deepEqual(single.result, { small: true });
    assert.equal(batch.length, 5);
    const refused = batch.filter((b) => b.error);
    assert.ok(refused.length >= 2, 'the batch cannot hold four thirds of the cap');
    for (const r of refused) {
      assert.equal(r.error!.code, -32007);
      assert.equal(r.error!.data.reason, 'limit_exceeded');
    }
    assert.deepEqual(batch.find((b) => b.id === 20)?.result, { small: true });
    s.done();
  });

  test('a subscriber that stops reading gets its overflow notification once, after what was sent, and keeps its connection', async () => {
    const filler = 'e'.repeat(64 * 1024);
    let sent = 0;
    let refused = 0;
    let subscription = '';
    const s = await serve(async (r, ctx) => {
      if (r.method !== 'subscribe') return { method: r.method };
      subscription = ctx.conn.addSubscription((out) => {
        let next: NodeJS.Immediate | undefined;
        const pump = () => {
          if (out.send('event', { n: sent + 1, filler })) {
            sent++;
            next = setImmediate(pump);
          } else refused++;
        };
        return { activate: pump, close: () => clearImmediate(next), overflow: () => ({ method: 'gone', params: { last: sent } }) };
      });
      return { subscription };
    });
    s.client.pause();
    s.send({ jsonrpc: '2.0', id: 1, method: 'subscribe' });
    for (const deadline = Date.now() + 20_000; refused === 0; await new Promise((r) => setTimeout(r, 20))) {
      assert.ok(Date.now() < deadline, `no overflow after ${sent} notifications`);
    }
    assert.ok(sent * filler.length > SUBSCRIBER_BACKLOG_BYTES / 2, `overflowed after only ${sent} notifications`);
    s.client.resume();
    s.send({ jsonrpc: '2.0', id: 2, method: 'info' });
    const lines = (await s.waitFor(sent + 3)) as { id?: number; method?: string; params?: { subscription: string; n?: number; last?: number } }[];
    assert.equal(lines[0].id, 1);
    const events = lines.slice(1, sent + 1);
    assert.deepEqual(events.map((l) => [l.method, l.params!.subscription, l.params!.n]), events.map((_, i) => ['event', subscription, i + 1]));
    assert.deepEqual(lines[sent + 1], { jsonrpc: '2.0', method: 'gone', params: { subscription, last: sent } });
    assert.deepEqual(lines[sent + 2], { jsonrpc: '2.0', id: 2, result: { method: 'info' } });
    assert.equal(refused, 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.lines.length, sent + 3, 'nothing after the reply');
    s.done();
  });

  test('a since replay larger than the subscriber cap reaches a client that reads, without events.overflow', async () => {
    const bus = new EventBus(path.join(tmp(), 'events.log'), 20_000, (err) => {
      throw err;
    });
    bus.load();
    const label = 'l'.repeat(500);
    const total = Math.ceil((SUBSCRIBER_BACKLOG_BYTES * 2) / 600);
    for (let i = 0; i < total; i++) bus.emit({ type: 'container.create', id: `c${i}`, container: { label } as never });
    const handlers = eventMethods({ sup: { bus, list: () => [] } } as unknown as DaemonContext);
    const s = await serve(async (r, ctx) => handlers['events.subscribe'](r.params as never, ctx));
    s.send({ jsonrpc: '2.0', id: 1, method: 'events.subscribe', params: { since: 0 } });
    const lines = await s.waitFor(total + 1, 60_000);
    assert.equal((lines[0] as { id: number }).id, 1);
    const methods = new Set(lines.slice(1).map((l) => (l as { method: string }).method));
    assert.deepEqual([...methods], ['event']);
    bus.close();
    s.done();
  });
});
