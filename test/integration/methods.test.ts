// Every method of the API end to end against real containers, including the
// error reasons of DESIGN.md, the result shapes (the daemon checks its own
// results against the schemas under test), events delivered exactly once in
// seq order and each as the Event union describes its type, snapshot and
// since, followed logs, and rpc.discover.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, uid, until, sleep, type DaemonHandle } from '../helpers/daemon.js';
import { RawPeer } from '../helpers/raw.js';
import type { Client } from '../../shared/client.js';
import { Event, methodNames, type EventT, type NotificationOf } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';

let d: DaemonHandle;
let c: Client;
before(async () => {
  d = await startDaemon({ extraArgs: ['--max-subscriptions', '4'] });
  c = await d.client();
});
after(async () => d?.cleanup());

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof CorralError);
    return e.reason;
  }
}

test('daemon.version, daemon.info and rpc.discover', async () => {
  const v = await c.request('daemon.version');
  assert.match(v.runtime.version, /^\d+\.\d+/);
  assert.match(v.monitor.version, /^\d+\.\d+/);
  const info = await c.request('daemon.info');
  assert.equal(info.root, d.root);
  assert.equal(info.socket, d.socket);
  assert.ok(info.machine.cpus >= 1 && info.machine.memoryBytes > 0);
  assert.equal(info.containers.total, info.containers.created + info.containers.running + info.containers.paused + info.containers.stopped);
  const doc = (await c.request('rpc.discover')) as { openrpc: string; methods: { name: string }[] };
  assert.match(doc.openrpc, /^1\./);
  assert.deepEqual(doc.methods.map((m) => m.name).sort(), [...methodNames].sort());
});

test('list filters by state and labels; stats and update on a running container', async () => {
  const a = uid('lsa');
  const b = uid('lsb');
  const bundle = await d.bundle(['/bin/sleep', '1000']);
  await c.request('container.create', { id: a, bundle, labels: { tier: 'front', team: 'x' }, start: true });
  await c.request('container.create', { id: b, bundle, labels: { tier: 'back' } });
  const running = (await c.request('container.list', { state: 'running' })).containers.map((x) => x.id);
  assert.ok(running.includes(a) && !running.includes(b));
  const created = (await c.request('container.list', { state: 'created' })).containers.map((x) => x.id);
  assert.ok(created.includes(b) && !created.includes(a));
  assert.deepEqual((await c.request('container.list', { labels: { tier: 'front' } })).containers.map((x) => x.id), [a]);
  assert.deepEqual((await c.request('container.list', { labels: { tier: 'front', team: 'y' } })).containers, []);

  const stats = await c.request('container.stats', { id: a });
  assert.ok(stats.memory.usageBytes > 0);
  assert.ok(stats.pids.current >= 1);
  const updated = await c.request('container.update', { id: a, resources: { memoryLimitBytes: 64 * 1024 * 1024, pidsLimit: 50 } });
  assert.equal(updated.state, 'running');
  const after = await c.request('container.stats', { id: a });
  assert.equal(after.memory.limitBytes, 64 * 1024 * 1024);
  assert.equal(after.pids.limit, 50);

  await c.request('container.kill', { id: a, signal: 'KILL', all: true });
  await c.request('container.wait', { id: a, timeoutMs: 10_000 });
  assert.equal(await reason(c.request('container.stats', { id: a })), 'invalid_state');
  assert.equal(await reason(c.request('container.update', { id: a, resources: { pidsLimit: 10 } })), 'invalid_state');
  assert.equal(await reason(c.request('container.kill', { id: a })), 'invalid_state');
  await c.request('container.delete', { id: a });
  await c.request('container.delete', { id: b });
  assert.equal(await reason(c.request('container.delete', { id: b })), 'not_found');
});

test('exec with env, cwd and user; process.list; logs tail, stream and follow', async () => {
  const id = uid('exec');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  const p = await c.request('process.exec', {
    id,
    processId: 'who',
    args: ['/bin/sh', '-c', 'echo "$GREETING from $(pwd) as $(id -u):$(id -g)"; echo oops >&2; exit 4'],
    env: ['GREETING=hello', 'PATH=/bin'],
    cwd: '/tmp',
    user: { uid: 65534, gid: 65534 },
  });
  assert.equal(p.state, 'running');
  assert.equal((await c.request('process.wait', { id, processId: 'who', timeoutMs: 10_000 })).exitStatus, 4);
  const all = await c.request('process.logs', { id, processId: 'who' });
  assert.deepEqual(all.lines.map((l) => [l.stream, l.text]), [['stdout', 'hello from /tmp as 65534:65534'], ['stderr', 'oops']]);
  assert.deepEqual((await c.request('process.logs', { id, processId: 'who', stream: 'stderr' })).lines.map((l) => l.text), ['oops']);
  const list = await c.request('process.list', { id });
  assert.deepEqual(list.processes.map((x) => [x.id, x.state, x.exitStatus]).sort(), [['init', 'running', undefined], ['who', 'exited', 4]]);

  const follow: NotificationOf<'process.log'>[] = [];
  c.onNotification('process.log', (n) => follow.push(n));
  await c.request('process.exec', { id, processId: 'counter', args: ['/bin/sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; sleep 0.1; done'] });
  const r = await c.request('process.logs', { id, processId: 'counter', follow: true });
  assert.ok(r.subscription);
  await until(() => follow.some((n) => n.subscription === r.subscription && n.end), 'the end of the followed log');
  const texts = follow.filter((n) => n.subscription === r.subscription && n.line).map((n) => n.line!.text);
  assert.deepEqual([...r.lines.map((l) => l.text), ...texts], ['line1', 'line2', 'line3', 'line4', 'line5']);
  assert.deepEqual((await c.request('process.logs', { id, processId: 'counter', tail: 2 })).lines.map((l) => l.text), ['line4', 'line5']);

  assert.equal(await reason(c.request('process.delete', { id, processId: 'init' })), 'invalid_state');
  await c.request('process.delete', { id, processId: 'who' });
  assert.equal(await reason(c.request('process.logs', { id, processId: 'who' })), 'not_found');
  await c.request('container.delete', { id, force: true });
});

