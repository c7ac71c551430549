// Bad input to container.create and friends: every case gets its typed error
// and leaves the state folders exactly as they were (nothing half-created).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, uid, runcState, type DaemonHandle } from '../helpers/daemon.js';
import type { Client } from '../../shared/client.js';
import { CorralError } from '../../shared/errors.js';

let d: DaemonHandle;
let c: Client;
before(async () => {
  d = await startDaemon();
  c = await d.client();
});
after(async () => d?.cleanup());

function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: false }).map(String).sort();
}
const snapshot = () => ({ root: tree(path.join(d.root, 'containers')), state: tree(path.join(d.state, 'containers')) });

async function expectError(call: () => Promise<unknown>, reason: string, message?: RegExp): Promise<CorralError> {
  const before = snapshot();
  let err: unknown;
  try {
    await call();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CorralError, `expected ${reason}, got ${err === undefined ? 'success' : err}`);
  assert.equal(err.reason, reason, err.message);
  if (message) assert.match(err.message, message);
  assert.deepEqual(snapshot(), before, 'a failed call left files behind');
  return err;
}

test('ids that are not ids are invalid_params, never paths', async () => {
  const bundle = await d.bundle(['/bin/true']);
  for (const id of ['a/b', '..', '../etc', '', 'x'.repeat(65), '.hidden', '-dash', 'sp ace', 'nul\0byte', 'ünï']) {
    const e = await expectError(() => c.request('container.create', { id, bundle }), 'invalid_params');
    assert.equal(e.code, -32602);
    assert.ok(e.data.issues?.some((i) => i.path === 'id'), JSON.stringify(e.data));
  }
  await expectError(() => c.request('container.get', { id: '../x' }), 'invalid_params');
  await expectError(() => c.request('process.exec', { id: 'ok', processId: 'a/b', args: ['/bin/true'] }), 'invalid_params');
  // 64 characters is the longest valid id
  const long = `l${'x'.repeat(55)}${uid('').slice(1)}`.slice(0, 64);
  assert.equal(long.length, 64);
  const ok = await c.request('container.create', { id: long, bundle });
  assert.equal(ok.id, long);
  await c.request('container.delete', { id: long, force: true });
});

test('bundles that are missing or broken are invalid_bundle', async () => {
  await expectError(() => c.request('container.create', { id: uid(), bundle: '/nonexistent/bundle' }), 'invalid_bundle', /corral bundle create/);
  await expectError(() => c.request('container.create', { id: uid(), bundle: 'relative/path' }), 'invalid_bundle', /absolute/);

  const notJson = await d.bundle(['/bin/true']);
  fs.writeFileSync(path.join(notJson, 'config.json'), '{ this is not json');
  await expectError(() => c.request('container.create', { id: uid(), bundle: notJson }), 'invalid_bundle', /not valid JSON/);

  const noArgs = await d.bundle(['/bin/true']);
  const spec = JSON.parse(fs.readFileSync(path.join(noArgs, 'config.json'), 'utf8'));
  delete spec.process.args;
  fs.writeFileSync(path.join(noArgs, 'config.json'), JSON.stringify(spec));
  await expectError(() => c.request('container.create', { id: uid(), bundle: noArgs }), 'invalid_bundle', /process\.args/);

  const noRootfs = await d.bundle(['/bin/true']);
  fs.rmSync(path.join(noRootfs, 'rootfs'), { recursive: true });
  await expectError(() => c.request('container.create', { id: uid(), bundle: noRootfs }), 'invalid_bundle', /root filesystem/);
});

test('a program that does not exist fails with runc\'s own words', async () => {
  const bundle = await d.bundle(['/bin/no-such-program']);
  const id = uid('noprog');
  const err = await expectError(() => c.request('container.create', { id, bundle, start: true }), 'runtime_error', /no-such-program/);
  assert.match(String(err.data.stderr), /no-such-program/);
  // all or nothing: the failed start removed what the create made, so the id is free again
  await expectError(() => c.request('container.get', { id }), 'not_found');
  assert.equal(runcState(d.state, id), undefined);
});

