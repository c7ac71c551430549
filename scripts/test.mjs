#!/usr/bin/env node
// Runs the whole suite with node's test runner: every test/**/*.test.ts(x)
// through tsx. Integration tests drive real runc and conmon, so files run two
// at a time at most (a 2-core machine) and each test file gets a generous
// timeout; `npm test -- PATTERN` narrows the files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const filter = process.argv.slice(2);

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

const files = walk(path.join(top, 'test'))
  .map((f) => path.relative(top, f))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no test files match ${filter.join(' ')}\n`);
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', '--test-reporter=spec', ...files],
  { cwd: top, stdio: 'inherit', env: { ...process.env, CORRAL_TEST: '1' } },
);
process.exit(r.status ?? 1);
