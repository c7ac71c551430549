// The supervisor and recovery against a stand-in runtime (fake-runtime.ts):
// the order of the events of a container's life, an exit that comes before
// its watch, a forced delete that waits for its SIGKILL's exit, an OOM kill
// reported before the exit it ended and naming it, a monitor that dies
// before its process, and a restart that finds an exit which happened while
// corrald was down, reports it once, and keeps the running ones. No runc, no
// conmon: each case runs in well under a second.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { EventT } from '../../shared/api.js';
import { createBundle } from '../../shared/bundle.js';
import { Layout } from '../../daemon/runtime/layout.js';
import { EXIT_UNKNOWN, REASON_MONITOR_LOST } from '../../daemon/runtime/decide.js';
import { EventBus } from '../../daemon/supervisor/events.js';
import { Reconciler } from '../../daemon/supervisor/reconcile.js';
import { recover } from '../../daemon/supervisor/recovery.js';
import { Supervisor } from '../../daemon/supervisor/supervisor.js';
import { FakeRuntime } from './fake-runtime.js';
import { useTempFolder } from './tmp.js';

const tmp = useTempFolder('supervisor');
const runtimes: FakeRuntime[] = [];
after(async () => {
  for (const r of runtimes) await r.close();
});

let n = 0;
/** A supervisor over a fresh layout (or LAYOUT's, for a restart) with RUNTIME, and the events it emits. */
async function world(o: { runtime?: FakeRuntime; dir?: string } = {}) {
  const dir = o.dir ?? path.join(tmp(), `w${++n}`);
  const layout = new Layout(path.join(dir, 'root'), path.join(dir, 'state'));
  fs.mkdirSync(layout.runcRoot, { recursive: true });
  fs.mkdirSync(path.join(dir, 'root'), { recursive: true });
  const runtime = o.runtime ?? new FakeRuntime();
  if (!o.runtime) runtimes.push(runtime);
  const bus = new EventBus(layout.eventsFile, 1000, (err) => assert.fail(String(err)));
  bus.load();
  const events: EventT[] = [];
  bus.listen((e) => events.push(e));
  const sup = new Supervisor({ layout, runtime, bootId: 'boot-1' }, bus, pino({ level: 'silent' }));
  const report = await recover(sup);
  const bundle = await createBundle(path.join(dir, 'bundle'), { args: ['/bin/sleep', '1000'] });
  const seen = (id: string) => events.filter((e) => e.id === id).map((e) => (e.processId ? `${e.type} ${e.processId}` : e.type));
  return { dir, layout, runtime, bus, sup, events, seen, report, bundle, close: () => (sup.close(), bus.close()) };
}

