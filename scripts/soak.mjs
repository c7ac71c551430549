#!/usr/bin/env node
// `npm run soak -- [PATTERN ...] [--times N] [--load HOGS] [--nice N] [--keep-going]`:
// runs the chosen test files (all of them without a PATTERN) N times in a row
// beside HOGS busy CPU loops, the way CI's busy 2-core machines run them, so
// that a race which fails one run in twenty shows itself and its fix can be
// proved. The hogs are plain node loops (nothing to install), niced by --nice
// (default 10, as a neighbour's batch job would be; 0 makes them as greedy as
// the tests). It stops at the first failing run unless --keep-going, and ends
// with one line "N passed, N failed" counting runs.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function usage(message) {
  process.stderr.write(`soak: ${message}\nusage: npm run soak -- [PATTERN ...] [--times N] [--load HOGS] [--nice N] [--keep-going]\n`);
  process.exit(2);
}

const patterns = [];
const opts = { times: 30, load: 2, nice: 10, keepGoing: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const number = (name) => {
    const v = argv[++i];
    if (v === undefined || !/^\d+$/.test(v)) usage(`${a} takes a whole number, got ${v ?? 'nothing'}`);
    opts[name] = Number(v);
  };
  if (a === '--times') number('times');
  else if (a === '--load') number('load');
  else if (a === '--nice') number('nice');
  else if (a === '--keep-going') opts.keepGoing = true;
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else patterns.push(a);
}
if (opts.times < 1) usage('--times must be at least 1');

const HOG = 'for (;;) {}';
const hogs = Array.from({ length: opts.load }, () => spawn('nice', ['-n', String(opts.nice), process.execPath, '-e', HOG], { stdio: 'ignore' }));
const stopHogs = () => {
  for (const h of hogs) h.kill('SIGKILL');
};
process.on('exit', stopHogs);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

process.stderr.write(`soak: ${patterns.length ? patterns.join(' ') : 'every test file'}, ${opts.times} times, beside ${opts.load} CPU hog(s) at nice ${opts.nice} on ${os.cpus().length} cores\n`);
let passed = 0;
let failed = 0;
const durations = [];
for (let run = 1; run <= opts.times; run++) {
  const t = Date.now();
  const status = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(top, 'scripts/test.mjs'), ...patterns], { cwd: top, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      // a failing run's whole output is what its reader needs; a passing one's is noise
      if (code !== 0) process.stdout.write(out);
      resolve(code ?? 1);
    });
  });
  const secs = (Date.now() - t) / 1000;
  durations.push(secs);
  if (status === 0) passed++;
  else failed++;
  process.stderr.write(`soak: run ${run}/${opts.times} ${status === 0 ? 'passed' : 'FAILED'} in ${secs.toFixed(1)} s\n`);
  if (status !== 0 && !opts.keepGoing) break;
}
durations.sort((a, b) => a - b);
process.stderr.write(`soak: median run ${durations[Math.floor(durations.length / 2)].toFixed(1)} s\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
stopHogs();
process.exit(failed ? 1 : 0);
