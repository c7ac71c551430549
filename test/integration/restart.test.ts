// corrald killed with SIGKILL while containers live: after a restart the one
// still running is found with the same pid, the one that exited meanwhile
// shows its real exit code, subscribers get exactly one process.exit for it
// (replayed with since), and a half-written state file never makes a
// container unreadable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DAEMON, startDaemon, uid, runcState, until, conmonsUnder, type DaemonHandle } from '../helpers/daemon.js';
import type { EventT } from '../../shared/api.js';

let d: DaemonHandle;
before(async () => {
  d = await startDaemon();
});
after(async () => d?.cleanup());

test('SIGKILL of corrald: the running container survives, an exit while away keeps its code', async () => {
  let c = await d.client();
  const runner = uid('runner');
  const quitter = uid('quitter');
  await c.request('container.create', { id: runner, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  // exits on its own a little after the daemon is gone
  await c.request('container.create', { id: quitter, bundle: await d.bundle(['/bin/sh', '-c', 'sleep 1; exit 42']), start: true });
  const before = await c.request('container.get', { id: runner });
  const sub = await c.request('events.subscribe', {});
  const seqAtKill = sub.seq;

  await d.kill9();
  await until(() => fs.existsSync(path.join(d.root, 'containers', quitter, 'init', 'exit')), 'the quitter to exit while corrald is down');
  const exitWritten = fs.statSync(path.join(d.root, 'containers', quitter, 'init', 'exit')).mtimeMs;
  // down a while longer, so that "when corrald noticed" and "when it exited" differ
  await new Promise((r) => setTimeout(r, 1500));
  const restartedAt = Date.now();
  await d.restart();

  c = await d.client();
  const after = await c.request('container.get', { id: runner });
  assert.equal(after.state, 'running');
  assert.equal(after.pid, before.pid);
  assert.equal(runcState(d.state, runner)?.status, 'running');
  const q = await c.request('container.get', { id: quitter });
  assert.equal(q.state, 'stopped');
  assert.equal(q.exitStatus, 42);
  assert.deepEqual(await c.request('container.wait', { id: quitter }), { exitStatus: 42, exitedAt: q.exitedAt });
  // the exit's time is when it happened, not when the restarted corrald found it
  // to the millisecond (node rounds a file's mtime to build its Date)
  assert.ok(Math.abs(Date.parse(q.exitedAt!) - exitWritten) <= 1, `exitedAt ${q.exitedAt} vs the exit file's mtime ${new Date(exitWritten).toISOString()}`);
  assert.ok(Date.parse(q.exitedAt!) < restartedAt);

  // replay from before the crash: exactly one exit for the quitter, in seq order
  const events: EventT[] = [];
  c.onNotification('event', (p) => events.push(p.event));
  await c.request('events.subscribe', { since: seqAtKill });
  await until(() => events.some((e) => e.type === 'process.exit' && e.id === quitter), 'the replayed process.exit');
  const exits = events.filter((e) => e.type === 'process.exit' && e.id === quitter);
  assert.equal(exits.length, 1);
  assert.equal(exits[0].exitStatus, 42);
  const seqs = events.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));

  // a second restart reports nothing twice
  await d.kill9();
  await d.restart();
  c = await d.client();
  const again: EventT[] = [];
  c.onNotification('event', (p) => again.push(p.event));
  await c.request('events.subscribe', { since: seqAtKill });
  await c.request('daemon.version');
  await until(() => again.length > 0, 'the replay');
  assert.equal(again.filter((e) => e.type === 'process.exit' && e.id === quitter).length, 1);

  // the runner is still watched after the restart: its exit is seen live
  await c.request('container.kill', { id: runner, signal: 'KILL' });
  assert.equal((await c.request('container.wait', { id: runner, timeoutMs: 10_000 })).exitStatus, 137);
  await c.request('container.delete', { id: runner });
  await c.request('container.delete', { id: quitter });
  assert.deepEqual(conmonsUnder(path.join(d.state, 'runc')), []);
});

test('a leftover temp file of an interrupted state.json write is ignored and removed', async () => {
  let c = await d.client();
  const id = uid('torn');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  await d.kill9();
  const dir = path.join(d.root, 'containers', id);
  // what a crash between write and rename leaves: a torn temp beside the good file
  fs.writeFileSync(path.join(dir, '.state.json.deadbeef.tmp'), '{"id": "torn-half');
  fs.writeFileSync(path.join(dir, 'init', '.process.json.cafe0001.tmp'), '');
  await d.restart();
  c = await d.client();
  const got = await c.request('container.get', { id });
  assert.equal(got.state, 'running');
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'init')).filter((n) => n.endsWith('.tmp')), []);
  await c.request('container.delete', { id, force: true });
});

test('a second corrald on the same --state refuses to start', async () => {
  const { spawnSync } = await import('node:child_process');
  const { DAEMON } = await import('../helpers/daemon.js');
  const r = spawnSync(DAEMON, ['--root', d.root, '--state', d.state], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /another corrald/);
  // and the first still answers
  const c = await d.client();
  assert.ok((await c.request('daemon.info')).pid > 0);
});

