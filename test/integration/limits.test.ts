// Limits that reach the kernel and conmon, checked where they land: a chatty
// process under --log-size-max keeps its log file bounded and process.logs
// still answers with its newest lines, before and while following; and
// container.update's CPU fields are the values in the container's cgroup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, uid, until, type DaemonHandle } from '../helpers/daemon.js';
import type { LogLineT } from '../../shared/api.js';

const LOG_SIZE_MAX = 64 * 1024;

let d: DaemonHandle;
before(async () => {
  d = await startDaemon({ extraArgs: ['--log-size-max', String(LOG_SIZE_MAX)] });
});
after(async () => d?.cleanup());

test('--log-size-max keeps a chatty log bounded; process.logs gives its newest lines, following across rotations', async () => {
  const c = await d.client();
  const id = uid('chatty');
  // 20,000 numbered lines (~1 MB in the log, many rotations), a pause, then 2,000 more (~110 KB: two
  // rotations while followed) in bursts of 100 lines. conmon rotates by renaming a new file over the log
  // and so deletes the one before: a reader loses lines only when two rotations pass between its reads.
  const script =
    'i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done; sleep 3; ' +
    'while [ $i -lt 22000 ]; do echo line-$i; i=$((i+1)); [ $((i % 100)) -eq 0 ] && sleep 0.05; done; sleep 1000';
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sh', '-c', script]), start: true });
  const file = path.join(d.root, 'containers', id, 'init', 'log');
  await until(async () => (await c.request('process.logs', { id, tail: 1 })).lines[0]?.text === 'line-19999' || undefined, 'the first 20,000 lines');
  const size = fs.statSync(file).size;
  assert.ok(size <= 2 * LOG_SIZE_MAX, `the log is ${size} bytes with --log-size-max ${LOG_SIZE_MAX}`);
  const tail = await c.request('process.logs', { id, tail: 3 });
  assert.deepEqual(tail.lines.map((l) => l.text), ['line-19997', 'line-19998', 'line-19999']);

  const followed: LogLineT[] = [];
  c.onNotification('process.log', (p) => p.line && followed.push(p.line));
  await c.request('process.logs', { id, tail: 0, follow: true });
  await until(() => followed.some((l) => l.text === 'line-21999') || undefined, 'the last 2,000 lines, followed');
  const numbers = followed.map((l) => Number(l.text.slice(5)));
  // every line from the first followed one, once and in order, across the rotations
  const gaps = numbers.filter((n, i) => i > 0 && n !== numbers[i - 1] + 1);
  assert.deepEqual(gaps, [], `followed ${numbers.length} lines from ${numbers[0]}; jumps to ${JSON.stringify(gaps.slice(0, 5))}`);
  assert.ok(numbers[0] <= 20000, `the follow started at line ${numbers[0]}, after the pause began`);
  await c.request('container.delete', { id, force: true });
});

/** The cgroup v1 folder of PID for CONTROLLER (this host is cgroup v1 hybrid), or the v2 one. */
function cgroupDir(pid: number, controller: string): string {
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, names, rel] = line.split(':');
    if (names?.split(',').includes(controller)) {
      const mount = fs.readdirSync('/sys/fs/cgroup').find((m) => m.split(',').includes(controller));
      return path.join('/sys/fs/cgroup', mount!, rel);
    }
  }
  const v2 = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/^0::(.*)$/m);
  return path.join('/sys/fs/cgroup', v2![1]);
}

test('container.update sets the CPU shares, quota and period in the container\'s cgroup', async () => {
  const c = await d.client();
  const id = uid('cpu');
  const ct = await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  await c.request('container.update', { id, resources: { cpuShares: 512, cpuQuota: 25_000, cpuPeriod: 100_000 } });
  const dir = cgroupDir(ct.pid!, 'cpu');
  if (fs.existsSync(path.join(dir, 'cpu.shares'))) {
    assert.equal(fs.readFileSync(path.join(dir, 'cpu.shares'), 'utf8').trim(), '512');
    assert.equal(fs.readFileSync(path.join(dir, 'cpu.cfs_quota_us'), 'utf8').trim(), '25000');
    assert.equal(fs.readFileSync(path.join(dir, 'cpu.cfs_period_us'), 'utf8').trim(), '100000');
  } else {
    assert.equal(fs.readFileSync(path.join(dir, 'cpu.max'), 'utf8').trim(), '25000 100000');
  }
  await c.request('container.delete', { id, force: true });
});
