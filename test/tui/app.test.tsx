// Component tests of the TUI through a fake corrald: every view from the
// daemon's data, the keys, the safe delete confirmation, the daemon's error
// messages, pending rows, read-only, the waiting / stale / reconnecting
// display and the small-terminal message, each at 80x24 and at 120x40.
// Assertions are on the screen text and on what the TUI sent.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDaemon, container } from './fake-daemon.js';
import { KEYS, renderApp, until, type Rendered } from './render.js';

const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 120, rows: 40 },
];

const seed = () => [
  container('web', { labels: { app: 'nginx' } }),
  container('db', { state: 'paused' }),
  container('job', { state: 'stopped', exitStatus: 3 }),
  container('fresh', { state: 'created' }),
];

for (const size of SIZES) {
  describe(`at ${size.columns}x${size.rows}`, () => {
    let daemon: FakeDaemon;
    let ui: Rendered;
    const open = async (cs = seed(), readOnly = false) => {
      daemon = await FakeDaemon.start(cs);
      ui = renderApp({ socket: daemon.socketPath, readOnly, ...size });
      await ui.waitFor('● live');
      return ui;
    };
    /** Moves the cursor to the row of `id` (the list is sorted by id), one row at a time. */
    const select = async (id: string) => {
      const cursor = () => /▸ (\S+)/.exec(ui.frame())?.[1];
      const ids = [...daemon.containers.keys()].sort();
      await ui.press('g');
      await until(() => cursor() === ids[0], 'the cursor at the top');
      for (const next of ids.slice(1, ids.indexOf(id) + 1)) {
        await ui.press('j');
        await until(() => cursor() === next, `the cursor on ${next}`);
      }
    };
    afterEach(async () => {
      ui?.unmount();
      await daemon?.close();
    });

    test('the list shows every container with state word and glyph, pid, processes, and the selection', async () => {
      await open();
      const f = ui.frame();
      for (const line of [/db\s+‖ paused/, /fresh\s+○ created/, /job\s+■ stopped 3/, /web\s+● running\s+1003\s+1/]) assert.match(f, line);
      assert.match(f, /▸ db/, 'the first row is selected, marked by a glyph');
      assert.match(f, size.columns >= 100 ? /4 containers \(1 running, 1 paused, 1 created, 1 stopped\)/ : /4 containers \(●1 ‖1 ○1 ■1\)/);
      assert.match(f, /s start {2}p pause {2}K kill {2}D delete {2}e exec/, 'the hint bar comes from the keymap');
      assert.deepEqual(daemon.calls('events.subscribe')[0].params, { snapshot: true });
      assert.equal(f.split('\n').length, size.rows - 1, 'the frame is one row shorter than the terminal');
    });

    test('CPU and memory appear for the visible live rows, polled through container.stats', async () => {
      await open();
      await ui.waitFor(/web\s+● running.*%\s+3\.0M/);
      const polled = new Set(daemon.calls('container.stats').map((c) => c.params.id));
      assert.deepEqual([...polled].sort(), ['db', 'web'], 'only running or paused containers are polled');
    });

    test('filter, all/running toggle, and events patching rows live', async () => {
      await open();
      await ui.press('/');
      await ui.type('ngin');
      await ui.press(KEYS.enter);
      await ui.waitForGone(/^\s+db\s/m);
      assert.match(ui.frame(), /▸ web/);
      await ui.press(KEYS.esc);
      await ui.waitFor(/db\s+‖ paused/);
      await ui.press('a');
      await ui.waitFor('running only');
      assert.doesNotMatch(ui.frame(), /job\s+■/);
      await ui.press('a');
      daemon.emit({ type: 'container.pause', id: 'web', container: container('web', { state: 'paused' }) });
      await ui.waitFor(/web\s+‖ paused/);
      daemon.emit({ type: 'container.delete', id: 'job' });
      await ui.waitForGone(/job\s+■/);
      const late = container('late', { state: 'created' });
      daemon.containers.set('late', late);
      daemon.emit({ type: 'container.create', id: 'late', container: late });
      await ui.waitFor(/late\s+○ created/);
      assert.equal(daemon.calls('container.get').length, 0, 'the event carries the whole container: nothing to fetch');
      assert.equal(daemon.calls('container.list').length, 0, 'the list is never polled');
    });

    test('detail tabs: Info, Processes, Logs (stderr apart, live, search, pause), Stats, Events', async () => {
      daemon = await FakeDaemon.start(seed());
      daemon.log('web', 'init', 'hello from stdout');
      daemon.log('web', 'init', 'oops on stderr', 'stderr');
      ui = renderApp({ socket: daemon.socketPath, ...size });
      await ui.waitFor('● live');
      await select('web');
      await ui.press(KEYS.enter);
      await ui.waitFor('[Info]');
      await ui.waitFor(/bundle\s+\/bundles\/web/);
      assert.match(ui.frame(), /labels\s+app=nginx/);
      await ui.press(KEYS.tab);
      await ui.waitFor(/init\s+1003 running\s+-\s+\/bin\/sleep 1000/);
      await ui.press(KEYS.tab);
      await ui.waitFor(' │hello from stdout');
      assert.match(ui.frame(), /E│oops on stderr/);
      assert.deepEqual(daemon.calls('process.logs')[0].params, { id: 'web', processId: 'init', tail: 1000, follow: true });
      daemon.log('web', 'init', 'a live line');
      await ui.waitFor('│a live line');
      await ui.press('/');
      await ui.type('oops');
      await ui.press(KEYS.enter);
      await ui.waitForGone('hello from stdout');
      assert.match(ui.frame(), /1 of 3 lines/);
      await ui.press(KEYS.esc);
      await ui.waitFor('hello from stdout');
      await ui.press('f');
      await ui.waitFor('paused');
      daemon.log('web', 'init', 'held while paused');
      await ui.waitFor('1 new (f follows)');
      assert.doesNotMatch(ui.frame(), /held while paused/, 'a paused log stays where it was');
      await ui.press('f');
      await ui.waitFor('held while paused');
      assert.match(ui.frame(), /following/);
      await ui.press('k');
      await ui.waitFor('paused');
      await ui.press('G');
      await ui.waitFor('following');
      await ui.press(KEYS.tab);
      await ui.waitFor(/CPU\s+[▁▂▃▄▅▆▇█ ]+\s+\d/);
      assert.match(ui.frame(), /MEM\s+[▁▂▃▄▅▆▇█ ]+ 3\.0M \/ 512M/);
      daemon.emit({ type: 'container.oom', id: 'web', container: daemon.containers.get('web')! });
      await ui.press(KEYS.tab);
      await ui.waitFor('container.oom');
      await ui.press(KEYS.esc);
      await ui.waitForGone('[Events]');
      await until(() => daemon.calls('events.unsubscribe').length === 1, 'closing the detail to end the log follow');
    });

    test("l in the Processes tab follows that process's log; o cycles the sort", async () => {
      const c = container('web');
      c.processes.push({ id: 'sh1', pid: 77, args: ['/bin/sh', '-c', 'echo hi there'], state: 'running', startedAt: c.createdAt });
      daemon = await FakeDaemon.start([c, container('db', { state: 'paused' })]);
      daemon.log('web', 'sh1', 'from the exec');
      ui = renderApp({ socket: daemon.socketPath, ...size });
      await ui.waitFor('● live');
      await ui.press('o');
      await ui.waitFor('by state');
      await ui.waitFor(/web.*\n▸ db/); // running sorts before paused; the cursor stays on its container
      await ui.press('g');
      await ui.waitFor(/▸ web/);
      await ui.press(KEYS.enter, KEYS.tab);
      await ui.waitFor(`/bin/sh -c 'echo hi there'`);
      await ui.press('j', 'l');
      await ui.waitFor('sh1 · 1 lines · following');
      assert.match(ui.frame(), /│from the exec/);
      assert.deepEqual(daemon.calls('process.logs')[0].params, { id: 'web', processId: 'sh1', tail: 1000, follow: true });
    });

    test('pause shows the row pending while the request runs, then the new state', async () => {
      await open();
      await select('web');
      const release = daemon.hold('container.pause');
      await ui.press('p');
      await ui.waitFor(/web\s+… pausing/);
      release();
      await ui.waitFor(/web\s+‖ paused/);
      assert.deepEqual(daemon.calls('container.pause')[0].params, { id: 'web' });
      await ui.press('p');
      await ui.waitFor(/web\s+● running/);
      assert.deepEqual(daemon.calls('container.resume')[0].params, { id: 'web' });
    });

    test("a failed request shows the daemon's message on the row and below, never a stack", async () => {
      await open();
      await select('web');
      daemon.failNext('container.pause', 'runtime_error', 'runc pause failed: cgroup is frozen');
      await ui.press('p');
      await ui.waitFor(/web .*✗ pause: /);
      const f = ui.frame();
      assert.match(f, /web: container\.pause failed: runc pause failed: cgroup is frozen/);
      assert.doesNotMatch(f, /\bat .*\.(ts|js):\d+/);
      await ui.press('A');
      await ui.waitFor('action log');
      assert.match(ui.frame(), /✗ container\.pause/);
      assert.match(ui.frame(), /✓ events\.subscribe/);
    });

    test('delete: Enter cancels, y deletes a stopped one; a running one needs its id typed', async () => {
      await open();
      await select('job');
      await ui.press('D');
      await ui.waitFor('delete job?');
      await ui.press(KEYS.enter);
      await ui.waitFor('job not deleted');
      assert.equal(daemon.calls('container.delete').length, 0);
      await ui.press('D');
      await ui.waitFor('delete job?');
      await ui.press('y');
      await until(() => daemon.calls('container.delete').length === 1, 'container.delete');
      await ui.waitForGone(/^[▸ ] job\s/m);
      assert.deepEqual(daemon.calls('container.delete')[0].params, { id: 'job' });

      await select('web');
      await ui.press('D');
      await ui.waitFor('Type the id to confirm');
      await ui.press('y');
      await ui.press(KEYS.enter);
      await ui.waitFor('web not deleted: the typed id did not match');
      assert.equal(daemon.calls('container.delete').length, 1);
      await ui.press('D');
      await ui.waitFor('Type the id to confirm');
      await ui.type('web');
      await ui.press(KEYS.enter);
      await until(() => daemon.calls('container.delete').length === 2, 'a second container.delete');
      await ui.waitForGone(/^[▸ ] web\s/m);
      assert.deepEqual(daemon.calls('container.delete')[1].params, { id: 'web', force: true });
    });

    test('kill opens the signal picker, TERM first, y sends and Enter cancels; it can target one process', async () => {
      const c = container('web');
      c.processes.push({ id: 'sh1', pid: 77, args: ['/bin/sh'], state: 'running', startedAt: c.createdAt });
      await open([c]);
      await ui.press('K');
      await ui.waitFor('kill container web (init)');
      assert.match(ui.frame(), /▸ SIGTERM \(default\)/);
      await ui.press(KEYS.esc);
      await ui.waitFor('kill cancelled');
      await ui.press('K');
      await ui.waitFor('y sends SIGTERM');
      await ui.press(KEYS.enter);
      await ui.waitForGone('y sends SIGTERM');
      assert.match(ui.frame(), /kill cancelled/);
      assert.equal(daemon.calls('container.kill').length, 0);
      await ui.press(KEYS.enter, KEYS.tab, 'j', 'K');
      await ui.waitFor('kill process sh1 of web');
      await ui.press('j', 'j', 'j', 'j', 'y');
      await ui.waitFor(/sh1\s+-\s+exited\s+143/);
      assert.deepEqual(daemon.calls('process.kill')[0].params, { id: 'web', processId: 'sh1', signal: 'SIGKILL' });
      await ui.press(KEYS.esc, 'K', 'j', 'y');
      await ui.waitFor(/web\s+■ stopped 143/);
      assert.deepEqual(daemon.calls('container.kill')[0].params, { id: 'web', signal: 'SIGINT' });
    });

    test('exec prompts for a command, shows its output and exit code', async () => {
      await open();
      daemon.execScript = (args) => ({ lines: [`listing ${args[1]}`], exitStatus: 2 });
      await select('web');
      await ui.press('e');
      await ui.waitFor('exec in web');
      await ui.type(`ls '/my dir'`);
      await ui.press(KEYS.enter);
      await ui.waitFor('exited with code 2');
      assert.match(ui.frame(), /│listing \/my dir/);
      const sent = daemon.calls('process.exec')[0].params;
      assert.deepEqual(sent.args, ['ls', '/my dir']);
      assert.equal(sent.id, 'web');
      await ui.press(KEYS.esc);
      await ui.waitForGone('exited with code 2');
    });

    test('an exec whose wait is answered before its log shows the exit code only with the output', async () => {
      await open();
      daemon.execScript = () => ({ lines: ['hello from exec'], exitStatus: 4 });
      daemon.logsDelayMs = 150;
      await select('web');
      await ui.press('e');
      await ui.waitFor('exec in web');
      await ui.type('sh -c hi');
      await ui.press(KEYS.enter);
      await ui.waitFor('exited with code 4');
      assert.match(ui.frame(), /│hello from exec/);
    });

    test('create from a bundle path', async () => {
      await open();
      await ui.press('n');
      await ui.waitFor('create a container');
      await ui.type('made');
      await ui.press(KEYS.tab);
      await ui.type('./relative');
      await ui.press(KEYS.enter);
      await ui.waitFor('from: a bundle path must be absolute');
      await ui.press(...Array(10).fill(KEYS.backspace));
      await ui.type('/srv/bundle');
      await ui.press(KEYS.enter);
      await ui.waitFor(/made\s+● running/);
      assert.deepEqual(daemon.calls('container.create')[0].params, { id: 'made', bundle: '/srv/bundle', start: true });
    });

    test('read-only refuses changing keys with a message and hides them from the hints', async () => {
      await open(seed(), true);
      assert.match(ui.frame(), /\[read-only\]/);
      assert.doesNotMatch(ui.frame(), /p pause/);
      await select('web');
      await ui.press('p');
      await ui.waitFor('read-only: pause');
      await ui.press('D');
      assert.doesNotMatch(ui.frame(), /delete web/);
      assert.equal(daemon.calls('container.pause').length + daemon.calls('container.delete').length, 0);
      await ui.press('?');
      await ui.waitFor('(off: read-only)');
    });

    test('a socket that daemon.info names as the read-only one makes the UI read-only by itself', async () => {
      daemon = await FakeDaemon.start(seed());
      daemon.readOnlySocket = daemon.socketPath;
      ui = renderApp({ socket: daemon.socketPath, ...size });
      await ui.waitFor('[read-only]');
      await ui.waitFor("read-only: corrald's read-only socket");
      assert.doesNotMatch(ui.frame(), /p pause/);
      await select('web');
      await ui.press('p');
      await ui.waitFor("read-only: pause is disabled (corrald's read-only socket)");
      assert.equal(daemon.calls('container.pause').length, 0);
    });

    test('a change refused with data.readOnly turns the UI read-only, and the next key is refused at home', async () => {
      await open();
      assert.doesNotMatch(ui.frame(), /\[read-only\]/);
      daemon.failNext('container.pause', 'method_not_found', 'container.pause changes state and is not served on the read-only socket', { readOnly: true });
      await select('web');
      await ui.press('p');
      await ui.waitFor('[read-only]');
      await ui.waitFor('container.pause failed: container.pause changes state');
      await ui.press('p');
      await ui.waitFor('read-only: pause is disabled (the socket is read-only)');
      assert.equal(daemon.calls('container.pause').length, 1);
    });

    test('help is generated from the keymap', async () => {
      await open();
      await ui.press('?');
      await ui.waitFor('keys');
      assert.match(ui.frame(), /K\s+kill: pick a signal/);
      await ui.press('G');
      await ui.waitFor(/q Ctrl-C\s+quit, restoring the terminal/);
      await ui.press('g');
      await ui.waitFor(/↑ k\s+move up/);
      await ui.press(KEYS.esc);
      await ui.waitFor(/▸ db/);
    });

    test('a dropped daemon leaves the data dimmed as stale, refuses changes, and recovers with since', async () => {
      await open();
      daemon.emit({ type: 'container.pause', id: 'web', container: container('web', { state: 'paused' }) });
      await ui.waitFor(/web\s+‖ paused/);
      await daemon.drop();
      await ui.waitFor(/reconnecting \(attempt \d+\) · stale since \d\d:\d\d:\d\d/);
      assert.match(ui.frame(), /web\s+‖ paused/, 'the last data stays on screen');
      assert.match(ui.frame(), /R reconnect now/);
      await ui.press('p');
      await ui.waitFor('not connected to corrald');
      // while away, the container was resumed
      daemon.containers.set('web', container('web'));
      daemon.emit({ type: 'container.resume', id: 'web', container: container('web') });
      await daemon.listen();
      await ui.press('R');
      await ui.waitFor('● live');
      await ui.waitFor(/web\s+● running/);
      const subs = daemon.calls('events.subscribe');
      assert.deepEqual(subs[subs.length - 1].params, { snapshot: true, since: 1 });
      await ui.press('E');
      await ui.waitFor(/container\.resume\s+web/);
    });

    test('since older than the history falls back to a plain snapshot', async () => {
      await open();
      daemon.emit({ type: 'container.oom', id: 'web', container: daemon.containers.get('web')! });
      await until(() => ui.store.getState().conn.lastSeq === 1, 'the event to arrive');
      await daemon.drop();
      await ui.waitFor('reconnecting');
      daemon.oldestSeq = 99;
      await daemon.listen();
      await ui.waitFor('● live');
      const subs = daemon.calls('events.subscribe').map((c) => c.params);
      assert.deepEqual(subs.slice(-2), [{ snapshot: true, since: 1 }, { snapshot: true }]);
    });

    test('an events.overflow makes it resubscribe from the last seq', async () => {
      await open();
      daemon.emit({ type: 'container.oom', id: 'web', container: daemon.containers.get('web')! });
      daemon.emit({ type: 'container.oom', id: 'db', container: daemon.containers.get('db')! });
      await until(() => ui.store.getState().conn.lastSeq === 2, 'both events to arrive');
      daemon.overflow();
      await until(() => daemon.calls('events.subscribe').length === 2, 'a new subscription');
      await ui.waitFor('● live');
      assert.deepEqual(daemon.calls('events.subscribe')[1].params, { snapshot: true, since: 2 });
    });

    test('started before the daemon, it waits for it and connects when it appears', async () => {
      daemon = FakeDaemon.absent();
      for (const c of seed()) daemon.containers.set(c.id, c);
      ui = renderApp({ socket: daemon.socketPath, ...size });
      await ui.waitFor(`waiting for corrald at ${daemon.socketPath.slice(0, 20)}`);
      await ui.waitFor('(ENOENT)');
      const f = ui.frame();
      assert.doesNotMatch(f, /stale/);
      assert.match(f, /\? help {2}q quit\s*$/, 'help and quit stay on the hint bar');
      assert.equal(f.split('\n').length, size.rows - 1, 'nothing wraps past the frame');
      await daemon.listen();
      await ui.waitFor(/web\s+● running/);
    });

    test('a long list scrolls with the cursor; G and g jump to the ends', async () => {
      await open(Array.from({ length: 60 }, (_, i) => container(`c${String(i).padStart(2, '0')}`)));
      assert.doesNotMatch(ui.frame(), /c59/);
      await ui.press('G');
      await ui.waitFor(/▸ c59/);
      assert.doesNotMatch(ui.frame(), /c00/);
      await ui.press('k');
      await ui.waitFor(/▸ c58/);
      await ui.press('g');
      await ui.waitFor(/▸ c00/);
    });

    test('a container deleted elsewhere closes its detail pane and keeps the cursor in place', async () => {
      await open();
      await select('job');
      await ui.press(KEYS.enter);
      await ui.waitFor('[Info]');
      daemon.containers.delete('job');
      daemon.emit({ type: 'container.delete', id: 'job' });
      await ui.waitFor('job was deleted');
      await ui.waitForGone('[Info]');
      await ui.waitFor(/▸ web/);
    });

    test('below 60x15 it says so with numbers, and comes back when the terminal grows', async () => {
      await open();
      ui.resize(52, 14);
      await ui.waitFor('terminal too small: 52x14 (need 60x15)');
      ui.resize(size.columns, size.rows);
      await ui.waitFor(/▸ db/);
    });
  });
}


