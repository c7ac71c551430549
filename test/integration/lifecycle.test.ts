// The life of a real busybox container through the API: create, start, exec
// with an exit code, pause (runc agrees), resume, kill with 137, delete with
// nothing left on disk; and the states each step refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, uid, runcState, conmonsUnder, type DaemonHandle } from '../helpers/daemon.js';
import type { Client } from '../../shared/client.js';
import { CorralError } from '../../shared/errors.js';

let d: DaemonHandle;
let c: Client;
before(async () => {
  d = await startDaemon();
  c = await d.client();
});
after(async () => d?.cleanup());

async function rejectsWith(p: Promise<unknown>, reason: string): Promise<CorralError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CorralError, `expected a CorralError, got ${err}`);
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  assert.fail(`expected ${reason}, but the call succeeded`);
}

test('create, start, exec, pause, resume, kill, delete a real container', async () => {
  const id = uid('life');
  const bundle = await d.bundle(['/bin/sh', '-c', 'echo started; exec sleep 1000']);
  const created = await c.request('container.create', { id, bundle, labels: { app: 'web' } });
  assert.equal(created.state, 'created');
  assert.ok(created.pid && created.pid > 0);
  assert.equal(runcState(d.state, id)?.status, 'created');
  await rejectsWith(c.request('container.pause', { id }), 'invalid_state');

  const started = await c.request('container.start', { id });
  assert.equal(started.state, 'running');
  assert.equal(runcState(d.state, id)?.status, 'running');
  await rejectsWith(c.request('container.start', { id }), 'invalid_state');

  const exec = await c.request('process.exec', { id, processId: 'e1', args: ['/bin/sh', '-c', 'echo from-exec; exit 3'] });
  assert.equal(exec.id, 'e1');
  const execExit = await c.request('process.wait', { id, processId: 'e1', timeoutMs: 10_000 });
  assert.equal(execExit.exitStatus, 3);
  const logs = await c.request('process.logs', { id, processId: 'e1' });
  assert.deepEqual(logs.lines.map((l) => l.text), ['from-exec']);
  await rejectsWith(c.request('process.exec', { id, processId: 'e1', args: ['/bin/true'] }), 'already_exists');

  const paused = await c.request('container.pause', { id });
  assert.equal(paused.state, 'paused');
  assert.equal(runcState(d.state, id)?.status, 'paused');
  await rejectsWith(c.request('process.exec', { id, processId: 'e2', args: ['/bin/true'] }), 'invalid_state');
  const resumed = await c.request('container.resume', { id });
  assert.equal(resumed.state, 'running');
  assert.equal(runcState(d.state, id)?.status, 'running');

  await rejectsWith(c.request('container.delete', { id }), 'invalid_state');
  await c.request('container.kill', { id, signal: 'KILL' });
  const exit = await c.request('container.wait', { id, timeoutMs: 10_000 });
  assert.equal(exit.exitStatus, 137);
  const stopped = await c.request('container.get', { id });
  assert.equal(stopped.state, 'stopped');
  assert.equal(stopped.exitStatus, 137);
  assert.equal(stopped.pid, null);
  assert.deepEqual(stopped.labels, { app: 'web' });

  await c.request('container.delete', { id });
  await rejectsWith(c.request('container.get', { id }), 'not_found');
  assert.equal(fs.existsSync(path.join(d.root, 'containers', id)), false);
  assert.equal(fs.existsSync(path.join(d.state, 'containers', id)), false);
  assert.equal(runcState(d.state, id), undefined);
  assert.deepEqual(conmonsUnder(path.join(d.state, 'runc')), []);
});

test('create with start: true runs at once; wait answers at once once exited', async () => {
  const id = uid('quick');
  const bundle = await d.bundle(['/bin/sh', '-c', 'echo out; echo err >&2; exit 5']);
  const ctr = await c.request('container.create', { id, bundle, start: true });
  assert.ok(['running', 'stopped'].includes(ctr.state));
  const exit = await c.request('container.wait', { id, timeoutMs: 10_000 });
  assert.equal(exit.exitStatus, 5);
  const again = await c.request('container.wait', { id });
  assert.deepEqual(again, exit);
  const out = await c.request('process.logs', { id, stream: 'stderr' });
  assert.deepEqual(out.lines.map((l) => l.text), ['err']);
  await c.request('container.delete', { id });
});

