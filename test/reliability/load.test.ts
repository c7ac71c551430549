// Load against real containers: 200 started at once from 20 clients (every
// process.exit arrives exactly once, the list agrees with runc afterwards);
// 100 clients hammering list/get/subscribe while containers come and go (only
// the errors a vanished container explains, and corrald's memory bounded);
// and clients that never read, whose backlog is capped (an events.overflow, or
// a disconnect) while everyone else is served as usual. Numbers are printed
// for docs/reliability.md; no assertion is about time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { startDaemon, uid, conmonsUnder, until, type DaemonHandle } from '../helpers/daemon.js';
import { CorralError } from '../../shared/errors.js';
import type { EventT } from '../../shared/api.js';
import { RECONCILE_INTERVAL_MS } from '../../daemon/supervisor/reconcile.js';
import { assertConsistent, explained, report, rssBytes } from './common.js';

const handles: DaemonHandle[] = [];
after(async () => {
  for (const h of handles) await h.cleanup().catch(() => {});
});

async function daemon(): Promise<DaemonHandle> {
  const h = await startDaemon();
  handles.push(h);
  return h;
}

const CONTAINERS = 200;
const CLIENTS = 20;

test(`${CONTAINERS} containers started at once from ${CLIENTS} clients; one process.exit per exit`, async () => {
  const d = await daemon();
  await explained(() => d, () => concurrentStarts(d));
});

async function concurrentStarts(d: DaemonHandle): Promise<void> {
  const watcher = await d.client();
  const events: EventT[] = [];
  watcher.onNotification('event', (p) => events.push(p.event));
  await watcher.request('events.subscribe', { types: ['container.create', 'container.start', 'process.exit', 'container.delete'] });
  const bundle = await d.bundle(['/bin/sleep', '1000'], 'sleeper');
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => d.client()));
  const ids = Array.from({ length: CONTAINERS }, (_, i) => uid(`load${i}`));

  const t0 = performance.now();
  const created = await Promise.all(ids.map((id, i) => clients[i % CLIENTS].request('container.create', { id, bundle, start: true })));
  const startMs = performance.now() - t0;
  for (const x of created) assert.equal(x.state, 'running', `${x.id} did not start`);
  const listed = await assertConsistent(d, watcher, `after ${CONTAINERS} concurrent starts`);
  assert.equal(listed.length, CONTAINERS);
  assert.ok(listed.every((x) => x.state === 'running'));

  // every one killed at once, from the clients that made them
  await Promise.all(ids.map((id, i) => clients[i % CLIENTS].request('container.kill', { id, signal: 'KILL' })));
  const exits = await Promise.all(ids.map((id, i) => clients[i % CLIENTS].request('container.wait', { id, timeoutMs: 120_000 })));
  for (const e of exits) assert.equal(e.exitStatus, 137);
  await until(() => events.filter((e) => e.type === 'process.exit').length >= CONTAINERS, `${CONTAINERS} process.exit events`, 60_000);
  // a late duplicate would come from the reconcile loop or the watcher: give it a moment to show
  await watcher.request('daemon.version');

  await Promise.all(ids.map((id, i) => clients[i % CLIENTS].request('container.delete', { id })));
  await until(() => events.filter((e) => e.type === 'container.delete').length >= CONTAINERS, 'the deletes', 60_000);
  for (const type of ['container.create', 'container.start', 'process.exit', 'container.delete'] as const) {
    const per = new Map<string, number>();
    for (const e of events) if (e.type === type) per.set(e.id!, (per.get(e.id!) ?? 0) + 1);
    assert.equal(per.size, CONTAINERS, `a ${type} for every container`);
    const twice = [...per].filter(([, n]) => n !== 1);
    assert.deepEqual(twice, [], `${type} arrived more than once`);
  }
  for (const e of events.filter((x) => x.type === 'process.exit')) assert.equal(e.exitStatus, 137);
  assert.deepEqual(await assertConsistent(d, watcher, 'after deleting them'), []);
  assert.deepEqual(conmonsUnder(path.join(d.state, 'runc')), []);
  report('load.concurrent', { containers: CONTAINERS, clients: CLIENTS, startAllMs: Math.round(startMs), events: events.length });
}