test('a second create with the same id is already_exists, the first is untouched', async () => {
  const id = uid('dup');
  const bundle = await d.bundle(['/bin/sleep', '1000']);
  const first = await c.request('container.create', { id, bundle, start: true });
  await expectError(() => c.request('container.create', { id, bundle }), 'already_exists');
  const still = await c.request('container.get', { id });
  assert.equal(still.state, 'running');
  assert.equal(still.pid, first.pid);
  await expectError(() => c.request('container.delete', { id }), 'invalid_state', /force/);
  await c.request('container.delete', { id, force: true });
});

test('unknown keys, wrong types and unknown things are typed errors', async () => {
  await expectError(() => c.request('container.list', { stat: 'running' } as never), 'invalid_params');
  // params are checked in full before anything is looked up
  await expectError(() => c.request('container.kill', { id: 'x', signal: 'SIGNOPE' }), 'invalid_params');
  const id = uid('sig');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  await expectError(() => c.request('container.kill', { id, signal: 'SIGNOPE' }), 'invalid_params');
  await expectError(() => c.request('container.kill', { id, signal: 99 } as never), 'invalid_params');
  await expectError(() => c.request('container.get', { id: uid('ghost') }), 'not_found');
  await expectError(() => c.request('process.wait', { id, processId: 'ghost' }), 'not_found');
  await expectError(() => c.request('container.update', { id, resources: {} }), 'invalid_params');
  await c.request('container.delete', { id, force: true });
});

test('container ids that name corral\'s own files (pid, bundle, exits...) run and report their real exit codes', async () => {
  // conmon names its exit file after the container: it must never be read from another of corral's files
  const bundle = await d.bundle(['/bin/sh', '-c', 'exit 7']);
  for (const id of ['pid', 'conmon.pid', 'bundle', 'exits', 'runc.log', 'exec.json', 'init', 'log', 'exit', 'state.json']) {
    const created = await c.request('container.create', { id, bundle });
    assert.equal(created.state, 'created', id);
    await c.request('container.start', { id });
    const exit = await c.request('container.wait', { id, timeoutMs: 10_000 });
    assert.equal(exit.exitStatus, 7, id);
    assert.equal((await c.request('container.get', { id })).state, 'stopped', id);
    await c.request('container.delete', { id });
  }
});

test('process.exec may not name a process after the container\'s own record; the container is intact', async () => {
  const id = uid('reserved');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  const e = await expectError(() => c.request('process.exec', { id, processId: 'state.json', args: ['/bin/true'] }), 'invalid_params', /state\.json/);
  assert.ok(e.data.issues?.some((i) => i.path === 'processId'), JSON.stringify(e.data));
  assert.ok(fs.existsSync(path.join(d.root, 'containers', id, 'state.json')));
  assert.equal((await c.request('container.get', { id })).state, 'running');
  // and the exec that follows is an ordinary one
  await c.request('process.exec', { id, processId: 'after', args: ['/bin/sh', '-c', 'exit 4'] });
  assert.equal((await c.request('process.wait', { id, processId: 'after', timeoutMs: 10_000 })).exitStatus, 4);
  await c.request('container.delete', { id, force: true });
});

test('an exec whose folder already exists on disk is already_exists, and that folder is left alone', async () => {
  const id = uid('stray');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  // a folder whose record corral cannot read (its own writes are atomic) is not corral's to reuse or remove
  const stray = path.join(d.root, 'containers', id, 'kept');
  fs.mkdirSync(stray);
  fs.writeFileSync(path.join(stray, 'process.json'), 'not what corral writes');
  fs.writeFileSync(path.join(stray, 'note'), 'mine');
  await expectError(() => c.request('process.exec', { id, processId: 'kept', args: ['/bin/true'] }), 'already_exists');
  assert.equal(fs.readFileSync(path.join(stray, 'note'), 'utf8'), 'mine');
  await c.request('container.delete', { id, force: true });
});