test('force delete of a running and of a paused container', async () => {
  for (const pause of [false, true]) {
    const id = uid(pause ? 'fdp' : 'fd');
    const bundle = await d.bundle(['/bin/sleep', '1000']);
    await c.request('container.create', { id, bundle, start: true });
    if (pause) await c.request('container.pause', { id });
    await c.request('container.delete', { id, force: true });
    assert.equal(runcState(d.state, id), undefined);
    assert.equal(fs.existsSync(path.join(d.root, 'containers', id)), false);
  }
});

test('wait times out with the timeout error; kill of one exec process', async () => {
  const id = uid('wait');
  const bundle = await d.bundle(['/bin/sleep', '1000']);
  await c.request('container.create', { id, bundle, start: true });
  await rejectsWith(c.request('container.wait', { id, timeoutMs: 100 }), 'timeout');
  await c.request('process.exec', { id, processId: 'sleeper', args: ['/bin/sleep', '1000'] });
  await c.request('process.kill', { id, processId: 'sleeper', signal: 'TERM' });
  const e = await c.request('process.wait', { id, processId: 'sleeper', timeoutMs: 10_000 });
  assert.equal(e.exitStatus, 143);
  await rejectsWith(c.request('process.kill', { id, processId: 'sleeper' }), 'invalid_state');
  await c.request('process.delete', { id, processId: 'sleeper' });
  await rejectsWith(c.request('process.wait', { id, processId: 'sleeper' }), 'not_found');
  const ctr = await c.request('container.get', { id });
  assert.equal(ctr.state, 'running', 'an exec exiting does not stop the container');
  await c.request('container.delete', { id, force: true });
});

test('concurrent calls on one container never interleave; different containers run in parallel', async () => {
  const id = uid('race');
  const bundle = await d.bundle(['/bin/sleep', '1000']);
  await c.request('container.create', { id, bundle, start: true });
  // 20 pause/resume calls at once: each runs alone, so each either succeeds or
  // finds the state the previous one left, and runc agrees with the last answer
  const calls = Array.from({ length: 20 }, (_, i) =>
    c.request(i % 2 ? 'container.resume' : 'container.pause', { id }).then(
      (r) => r.state,
      (e: CorralError) => e.reason,
    ),
  );
  const results = await Promise.all(calls);
  assert.ok(results.every((r) => ['paused', 'running', 'invalid_state'].includes(r)), JSON.stringify(results));
  assert.deepEqual(results, results.map((_, i) => (i % 2 ? 'running' : 'paused')), 'in arrival order, alternating');
  const final = await c.request('container.get', { id });
  // (runc forgets a container once its exit is recorded: a stopped one is no longer runc's)
  assert.equal(runcState(d.state, id)?.status, final.state === 'stopped' ? undefined : final.state);

  // five containers created at once all come up
  const ids = Array.from({ length: 5 }, () => uid('par'));
  const made = await Promise.all(ids.map((x) => c.request('container.create', { id: x, bundle, start: true })));
  assert.deepEqual(made.map((m) => m.state), ids.map(() => 'running'));
  await Promise.all([id, ...ids].map((x) => c.request('container.delete', { id: x, force: true })));
});

/** The keys of the outermost object of a JSON text, in order, duplicates kept (JSON.parse would keep only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && line[j + 1] === ':') keys.push(JSON.parse(line.slice(i, j + 1)));
      i = j;
    } else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  return keys;
}

test("corrald's log lines are JSON whose keys are each there once: pino's pid is corrald's, a container process's is processPid", async () => {
  const id = uid('logkeys');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sh', '-c', 'exit 3']), start: true });
  await c.request('container.wait', { id, timeoutMs: 10_000 });
  await c.request('container.delete', { id });
  const lines = d.stderr().split('\n').filter((l) => l.startsWith('{'));
  const exited = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'process exited' && l.id === id);
  assert.ok(exited, 'the exit is logged');
  assert.equal(exited.pid, d.proc.pid);
  assert.ok(Number.isInteger(exited.processPid) && exited.processPid !== d.proc.pid);
  for (const line of lines) {
    const keys = topLevelKeys(line);
    assert.equal(new Set(keys).size, keys.length, `a key twice in ${line}`);
  }
});