test('lifecycle calls racing the safety net: its look at runc never overwrites a newer state', async () => {
  const d = await daemon();
  const began = Date.now();
  const bundle = await d.bundle(['/bin/sleep', '1000'], 'sleeper');
  const last = new Map<string, string>();
  let calls = 0;
  // four clients change their containers' states without pause, across the instant the safety net first asks runc
  const worker = async (w: number) => {
    const c = await d.client();
    const mine: string[] = [];
    while (Date.now() - began < RECONCILE_INTERVAL_MS + 3_000) {
      const id = uid(`race${w}`);
      last.set(id, (await c.request('container.create', { id, bundle })).state);
      mine.push(id);
      for (const x of mine) {
        const now = last.get(x);
        const next =
          now === 'created'
            ? await c.request('container.start', { id: x })
            : now === 'running'
              ? await c.request('container.pause', { id: x })
              : await c.request('container.resume', { id: x });
        last.set(x, next.state);
        calls++;
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  const c = await d.client();
  const listed = await assertConsistent(d, c, 'after racing the safety net');
  assert.deepEqual(new Map(listed.map((x) => [x.id, x.state])), last, 'each container as its last call left it');
  for (const id of last.keys()) await c.request('container.delete', { id, force: true });
  report('load.reconcileRace', { containers: last.size, calls });
});

const HAMMERS = 100;
const CHURNERS = 4;
const CYCLES = 30;

test(`${HAMMERS} clients hammering list/get/subscribe while containers come and go`, async () => {
  const d = await daemon();
  const bundle = await d.bundle(['/bin/sh', '-c', 'echo hi; exit 3'], 'quick');
  const admin = await d.client();
  // warm up, so the first measurement is of a daemon that has served, not of a cold one
  for (let i = 0; i < 3; i++) {
    const id = uid('warm');
    await admin.request('container.create', { id, bundle, start: true });
    await admin.request('container.wait', { id, timeoutMs: 10_000 });
    await admin.request('container.delete', { id });
  }
  const rssBefore = rssBytes(d.proc.pid!);

  const live = new Set<string>();
  let churning = true;
  const counts = { calls: 0, notFound: 0, events: 0, cycles: 0 };
  const unexpected: string[] = [];
  const churn = async (w: number) => {
    const c = await d.client();
    for (let i = 0; i < CYCLES; i++) {
      const id = uid(`churn${w}`);
      live.add(id);
      await c.request('container.create', { id, bundle, start: true });
      await c.request('process.logs', { id });
      await c.request('container.wait', { id, timeoutMs: 30_000 });
      live.delete(id);
      await c.request('container.delete', { id });
      counts.cycles++;
    }
  };
  const hammer = async (h: number) => {
    const c = await d.client();
    c.onNotification('event', () => counts.events++);
    while (churning) {
      const ids = [...live];
      const id = ids[h % Math.max(ids.length, 1)] ?? 'none-such';
      const ops: Array<Promise<unknown>> = [c.request('container.list', {}), c.request('container.get', { id })];
      if (h % 2 === 0) {
        ops.push(
          c.request('events.subscribe', { snapshot: h % 4 === 0 }).then((s) => c.request('events.unsubscribe', { subscription: s.subscription })),
        );
      }
      for (const r of await Promise.allSettled(ops)) {
        counts.calls++;
        if (r.status === 'fulfilled') continue;
        const e = r.reason as CorralError;
        // a container may vanish between the list and the get
        if (e instanceof CorralError && e.reason === 'not_found') counts.notFound++;
        else unexpected.push(String(e));
      }
    }
  };
  const hammers = Array.from({ length: HAMMERS }, (_, h) => hammer(h));
  await Promise.all(Array.from({ length: CHURNERS }, (_, w) => churn(w)));
  churning = false;
  await Promise.all(hammers);
  const rssAfter = rssBytes(d.proc.pid!);

  assert.deepEqual(unexpected.slice(0, 5), [], `${unexpected.length} unexpected errors`);
  assert.equal(counts.cycles, CHURNERS * CYCLES);
  assert.deepEqual(await assertConsistent(d, admin, 'after the churn'), []);
  // bounded, not "fast": a leak per call or per container would blow through this
  const bound = 3 * rssBefore + 50 * 1024 * 1024;
  assert.ok(rssAfter < bound, `corrald's RSS grew from ${rssBefore} to ${rssAfter} bytes (bound ${bound})`);
  report('load.hammer', { hammers: HAMMERS, churners: CHURNERS, containersChurned: counts.cycles, calls: counts.calls, notFound: counts.notFound, eventsSeen: counts.events, rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(1), rssAfterMiB: +(rssAfter / 2 ** 20).toFixed(1) });
});

/** A connection that sends and then never reads: its replies pile up in corrald. */
function deafClient(socket: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: socket });
    s.once('connect', () => {
      s.pause();
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Reads whatever SOCKET holds until it has been quiet for a moment or closed; returns the parsed lines. */
function drain(s: net.Socket): Promise<{ lines: Array<Record<string, unknown>>; closed: boolean }> {
  return new Promise((resolve) => {
    let buf = '';
    let closed = s.destroyed;
    let quiet: NodeJS.Timeout;
    const done = () => {
      s.removeAllListeners('data');
      resolve({ lines: buf.split('\n').filter(Boolean).map((l) => JSON.parse(l)), closed });
    };
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, 500);
    };
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      arm();
    });
    s.once('close', () => {
      closed = true;
      clearTimeout(quiet);
      done();
    });
    s.on('error', () => {});
    s.resume();
    arm();
  });
}