test('after a reboot every container is stopped at once with its last known exit code', async () => {
  let c = await d.client();
  const live = uid('reboot');
  const done = uid('rebootdone');
  await c.request('container.create', { id: live, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  await c.request('container.create', { id: done, bundle: await d.bundle(['/bin/sh', '-c', 'exit 3']), start: true });
  await c.request('container.wait', { id: done, timeoutMs: 10_000 });
  await d.kill9();
  // what a reboot looks like to the records: they were written under another boot id
  for (const id of [live, done]) {
    const dir = path.join(d.root, 'containers', id);
    for (const file of [path.join(dir, 'state.json'), path.join(dir, 'init', 'process.json')]) {
      const j = JSON.parse(fs.readFileSync(file, 'utf8'));
      j.bootId = 'an-earlier-boot';
      fs.writeFileSync(file, JSON.stringify(j));
    }
  }
  await d.restart();
  c = await d.client();
  const l = await c.request('container.get', { id: live });
  assert.equal(l.state, 'stopped');
  assert.equal(l.exitStatus, 255);
  assert.match(String(l.exitReason), /reboot/);
  const k = await c.request('container.get', { id: done });
  assert.equal(k.exitStatus, 3, 'the exit recorded before the reboot is kept');
  // nothing of the old boot is left running
  assert.deepEqual(conmonsUnder(path.join(d.state, 'runc')), []);
  await c.request('container.delete', { id: live });
  await c.request('container.delete', { id: done });
});

test('a crash after conmon answered but before the pid was recorded: the process is adopted, not leaked', async () => {
  let c = await d.client();
  const id = uid('adopt');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  const exec = await c.request('process.exec', { id, processId: 'late', args: ['/bin/sh', '-c', 'sleep 1; exit 12'] });
  await d.kill9();
  // what the crash leaves: process.json as written before conmon was run (pid null)
  for (const processId of ['init', 'late']) {
    const file = path.join(d.root, 'containers', id, processId, 'process.json');
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    Object.assign(j, { pid: null, pidStart: undefined, conmonPid: undefined, conmonStart: undefined });
    fs.writeFileSync(file, JSON.stringify(j));
  }
  await d.restart();
  c = await d.client();
  const got = await c.request('container.get', { id });
  assert.equal(got.state, 'running');
  assert.equal(got.processes.find((p) => p.id === 'late')?.pid ?? exec.pid, exec.pid);
  assert.equal((await c.request('process.wait', { id, processId: 'late', timeoutMs: 10_000 })).exitStatus, 12);
  await c.request('container.delete', { id, force: true });
  assert.deepEqual(conmonsUnder(path.join(d.state, 'runc')), []);
});

test('a crash between the folder and the record of an exec: the folder is rolled back and the id can be used again', async () => {
  let c = await d.client();
  const id = uid('cut');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  await d.kill9();
  // what the crash leaves: launch made the process's folders, then died before process.json
  fs.mkdirSync(path.join(d.root, 'containers', id, 'again'));
  fs.mkdirSync(path.join(d.state, 'containers', id, 'again', 'exits'), { recursive: true });
  await d.restart();
  c = await d.client();
  assert.equal(fs.existsSync(path.join(d.root, 'containers', id, 'again')), false);
  assert.equal(fs.existsSync(path.join(d.state, 'containers', id, 'again')), false);
  assert.equal((await c.request('container.get', { id })).state, 'running');
  await c.request('process.exec', { id, processId: 'again', args: ['/bin/sh', '-c', 'exit 3'] });
  assert.equal((await c.request('process.wait', { id, processId: 'again', timeoutMs: 10_000 })).exitStatus, 3);
  await c.request('container.delete', { id, force: true });
});

test("an unreadable process.json is rebuilt or set aside, never a reason to delete a container and its logs", async () => {
  let c = await d.client();
  const id = uid('garbled');
  const created = await c.request('container.create', { id, bundle: await d.bundle(['/bin/sh', '-c', 'echo kept-log; sleep 1000']), start: true });
  const e = await c.request('process.exec', { id, processId: 'e', args: ['/bin/sleep', '1000'] });
  await c.request('process.exec', { id, processId: 'x', args: ['/bin/sh', '-c', 'exit 3'] });
  await c.request('process.wait', { id, processId: 'x', timeoutMs: 10_000 });
  // stopped, its exit in state.json
  const gone = uid('gone');
  await c.request('container.create', { id: gone, bundle: await d.bundle(['/bin/sh', '-c', 'echo last words; exit 9']), start: true });
  await c.request('container.wait', { id: gone, timeoutMs: 10_000 });
  // created, then forgotten by runc behind corral's back: nothing vouches for it
  const lost = uid('lost');
  await c.request('container.create', { id: lost, bundle: await d.bundle(['/bin/sleep', '1000']) });
  await d.kill9();
  const dir = path.join(d.root, 'containers', id);
  fs.writeFileSync(path.join(dir, 'init', 'process.json'), '{"not": "a record"');
  fs.writeFileSync(path.join(dir, 'e', 'process.json'), 'garbage');
  fs.writeFileSync(path.join(dir, 'x', 'process.json'), 'garbage');
  fs.writeFileSync(path.join(dir, 'x', 'exec.json'), 'garbage too');
  fs.writeFileSync(path.join(d.root, 'containers', gone, 'init', 'process.json'), '');
  execFileSync('runc', ['--root', path.join(d.state, 'runc'), 'delete', '--force', lost]);
  fs.writeFileSync(path.join(d.root, 'containers', lost, 'init', 'process.json'), '[]');
  await d.restart();
  c = await d.client();

  // rebuilt from runc, the pid files and the specs: init and the live exec, same pids
  const got = await c.request('container.get', { id });
  assert.equal(got.state, 'running');
  assert.equal(got.pid, created.pid);
  assert.deepEqual(got.processes.map((p) => [p.id, p.state, p.pid]).sort(), [['e', 'running', e.pid], ['init', 'running', created.pid]]);
  assert.match(d.stderr(), /process.json was unreadable; rebuilt it/);
  assert.deepEqual((await c.request('process.logs', { id })).lines.map((l) => l.text), ['kept-log']);
  // an exec with nothing left to rebuild it from is set aside, and its id is free again, with no old exit code
  assert.ok(fs.readdirSync(dir).some((n) => n.startsWith('.quarantine-x-')), 'the exec folder is kept aside');
  await c.request('process.exec', { id, processId: 'x', args: ['/bin/sh', '-c', 'sleep 1; exit 5'] });
  assert.equal((await c.request('process.wait', { id, processId: 'x', timeoutMs: 10_000 })).exitStatus, 5);

  // the stopped one keeps its code and its log
  const g = await c.request('container.get', { id: gone }).catch((err) => {
    console.log(d.stderr().split('\n').filter((l) => l.includes(gone) && !l.includes('"level":20')).join('\n'));
    throw err;
  });
  assert.equal(g.state, 'stopped');
  assert.equal(g.exitStatus, 9);
  assert.deepEqual((await c.request('process.logs', { id: gone })).lines.map((l) => l.text), ['last words']);

  // nothing vouches for the forgotten one: quarantined with its folder, and its id makes a fresh container
  await c.request('container.get', { id: lost }).then(
    () => assert.fail('a container nothing vouches for is listed'),
    (err: { reason?: string }) => assert.equal(err.reason, 'not_found'),
  );
  assert.ok(fs.readdirSync(path.join(d.root, 'containers')).some((n) => n.startsWith(`.quarantine-${lost}-`)), 'quarantined, not deleted');
  const again = await c.request('container.create', { id: lost, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  assert.equal(again.state, 'running');

  for (const x of [id, gone, lost]) await c.request('container.delete', { id: x, force: true });
  assert.deepEqual(conmonsUnder(path.join(d.state, 'runc')), []);
});

test('SIGTERM stops corrald cleanly and leaves every container running; the next corrald finds them', async () => {
  let c = await d.client();
  const id = uid('term');
  const before = await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  await d.stop();
  assert.equal(d.proc.exitCode, 0, d.stderr());
  assert.match(d.stderr(), /stopping; containers keep running/);
  assert.equal(fs.existsSync(path.join(d.state, 'corrald.pid')), false, 'the lock is given back');
  assert.equal(runcState(d.state, id)?.status, 'running');
  assert.equal(runcState(d.state, id)?.pid, before.pid);
  await d.restart();
  c = await d.client();
  const after = await c.request('container.get', { id });
  assert.equal(after.state, 'running');
  assert.equal(after.pid, before.pid);
  await c.request('container.delete', { id, force: true });
});

test('a crashed corrald socket still held by a silent process (a child in exec) is replaced, and the start waits for the new daemon', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-ghost-'));
  const sock = path.join(dir, 'state', 'corrald.sock');
  fs.mkdirSync(path.dirname(sock), { recursive: true });
  // accepts connections into its backlog and never reads them, as the dead daemon's socket does
  // while a child forked from it has not yet closed its close-on-exec descriptors
  const ghost = spawn(process.execPath, ['-e', "require('net').createServer({ pauseOnConnect: true }).listen(process.argv[1], () => console.log('up'))", sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve) => ghost.stdout!.once('data', resolve));
    const h = await startDaemon({ dir });
    try {
      const c = await h.client();
      assert.equal((await c.request('daemon.info')).pid, h.proc.pid);
      assert.match(h.stderr(), /nothing answered within/);
    } finally {
      await h.cleanup();
    }
  } finally {
    ghost.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a socket a live corrald answers on is never taken over by a second one, even with another --state', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-second-'));
  try {
    const r = spawnSync(DAEMON, ['--root', path.join(dir, 'root'), '--state', path.join(dir, 'state'), '--socket', d.socket, '--ro-socket', 'none'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /another corrald is already serving/);
    assert.equal((await (await d.client()).request('daemon.info')).pid, d.proc.pid);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