test('events: reply before the first event, exactly one exit per process in seq order, filters', async () => {
  const peer = await RawPeer.connect(d.socket);
  const id = uid('ev');
  await peer.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'events.subscribe', params: { ids: [id] } }) + '\n');
  const reply = await peer.next();
  assert.equal(reply.id, 1, 'the subscribe reply comes first');
  const sub = reply.result.subscription;

  // init lives until told: a busy machine must not let it end before the exec is made
  const bundle = await d.bundle(['/bin/sh', '-c', 'until [ -e /tmp/go ]; do sleep 0.05; done; exit 9']);
  await c.request('container.create', { id, bundle, start: true });
  await c.request('process.exec', { id, processId: 'quick', args: ['/bin/sh', '-c', 'exit 2'] });
  await c.request('process.wait', { id, processId: 'quick' });
  await c.request('process.exec', { id, processId: 'go', args: ['/bin/touch', '/tmp/go'] });
  await c.request('process.wait', { id, processId: 'go' });
  await c.request('container.wait', { id, timeoutMs: 10_000 });
  await c.request('container.delete', { id });
  const events: EventT[] = [];
  while (!events.some((e) => e.type === 'container.delete')) {
    const m = await peer.next();
    assert.equal(m.method, 'event');
    assert.equal(m.params.subscription, sub);
    events.push(m.params.event);
  }
  assert.ok(events.every((e) => e.id === id), 'the ids filter holds');
  // each carries what the Event union says its type carries (the container on all but container.delete)
  for (const e of events) assert.deepEqual(Event.safeParse(e).error?.issues, undefined, JSON.stringify(e));
  const seqs = events.map((e) => e.seq);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'seq grows');
  const exits = events.filter((e) => e.type === 'process.exit');
  assert.deepEqual(exits.map((e) => [e.processId, e.exitStatus]).sort(), [['go', 0], ['init', 9], ['quick', 2]]);
  assert.deepEqual(
    events.map((e) => e.type).filter((t) => t !== 'process.exit' && t !== 'process.start'),
    ['container.create', 'container.start', 'container.delete'],
  );
  assert.ok(await peer.silentFor(300), 'nothing after the delete');
  peer.close();
});

test('events: snapshot, since, since too old, types filter, unsubscribe, subscription limit', async () => {
  const id = uid('snap');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  const peer = await RawPeer.connect(d.socket);
  await peer.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'events.subscribe', params: { snapshot: true } }) + '\n');
  const reply = await peer.next();
  assert.ok(reply.result.subscription);
  const snap: EventT[] = [];
  for (;;) {
    const m = await peer.next();
    snap.push(m.params.event);
    if (m.params.event.type === 'events.synced') break;
  }
  for (const e of snap) assert.deepEqual(Event.safeParse(e).error?.issues, undefined, JSON.stringify(e));
  const mine = snap.find((e) => e.type === 'container.state' && e.id === id);
  assert.equal(mine?.container?.state, 'running');
  assert.equal(snap.at(-1)!.seq, reply.result.seq);

  // since: what happened after a given seq, then live
  const base = (await c.request('events.subscribe', { types: ['container.pause'] })).seq;
  await c.request('container.pause', { id });
  await c.request('container.resume', { id });
  const replayed: EventT[] = [];
  c.onNotification('event', (n) => replayed.push(n.event));
  const s2 = await c.request('events.subscribe', { since: base, types: ['container.pause', 'container.resume'] });
  await until(() => replayed.filter((e) => e.id === id).length >= 2, 'replayed pause and resume');
  assert.deepEqual(replayed.filter((e) => e.id === id).map((e) => e.type).slice(0, 2), ['container.pause', 'container.resume']);
  await c.request('events.unsubscribe', { subscription: s2.subscription });
  assert.equal(await reason(c.request('events.unsubscribe', { subscription: s2.subscription })), 'not_found');

  // the history holds the last --event-history events; since: 0 still works while it holds everything
  const oldest = await c.request('events.subscribe', { since: 0 });
  assert.ok(oldest.subscription);
  // limit: this connection now has subscriptions up to --max-subscriptions 4
  const results = [];
  for (let i = 0; i < 4; i++) results.push(await reason(c.request('events.subscribe', {})));
  assert.ok(results.includes('limit_exceeded'), JSON.stringify(results));
  peer.close();
  await c.request('container.delete', { id, force: true });
});

