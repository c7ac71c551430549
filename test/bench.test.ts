// Keeps `npm run bench` from rotting: runs bench/run.ts --quick once (corral
// and bare runc, N of 1-3, no containerd or podman) and checks the shape of
// the JSON it writes and that every figure it promises is either a number or
// says why it is missing. Timings are never asserted: they depend on the
// machine, and a slow CI must not fail for being slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, summarize } from '../bench/stats.js';
import { markdown } from '../bench/report.js';
import type { Results, ToolResult } from '../bench/types.js';

const TOP = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// the quick run takes seconds; this is for a loaded machine, well inside the three minutes the brief allows
const QUICK_TIMEOUT_MS = 170_000;

function assertSummary(s: unknown, n: number, what: string) {
  assert.ok(s && typeof s === 'object' && !('failed' in s) && !('skipped' in s), `${what}: not measured: ${JSON.stringify(s)}`);
  const sum = s as Record<string, number>;
  assert.equal(sum.n, n, `${what}: n`);
  for (const k of ['median', 'p95', 'p99', 'min', 'max', 'mean']) assert.ok(Number.isFinite(sum[k]) && sum[k] >= 0, `${what}: ${k} is ${sum[k]}`);
}

const measured = (o: object, what: string) => assert.ok(!('failed' in o) && !('skipped' in o), `${what}: not measured: ${JSON.stringify(o)}`);

test('percentiles interpolate between ranks', () => {
  assert.equal(percentile([3, 1, 2], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([10], 99), 10);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(summarize([1, 2, 3, 4, 5]), { n: 5, median: 3, p95: 4.8, p99: 4.96, min: 1, max: 5, mean: 3 });
});

test('bench --quick writes every figure or the reason it is missing', { timeout: QUICK_TIMEOUT_MS + 10_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-bench-test-'));
  try {
    const out = path.join(dir, 'quick.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], { cwd: TOP, encoding: 'utf8', timeout: QUICK_TIMEOUT_MS });
    assert.equal(r.status, 0, `bench --quick failed (${r.signal ?? r.status}):\n${r.stderr.slice(-3000)}`);
    const res = JSON.parse(fs.readFileSync(out, 'utf8')) as Results;
    assert.equal(res.schema, 1);
    assert.equal(res.mode, 'quick');
    assert.ok(res.machine.cpus > 0 && res.machine.memoryBytes > 0);
    assert.deepEqual(Object.keys(res.tools).sort(), ['containerd', 'corral', 'podman', 'runc']);
    const p = res.params;
    assert.ok(p.runs >= 1 && p.runs <= 3 && p.concurrent <= 3 && p.memoryContainers <= 3, 'quick mode keeps N tiny');

    assertSummary(res.tools.runc.runToExit['runc run'], p.runs, 'runc run');

    const c: ToolResult = res.tools.corral;
    assert.match(c.version ?? '', /^corral /);
    assertSummary(c.runToExit['socket client'], p.runs, 'corral via client');
    assertSummary(c.runToExit['socat per call'], p.runs, 'corral via socat');
    measured(c.concurrent, 'corral concurrent');
    if (!('failed' in c.concurrent) && !('skipped' in c.concurrent)) {
      assert.equal(c.concurrent.containers, p.concurrent);
      for (const k of ['startMs', 'stopMs', 'deleteMs'] as const) assert.ok(c.concurrent[k] >= 0);
    }
    measured(c.memory, 'corral memory');
    if (!('failed' in c.memory) && !('skipped' in c.memory)) {
      assert.equal(c.memory.monitor.count, p.memoryContainers, 'one conmon per running container');
      assert.ok((c.memory.daemonIdleKiB ?? 0) > 0 && (c.memory.daemonLoadedKiB ?? 0) > 0 && (c.memory.daemonPeakKiB ?? 0) >= (c.memory.daemonLoadedKiB ?? 0));
    }
    measured(c.recovery, 'corral recovery');
    if (!('failed' in c.recovery) && !('skipped' in c.recovery)) assert.equal(c.recovery.listed, p.recoveryContainers, 'the restarted corrald lists every container');
    measured(c.api, 'corral api');
    if (!('failed' in c.api) && !('skipped' in c.api)) {
      for (const n of p.listRecords) {
        assertSummary({ ...c.api.list[String(n)], listed: undefined }, c.api.list[String(n)].n, `list ${n}`);
        assert.equal(c.api.list[String(n)].listed, n);
      }
      for (const n of p.rpsConnections) assert.ok(c.api.versionRps[String(n)].requests > 0 && c.api.versionRps[String(n)].rounds.length > 0, `daemon.version from ${n}`);
    }

    for (const peer of ['containerd', 'podman'] as const) {
      assert.ok('skipped' in res.tools[peer].concurrent, `${peer} is not run in quick mode`);
    }
    const md = fs.readFileSync(path.join(dir, 'quick.md'), 'utf8');
    assert.equal(md, markdown(res));
    assert.match(md, /\| figure \| unit \|/);
    assert.match(md, /skipped: --quick measures corral and bare runc only/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a tool that could not run shows its reason in the table, never a number', () => {
  const fail = { failed: 'podman: no cgroup here' };
  const empty = { skipped: 'not measured' };
  const tool = (runToExit: ToolResult['runToExit']): ToolResult => ({ version: null, runToExit, concurrent: empty, memory: empty, api: empty, recovery: empty });
  const res: Results = {
    schema: 1,
    mode: 'full',
    date: '2026-01-01T00:00:00Z',
    durationSeconds: 1,
    machine: { cpus: 2, cpuModel: 'x', memoryBytes: 2 ** 30, kernel: 'k', node: 'v20', cgroup: 'v1' },
    loadAverage: { start: 0, end: 0 },
    params: { runs: 1, concurrent: 1, memoryContainers: 1, listRecords: [1], rpsConnections: [1], rpsSeconds: 1, recoveryContainers: 1 },
    tools: {
      corral: tool({ 'socket client': summarize([50]) }),
      runc: tool({ 'runc run': summarize([40]) }),
      containerd: tool({ 'ctr run --rm': summarize([100]) }),
      podman: { ...tool({ all: fail }), concurrent: fail, memory: fail },
    },
  };
  const md = markdown(res);
  const row = md.split('\n').find((l) => l.startsWith('| run-to-exit, median (corral: socket client)'))!;
  assert.match(row, /\| 1\.25x \| 0\.50x \| — \| 50\.0 \| 40\.0 \| 100 \| see 1 \|/);
  assert.match(md, /1\. failed: podman: no cgroup here/);
});
