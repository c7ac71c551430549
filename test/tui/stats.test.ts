// CPU % and the stats history: computed from the growth of the usage counter
// over wall time, restarted after a gap or a counter that went backwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendSample, MAX_SAMPLE_GAP_MS } from '../../tui/store/stats.js';

const sample = (usageNs: number) => ({ cpu: { usageNs }, memory: { usageBytes: 1024, limitBytes: 4096 }, pids: { current: 2, limit: 10 } });

test('the first sample has no CPU %, the next one the share of one core used since', () => {
  let p = appendSample(undefined, sample(1e9), 10_000, 60);
  assert.equal(p[0].cpu, undefined);
  assert.equal(p[0].mem, 1024);
  p = appendSample(p, sample(1e9 + 250e6), 11_000, 60); // 250 ms of CPU in 1 s
  assert.equal(p[1].cpu, 25);
  p = appendSample(p, sample(1e9 + 2250e6), 12_000, 60); // two cores busy
  assert.equal(p[2].cpu, 200);
});

test('a gap in polling or a counter going backwards starts the series afresh', () => {
  let p = appendSample(undefined, sample(5e9), 0, 60);
  p = appendSample(p, sample(6e9), MAX_SAMPLE_GAP_MS + 1, 60);
  assert.equal(p[1].cpu, undefined);
  p = appendSample(p, sample(1e6), MAX_SAMPLE_GAP_MS + 1001, 60);
  assert.equal(p[2].cpu, undefined);
});

test('only the last `keep` points are kept', () => {
  let p = appendSample(undefined, sample(0), 0, 3);
  for (let i = 1; i < 10; i++) p = appendSample(p, sample(i * 1e6), i * 1000, 3);
  assert.deepEqual(p.map((x) => x.t), [7000, 8000, 9000]);
});