test('a subscriber that never reads gets events.overflow; a client that never reads is cut off; others are served', async () => {
  const d = await daemon();
  const c = await d.client();
  const fine = await d.client();
  const seen: EventT[] = [];
  fine.onNotification('event', (p) => seen.push(p.event));
  await fine.request('events.subscribe', {});

  const slow = await deafClient(d.socket);
  slow.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'events.subscribe', params: {} }) + '\n');
  // big labels make every event carry ~600 KB, so the cap is reached with a few dozen real events
  const labels = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`l${i}`, 'x'.repeat(4000)]));
  const id = uid('big');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), labels, start: true });
  const FLIPS = 15;
  for (let i = 0; i < FLIPS; i++) {
    await c.request('container.pause', { id });
    await c.request('container.resume', { id });
    // the others are not held up by the one that does not read
    assert.equal((await fine.request('container.get', { id })).labels.l0.length, 4000);
  }
  await until(() => seen.filter((e) => e.id === id).length >= 2 + 2 * FLIPS + 1, 'every event at the reading client');

  const got = await drain(slow);
  const overflow = got.lines.filter((l) => l.method === 'events.overflow');
  assert.ok(overflow.length === 1 || got.closed, `the slow subscriber got neither an overflow nor a disconnect (${got.lines.length} lines)`);
  if (overflow.length) {
    const after = got.lines.slice(got.lines.indexOf(overflow[0]) + 1);
    assert.equal(after.filter((l) => l.method === 'event').length, 0, 'no event after the overflow: the subscription ended');
  }
  const slowEvents = got.lines.filter((l) => l.method === 'event').length;
  slow.destroy();

  // a client that asks and asks and never reads the answers is disconnected at the hard cap
  const deaf = await deafClient(d.socket);
  const ask = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' }) + '\n';
  let sent = 0;
  const closed = new Promise<void>((r) => deaf.once('close', () => r()));
  deaf.on('error', () => {});
  while (!deaf.destroyed && sent < 20_000) {
    deaf.write(ask.repeat(50));
    sent += 50;
    await new Promise((r) => setImmediate(r));
    if (sent % 1000 === 0) await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.race([closed, until(() => deaf.destroyed, 'the deaf client to be cut off', 60_000)]);
  assert.match(d.stderr(), /does not read its replies; disconnecting it/, 'corrald, not the client, ended the connection');
  assert.ok((await c.request('daemon.info')).pid > 0, 'corrald still answers');
  await c.request('container.delete', { id, force: true });
  report('load.slowReader', { eventsBeforeOverflow: slowEvents, overflow: overflow.length, eventBytes: Math.max(...seen.map((e) => JSON.stringify(e).length)), deafRequestsSent: sent });
});
