// `corral call` and `corral bundle create` as a shell script uses them: the
// result as JSON on stdout with exit 0, the error as JSON on stderr with exit
// 1, usage errors with exit 2, and --follow printing one notification a line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, uid, CLI, until, type DaemonHandle } from '../helpers/daemon.js';

let d: DaemonHandle;
before(async () => {
  d = await startDaemon();
});
after(async () => d?.cleanup());

const corral = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });

test('bundle create writes a runnable bundle; call drives it', async () => {
  const dir = path.join(d.dir, 'cli-bundle');
  const b = corral('bundle', 'create', dir, '--', '/bin/sh', '-c', 'echo from-cli; exit 6');
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stdout.trim(), dir);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.deepEqual(spec.process.args, ['/bin/sh', '-c', 'echo from-cli; exit 6']);
  assert.equal(spec.process.terminal, false);
  assert.ok(fs.statSync(path.join(dir, 'rootfs/bin/busybox')).isFile());

  const id = uid('cli');
  const created = corral('call', '--socket', d.socket, 'container.create', JSON.stringify({ id, bundle: dir, start: true }));
  assert.equal(created.status, 0, created.stderr);
  assert.equal(JSON.parse(created.stdout).id, id);
  const waited = corral('call', '--socket', d.socket, 'container.wait', JSON.stringify({ id, timeoutMs: 10000 }));
  assert.equal(JSON.parse(waited.stdout).exitStatus, 6);
  const logs = corral('call', '--socket', d.socket, 'process.logs', JSON.stringify({ id }));
  assert.equal(JSON.parse(logs.stdout).lines[0].text, 'from-cli');
  assert.equal(corral('call', '--socket', d.socket, 'container.delete', JSON.stringify({ id })).status, 0);
});

test('errors are JSON on stderr with exit 1; usage errors exit 2', () => {
  const missing = corral('call', '--socket', d.socket, 'container.get', '{"id":"no-such-thing"}');
  assert.equal(missing.status, 1);
  assert.equal(missing.stdout, '');
  const err = JSON.parse(missing.stderr);
  assert.equal(err.code, -32001);
  assert.equal(err.data.reason, 'not_found');
  const badJson = corral('call', '--socket', d.socket, 'container.get', '{id:');
  assert.equal(badJson.status, 1);
  assert.match(JSON.parse(badJson.stderr).message, /not valid JSON/);
  const noDaemon = corral('call', '--socket', path.join(d.dir, 'nothing.sock'), 'daemon.version');
  assert.equal(noDaemon.status, 1);
  assert.match(JSON.parse(noDaemon.stderr).message, /cannot connect/);
  assert.equal(corral('call').status, 2);
  assert.equal(corral('bundle', 'create').status, 2);
});

test('call --follow prints each notification as one line', async () => {
  const child = spawn(process.execPath, [CLI, 'call', '--socket', d.socket, '--follow', 'events.subscribe', '{}'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  try {
    await until(() => err.includes('subscription'), 'the subscribe reply on stderr');
    const c = await d.client();
    const id = uid('follow');
    await c.request('container.create', { id, bundle: await d.bundle(['/bin/true']), start: true });
    await c.request('container.wait', { id, timeoutMs: 10_000 });
    await c.request('container.delete', { id });
    await until(() => out.includes('container.delete'), 'the delete event on stdout');
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.every((l) => l.method === 'event' && l.params.event.seq > 0));
    assert.ok(lines.some((l) => l.params.event.type === 'process.exit' && l.params.event.exitStatus === 0));
  } finally {
    child.kill('SIGTERM');
  }
});