describe('Supervisor with a stand-in runtime', () => {
  test('create, start, exit: events in order, and the wait answers once the exit is on disk', async () => {
    const w = await world();
    await w.sup.create({ id: 'a', bundle: w.bundle, start: true });
    const waiting = w.sup.wait('a', 'init');
    await w.runtime.exit('a.init', 3);
    const exit = await waiting;
    assert.equal(exit.exitStatus, 3);
    assert.deepEqual(w.seen('a'), ['container.create', 'container.start init', 'process.start init', 'process.exit init']);
    const record = JSON.parse(fs.readFileSync(w.layout.processFile('a', 'init'), 'utf8'));
    assert.equal(record.exitStatus, 3, 'answered after the write');
    assert.equal(w.sup.get('a').state, 'stopped');
    w.close();
  });

  test('an exec whose process ended before it was watched is reported after its start, once', async () => {
    const w = await world();
    await w.sup.create({ id: 'b', bundle: w.bundle, start: true });
    const launch = w.runtime.launch.bind(w.runtime);
    // the exit file is there before the supervisor sets its watch
    w.runtime.launch = async (f) => {
      const l = await launch(f);
      if (f.execSpecFile) await w.runtime.exit(f.session, 0);
      return l;
    };
    await w.sup.exec('b', { processId: 'quick', args: ['/bin/true'] });
    assert.equal((await w.sup.wait('b', 'quick', 5000)).exitStatus, 0);
    assert.deepEqual(w.seen('b').filter((e) => e.endsWith('quick')), ['process.start quick', 'process.exit quick']);
    w.close();
  });

  test('a forced delete waits for its SIGKILL to land and reports that exit before the delete', async () => {
    const w = await world();
    await w.sup.create({ id: 'c', bundle: w.bundle, start: true });
    const waiter = w.sup.wait('c', 'init').then((e) => e, (e: Error) => e);
    await w.sup.delete('c', true);
    assert.deepEqual(w.seen('c').slice(-2), ['process.exit init', 'container.delete']);
    assert.equal(w.events.find((e) => e.id === 'c' && e.type === 'process.exit')?.exitStatus, 137);
    assert.equal(((await waiter) as { exitStatus: number }).exitStatus, 137);
    assert.equal(w.sup.has('c'), false);
    assert.ok(w.runtime.calls.includes('delete c'));
    w.close();
  });

  test('a forced delete returns once every monitor of the container has ended, exec monitors too', async () => {
    const w = await world();
    w.runtime.monitorLingerMs = 300;
    await w.sup.create({ id: 'm', bundle: w.bundle, start: true });
    await w.sup.exec('m', { processId: 'e', args: ['/bin/sleep', '1000'] });
    await w.sup.delete('m', true);
    assert.deepEqual(w.runtime.liveMonitors(), []);
    w.close();
  });

  test('an OOM kill is reported before the exit it ended, naming it, with no oom file from the monitor', async () => {
    const w = await world();
    await w.sup.create({ id: 'd', bundle: w.bundle, start: true });
    await w.sup.exec('d', { processId: 'hog', args: ['/bin/sh'] });
    // the kernel's counter of the container's memory cgroup, as a file this test controls
    const counter = path.join(w.dir, 'memory.oom_control');
    fs.writeFileSync(counter, 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
    w.sup.find('d').record.oomCounter = counter;
    fs.writeFileSync(counter, 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    await w.runtime.exit('d.hog', 137);
    await w.sup.wait('d', 'hog', 5000);
    assert.deepEqual(w.seen('d').slice(-2), ['container.oom hog', 'process.exit hog']);
    // init's own end later is no second report
    await w.sup.kill('d', 'SIGKILL', false);
    await w.sup.wait('d', 'init', 5000);
    assert.equal(w.seen('d').filter((e) => e.startsWith('container.oom')).length, 1);
    w.close();
  });

  test('a monitor that dies leaves its process unmonitored; its end is recorded as unknown by the reconcile loop', async () => {
    const w = await world();
    await w.sup.create({ id: 'e', bundle: w.bundle, start: true });
    const rec = new Reconciler(w.sup, pino({ level: 'silent' }));
    await w.runtime.killMonitor('e.init');
    await rec.pass();
    assert.equal(w.sup.exits.phase('e', 'init'), 'unmonitored');
    assert.equal(w.sup.get('e').state, 'running');
    await w.runtime.killProcess('e.init');
    await rec.pass();
    const exit = await w.sup.wait('e', 'init', 5000);
    assert.deepEqual([exit.exitStatus, exit.exitReason], [EXIT_UNKNOWN, REASON_MONITOR_LOST]);
    w.close();
  });
});

describe('recovery with a stand-in runtime', () => {
  test('an exit while corrald was down is reported once, execs before init; a live container is kept and watched', async () => {
    const first = await world();
    await first.sup.create({ id: 'live', bundle: first.bundle, start: true });
    await first.sup.create({ id: 'gone', bundle: first.bundle, start: true });
    await first.sup.exec('gone', { processId: 'x', args: ['/bin/sleep', '1000'] });
    // corrald stops (its in-memory state is lost); meanwhile both processes of 'gone' end
    first.close();
    await first.runtime.exit('gone.x', 1);
    await first.runtime.exit('gone.init', 2);

    const second = await world({ runtime: first.runtime, dir: first.dir });
    assert.equal(second.report.exitsWhileAway, 2);
    assert.equal(second.report.live, 1);
    assert.deepEqual(second.seen('gone'), ['process.exit x', 'process.exit init']);
    assert.equal(second.sup.get('gone').exitStatus, 2);
    assert.equal(second.sup.get('live').state, 'running');
    // a third start finds nothing new to report
    second.close();
    const third = await world({ runtime: first.runtime, dir: first.dir });
    assert.equal(third.report.exitsWhileAway, 0);
    assert.deepEqual(third.seen('gone'), []);
    // and the live one is watched again: its exit arrives
    const waiting = third.sup.wait('live', 'init', 5000);
    await first.runtime.exit('live.init', 0);
    assert.equal((await waiting).exitStatus, 0);
    third.close();
  });
});