describe('at 80x24: the selection, the log view and the dialogs stay on what they show', () => {
  const size = { columns: 80, rows: 24 };
  let daemon: FakeDaemon;
  let ui: Rendered;
  const open = async (cs: ReturnType<typeof container>[], o: { rowErrorMs?: number; columns?: number; rows?: number } = {}) => {
    daemon = await FakeDaemon.start(cs);
    ui = renderApp({ socket: daemon.socketPath, ...size, ...o });
    await ui.waitFor('● live');
    return ui;
  };
  const withProcs = (id: string, ...procs: string[]) => {
    const c = container(id);
    for (const p of procs) c.processes.push({ id: p, pid: 100 + c.processes.length, args: ['/bin/sh'], state: 'running', startedAt: c.createdAt });
    return c;
  };
  afterEach(async () => {
    ui?.unmount();
    await daemon?.close();
  });

  test('the Processes cursor starts on init in each container, and K acts on the process it marks', async () => {
    await open([withProcs('a1', 'p1', 'p2', 'p3', 'p4'), withProcs('b1', 'q1')]);
    await ui.press(KEYS.enter, KEYS.tab);
    await ui.waitFor(/p4\s+104/);
    await ui.press('j', 'j', 'j', 'j');
    await ui.waitFor(/▸ p4/);
    await ui.press(KEYS.esc, 'j', KEYS.enter);
    await ui.waitFor(/q1\s+101/);
    assert.match(ui.frame(), /▸ init/, 'a new container starts on its first process');
    await ui.press('K');
    await ui.waitFor('kill container b1 (init)');
  });

  test('the Processes cursor follows its process when one above it goes', async () => {
    const a = withProcs('a1', 'p1', 'p2', 'p3', 'p4');
    await open([a]);
    await ui.press(KEYS.enter, KEYS.tab);
    await ui.waitFor(/p4\s+104/);
    await ui.press('j', 'j', 'j');
    await ui.waitFor(/▸ p3/);
    const less = { ...a, processes: a.processes.filter((p) => p.id !== 'p1') };
    daemon.containers.set('a1', less);
    daemon.emit({ type: 'process.delete', id: 'a1', processId: 'p1', container: less });
    await ui.waitForGone(/p1\s+101/);
    assert.match(ui.frame(), /▸ p3/);
    await ui.press('K');
    await ui.waitFor('kill process p3 of a1');
  });

  test('with "running only", a watched container that stops stays in the pane, marked hidden, and keys act on it', async () => {
    await open([container('api'), container('web'), container('job', { state: 'stopped' })]);
    await ui.press('a');
    await ui.waitFor('running only');
    await ui.press('j', KEYS.enter);
    await ui.waitFor(/id\s+web/);
    const stopped = container('web', { state: 'stopped', exitStatus: 0 });
    daemon.containers.set('web', stopped);
    daemon.emit({ type: 'process.exit', id: 'web', processId: 'init', exitStatus: 0, container: stopped });
    await ui.waitFor('web: hidden by the filter');
    assert.match(ui.frame(), /id\s+web/);
    assert.match(ui.frame(), /state\s+■ stopped/);
    await ui.press('D');
    await ui.waitFor('delete web?');
    await ui.press(KEYS.esc);
    await ui.waitFor('web not deleted');
    await ui.press(KEYS.esc);
    await ui.waitFor(/▸ api/);
  });

  test('with an empty filtered list, a changing key acts on nothing', async () => {
    await open([container('fresh', { state: 'created' }), container('web')]);
    await ui.press('/');
    await ui.type('zzz');
    await ui.press(KEYS.enter);
    await ui.waitFor('no container matches');
    await ui.press('s');
    await ui.waitFor('no container selected');
    await ui.press('D');
    assert.doesNotMatch(ui.frame(), /delete \w+\?|Type the id/);
    assert.equal(daemon.calls('container.start').length, 0);
  });

  test("the Logs tab of another container shows its init log, not the process last viewed elsewhere", async () => {
    await open([withProcs('a1', 'worker'), container('b1')]);
    await ui.press(KEYS.enter, KEYS.tab, 'j', 'l');
    await ui.waitFor('worker · 0 lines');
    await ui.press(KEYS.esc, 'j', KEYS.enter);
    await ui.waitFor('[Logs]');
    await until(() => daemon.calls('process.logs').some((c) => c.params.id === 'b1'), 'the log of b1');
    const asked = daemon.calls('process.logs').filter((c) => c.params.id === 'b1');
    assert.deepEqual(asked.map((c) => c.params.processId), ['init']);
    await ui.waitFor('init · 0 lines');
  });

  test('a paused log stays paused on a busy log longer than the buffer', async () => {
    const cs = [container('web')];
    daemon = await FakeDaemon.start(cs);
    ui = renderApp({ socket: daemon.socketPath, ...size });
    await ui.waitFor('● live');
    await ui.press(KEYS.enter, 'l');
    await ui.waitFor('following');
    for (let i = 0; i < 5100; i++) daemon.log('web', 'init', `busy ${i}`);
    await ui.waitFor('│busy 5099');
    await ui.press('f');
    await ui.waitFor('paused');
    for (let i = 0; i < 5; i++) daemon.log('web', 'init', `after pause ${i}`);
    await ui.waitFor('5 new (f follows)');
    assert.doesNotMatch(ui.frame(), /after pause/);
    await ui.press('f');
    await ui.waitFor('│after pause 4');
  });

  test('an exec the UI cannot start says why instead of an invisible dialog', async () => {
    await open([container('web')]);
    await ui.press('e');
    await ui.waitFor('exec in web');
    await ui.type('ls');
    await daemon.drop();
    await ui.waitFor('reconnecting');
    await ui.press(KEYS.enter);
    await ui.waitFor('not started: not connected to corrald');
    assert.match(ui.frame(), /exec in web/);
    await ui.press(KEYS.esc);
    await ui.waitForGone('exec in web');
    assert.equal(daemon.calls('process.exec').length, 0);
  });

  test('an ended log follows again when its process starts', async () => {
    await open([container('fresh', { state: 'created' })]);
    await ui.press(KEYS.enter, 'l');
    await ui.waitFor(/init · 0 lines · ended/);
    await ui.press('s');
    await ui.waitFor(/init · \d+ lines · following/);
    daemon.log('fresh', 'init', 'started again');
    await ui.waitFor('│started again');
  });

  test('a follow that corrald ended for falling behind (overflow) starts again by itself', async () => {
    await open([container('web')]);
    daemon.log('web', 'init', 'before');
    await ui.press(KEYS.enter, 'l');
    await ui.waitFor(/init · 1 lines · following/);
    const asked = daemon.calls('process.logs').length;
    daemon.overflowLogs('web', 'init');
    await until(() => daemon.calls('process.logs').length > asked, 'the log to be asked for again');
    await ui.waitFor(/init · \d+ lines · following/);
    daemon.log('web', 'init', 'after the overflow');
    await ui.waitFor('│after the overflow');
  });

  test('switching tabs while a log loads keeps one follow and one copy of the lines', async () => {
    daemon = await FakeDaemon.start([container('web')]);
    daemon.log('web', 'init', 'one');
    daemon.log('web', 'init', 'two');
    ui = renderApp({ socket: daemon.socketPath, ...size });
    await ui.waitFor('● live');
    await ui.press(KEYS.enter, 'l');
    await ui.waitFor('2 lines · following');
    await ui.press(KEYS.tab);
    await ui.waitFor('[Stats]');
    const release = daemon.hold('process.logs');
    await ui.press('\x1b[Z');
    await ui.waitFor('[Logs]');
    await ui.press(KEYS.tab, '\x1b[Z');
    await until(() => daemon.calls('process.logs').length === 3, 'two more log requests');
    release();
    await ui.waitFor('2 lines · following');
    const ended = () => daemon.calls('events.unsubscribe').map((c) => c.params.subscription as string);
    // l2 is the first follow, ended by the Tab; l3 the answer overtaken by a later request; l4 is kept
    await until(() => ended().includes('l3'), 'the overtaken follow to be ended');
    assert.deepEqual(ended().sort(), ['l2', 'l3']);
    daemon.log('web', 'init', 'three');
    await ui.waitFor('3 lines · following');
  });

  test('a row error gives way to the numbers again after a while', async () => {
    await open([container('web')], { rowErrorMs: 300 });
    await ui.waitFor(/web\s+● running.*%/);
    daemon.failNext('container.pause', 'runtime_error', 'runc pause failed');
    await ui.press('p');
    await ui.waitFor(/web .*✗ pause: /);
    await ui.waitForGone('✗ pause');
    assert.match(ui.frame(), /web\s+● running.*%/);
  });

  test('g scrolls the log to its first line, and the next j moves it by one line', async () => {
    daemon = await FakeDaemon.start([container('web')]);
    for (let i = 0; i < 100; i++) daemon.log('web', 'init', `line ${String(i).padStart(3, '0')}`);
    ui = renderApp({ socket: daemon.socketPath, ...size });
    await ui.waitFor('● live');
    await ui.press(KEYS.enter, 'l');
    await ui.waitFor('│line 099');
    await ui.press('g');
    await ui.waitFor('│line 000');
    await ui.press('j');
    await ui.waitForGone('│line 000');
    assert.match(ui.frame(), /│line 001/);
  });

  test('the create form marks the focused field and the cursor without colour', async () => {
    await open([container('web')]);
    await ui.press('n');
    await ui.waitFor('create a container');
    assert.match(ui.frame(), /▸ id: +▏/);
    await ui.press(KEYS.tab);
    await ui.waitFor(/▸ from: +▏/);
    assert.match(ui.frame(), /^│ {3}id: /m);
  });

  for (const small of [{ columns: 60, rows: 15 }, { columns: 80, rows: 18 }, size]) {
    test(`at ${small.columns}x${small.rows} the kill picker keeps its title and the chosen signal on screen`, async () => {
      await open([container('web')], small);
      await ui.press('K');
      await ui.waitFor('kill container web (init)');
      assert.match(ui.frame(), /▸ SIGTERM/);
      await ui.press('j', 'j', 'j', 'j', 'j', 'j');
      await ui.waitFor(/▸ SIGUSR2/);
      assert.match(ui.frame(), /kill container web \(init\)/);
    });
  }

  for (const at of [{ columns: 60, rows: 15 }, size]) {
    test(`at ${at.columns}x${at.rows} the create form keeps its title and shows its error whole`, async () => {
      await open([container('web')], at);
      await ui.press('n');
      await ui.type('-bad');
      await ui.press(KEYS.enter);
      await ui.waitFor('first a letter or digit');
      assert.match(ui.frame(), /│ create a container/);
      assert.match(ui.frame(), /▸ id: +-bad▏/);
    });

    test(`at ${at.columns}x${at.rows} the exec output keeps its title above a long output`, async () => {
      await open([container('web')], at);
      daemon.execScript = () => ({ lines: Array.from({ length: 40 }, (_, i) => `out ${i}`), exitStatus: 0 });
      await ui.press('e');
      await ui.type('ls');
      await ui.press(KEYS.enter);
      await ui.waitFor('exited with code 0');
      await ui.waitFor('│out 39');
      assert.match(ui.frame(), /exec exec-\S+ in web: ls/);
    });
  }
});