test('a subscriber with nothing happening gets its reply and no hang', async () => {
  const peer = await RawPeer.connect(d.socket);
  await peer.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'events.subscribe', params: { types: ['container.oom'] } }) + '\n');
  const r = await peer.next();
  assert.equal(r.id, 7);
  assert.ok(await peer.silentFor(200));
  await peer.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'daemon.version' }) + '\n');
  assert.equal((await peer.next()).id, 8);
  peer.close();
});

test('since older than the history is invalid_state with oldestSeq', async () => {
  const small = await startDaemon({ extraArgs: ['--event-history', '100'] });
  try {
    const sc = await small.client();
    const id = uid('hist');
    await sc.request('container.create', { id, bundle: await small.bundle(['/bin/sleep', '1000']), start: true });
    for (let i = 0; i < 60; i++) {
      await sc.request('container.pause', { id });
      await sc.request('container.resume', { id });
    }
    const err = await sc.request('events.subscribe', { since: 1 }).catch((e: CorralError) => e);
    assert.ok(err instanceof CorralError);
    assert.equal(err.reason, 'invalid_state');
    assert.ok(Number(err.data.oldestSeq) > 2);
    await sc.request('container.delete', { id, force: true });
  } finally {
    await small.cleanup();
  }
});

test('a missing runtime is unavailable for that call; the daemon stays up', async () => {
  const broken = await startDaemon({ extraArgs: ['--runtime', '/nonexistent/runc'] });
  try {
    const bc = await broken.client();
    const err = await bc.request('container.create', { id: uid('nort'), bundle: await broken.bundle(['/bin/true']), start: true }).catch((e: CorralError) => e);
    assert.ok(err instanceof CorralError);
    assert.equal(err.reason, 'unavailable', err.message);
    assert.match(err.message, /runc|runtime|nonexistent/);
    assert.ok((await bc.request('daemon.info')).pid > 0);
    await sleep(10);
  } finally {
    await broken.cleanup();
  }
});

test('a container killed for memory gets container.oom before its process.exit', async () => {
  const id = uid('oom');
  const events: EventT[] = [];
  const c = await d.client();
  c.onNotification('event', (n) => {
    if (n.event.id === id) events.push(n.event);
  });
  await c.request('events.subscribe', { ids: [id], types: ['container.oom', 'process.exit'] });
  // tail buffers /dev/zero forever looking for a newline: it grows until the limit
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sh', '-c', 'tail /dev/zero']) });
  await c.request('container.update', { id, resources: { memoryLimitBytes: 16 * 1024 * 1024 } });
  await c.request('container.start', { id });
  assert.equal((await c.request('container.wait', { id, timeoutMs: 30_000 })).exitStatus, 137);
  await until(() => events.length >= 2, 'the oom and exit events');
  assert.deepEqual(events.map((e) => e.type), ['container.oom', 'process.exit']);
  // conmon's legacy oom file stays in the process's runtime folder, not in corrald's working folder
  assert.equal(fs.existsSync(path.join(process.cwd(), 'oom')), false);
  await c.request('container.delete', { id });
});

test('a process of a container killed for memory: one container.oom naming it, the container runs on, nothing more at its end', async () => {
  const id = uid('oomx');
  const events: EventT[] = [];
  const first = await d.client();
  first.onNotification('event', (n) => {
    if (n.event.id === id) events.push(n.event);
  });
  await first.request('events.subscribe', { ids: [id], types: ['container.oom', 'process.exit'] });
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  await c.request('container.update', { id, resources: { memoryLimitBytes: 16 * 1024 * 1024 } });
  await c.request('process.exec', { id, processId: 'hog', args: ['/bin/sh', '-c', 'tail /dev/zero'] });
  assert.equal((await c.request('process.wait', { id, processId: 'hog', timeoutMs: 30_000 })).exitStatus, 137);
  await until(() => events.length >= 2, 'the oom and exit events');
  assert.deepEqual(events.map((e) => [e.type, e.processId]), [['container.oom', 'hog'], ['process.exit', 'hog']]);
  assert.equal((await c.request('container.get', { id })).state, 'running');
  // init's own end later is no second OOM, across a restart too
  await d.kill9();
  await d.restart();
  // the shared client goes with the daemon: later tests get a new one
  c = await d.client();
  const c2 = c;
  const later: EventT[] = [];
  c2.onNotification('event', (n) => {
    if (n.event.id === id) later.push(n.event);
  });
  await c2.request('events.subscribe', { ids: [id], types: ['container.oom', 'process.exit'] });
  await c2.request('container.kill', { id, signal: 'KILL' });
  await c2.request('container.wait', { id, timeoutMs: 10_000 });
  await until(() => later.length >= 1, 'the exit event');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(later.map((e) => [e.type, e.processId]), [['process.exit', 'init']]);
  await c2.request('container.delete', { id });
});
