// Keeps `npm run bench` from rotting: runs bench/run.ts --quick once (corral
// and bare runc, N of 1-4, no containerd or podman, every phase: images, the
// per-hop profile, the scale phase with its chart) and checks the shape of
// the JSON it writes and that every figure it promises is either a number or
// says why it is missing. Timings are never asserted: they depend on the
// machine, and a slow CI must not fail for being slow. What is asserted is
// what must hold at any speed: every exit reported once, every container
// back after a SIGKILL, the profile's hops all traced.
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
    assert.equal(res.schema, 2);
    assert.equal(res.mode, 'quick');
    assert.ok(res.machine.cpus > 0 && res.machine.memoryBytes > 0);
    assert.deepEqual(Object.keys(res.tools).sort(), ['containerd', 'corral', 'podman', 'runc']);
    const p = res.params;
    assert.ok(p.runs >= 1 && p.runs <= 3 && p.concurrent <= 3 && p.memoryContainers <= 3 && p.diskContainers <= 3 && Math.max(...p.scaleLevels) <= 4, 'quick mode keeps N tiny');

    assertSummary(res.tools.runc.runToExit['runc run'], p.runs, 'runc run');
    assertSummary(res.tools.runc.runToExit['runc split'], p.runs, 'runc split');

    const c: ToolResult = res.tools.corral;
    assert.match(c.version ?? '', /^corral /);
    assertSummary(c.runToExit['socket client'], p.runs, 'corral via client');
    assertSummary(c.runToExit['socat per call'], p.runs, 'corral via socat');
    assertSummary(c.runToExit['from image'], p.runs, 'corral from the image');
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

    measured(c.disk, 'corral disk');
    if (!('failed' in c.disk) && !('skipped' in c.disk)) {
      assert.equal(c.disk.containers, p.diskContainers);
      assert.ok(c.disk.afterBytes > c.disk.beforeBytes && c.disk.beforeBytes > 0, 'the image is on disk before, the containers add to it');
      assert.ok(c.disk.oneContainer.root > 0 && 'root/state.json' in c.disk.oneContainer, JSON.stringify(c.disk.oneContainer));
    }
    measured(c.pull, 'corral pull');
    if (!('failed' in c.pull) && !('skipped' in c.pull)) {
      assertSummary(c.pull.corral, p.pullRounds, 'image.pull');
      assertSummary(c.pull.skopeo, p.pullRounds, 'skopeo copy');
      assert.ok(c.pull.imageBytes > 0);
    }

    measured(res.profile, 'profile');
    if (!('failed' in res.profile) && !('skipped' in res.profile)) {
      const hops = res.profile.hops.map((h) => h.hop);
      for (const h of ['read:container.create', 'conmon.spawned', 'conmon.sync', 'runc.start', 'exit.seen', 'exit.recorded', 'reply:container.wait', 'runc.delete', 'client:recv:container.delete']) assert.ok(hops.includes(h), `hop ${h} traced: ${hops.join(' ')}`);
      assert.ok(res.profile.runcSplit && res.profile.runcSplit.create > 0, 'runc split hops');
      assert.equal(res.profile.total.n, p.profileRuns);
    }
    measured(res.profileImage, 'profile from the image');
    if (!('failed' in res.profileImage) && !('skipped' in res.profileImage)) {
      assert.ok(res.profileImage.hops.some((h) => h.hop === 'rootfs.mounted'), 'the overlay mount is a hop of a run from an image');
    }

    measured(res.scale, 'scale');
    if (!('failed' in res.scale) && !('skipped' in res.scale)) {
      assert.deepEqual(res.scale.levels.map((l) => l.containers), p.scaleLevels);
      for (const l of res.scale.levels) {
        assert.deepEqual(l.exitEvents, { once: l.containers, missing: 0, duplicated: 0 }, `every exit reported once with ${l.containers}`);
        assert.equal(l.recovery.listed, l.containers);
        assert.equal(l.recovery.running, l.containers, 'every container running after the SIGKILL');
        assert.ok((l.rssKiB ?? 0) > 0 && l.list.n > 0);
      }
      const svg = fs.readFileSync(path.join(dir, 'quick-scale.svg'), 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /container.list p50/);
    }

    for (const peer of ['containerd', 'podman'] as const) {
      assert.ok('skipped' in res.tools[peer].concurrent, `${peer} is not run in quick mode`);
    }
    const md = fs.readFileSync(path.join(dir, 'quick.md'), 'utf8');
    assert.equal(md, markdown(res, 'quick-scale.svg'));
    assert.match(md, /## Images \(issue 14\)/);
    assert.match(md, /\| conmon.sync \|/);
    assert.match(md, /!\[[^\]]*\]\(quick-scale.svg\)/);
    assert.match(md, /\| figure \| unit \|/);
    assert.match(md, /skipped: --quick measures corral and bare runc only/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a tool that could not run shows its reason in the table, never a number', () => {
  const fail = { failed: 'podman: no cgroup here' };
  const empty = { skipped: 'not measured' };
  const tool = (runToExit: ToolResult['runToExit']): ToolResult => ({ version: null, runToExit, concurrent: empty, memory: empty, api: empty, recovery: empty, disk: empty, pull: empty });
  const res: Results = {
    schema: 2,
    mode: 'full',
    phases: ['run'],
    date: '2026-01-01T00:00:00Z',
    durationSeconds: 1,
    machine: { cpus: 2, cpuModel: 'x', memoryBytes: 2 ** 30, kernel: 'k', node: 'v20', cgroup: 'v1' },
    loadAverage: { start: 0, end: 0 },
    params: { runs: 1, concurrent: 1, memoryContainers: 1, listRecords: [1], rpsConnections: [1], rpsSeconds: 1, recoveryContainers: 1, diskContainers: 1, pullRounds: 1, profileRuns: 1, scaleLevels: [1] },
    tools: {
      corral: tool({ 'socket client': summarize([50]) }),
      runc: tool({ 'runc run': summarize([40]) }),
      containerd: tool({ 'ctr run --rm': summarize([100]) }),
      podman: { ...tool({ all: fail }), concurrent: fail, memory: fail },
    },
    profile: empty,
    profileImage: empty,
    scale: { failed: 'scale: no memory' },
  };
  const md = markdown(res);
  const row = md.split('\n').find((l) => l.startsWith('| run-to-exit, median (corral: socket client)'))!;
  assert.match(row, /\| 1\.25x \| 0\.50x \| — \| 50\.0 \| 40\.0 \| 100 \| see 1 \|/);
  assert.match(md, /1\. failed: podman: no cgroup here/);
  assert.match(md, /## Scale \(issue 18\)\n\nNot measured: failed: scale: no memory\./);
});
