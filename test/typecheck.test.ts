// The whole tree type-checks in strict mode, tests, man page generator and
// bench included (the build's tsconfig covers only what ships), so a test or
// script cannot drift from the types of shared/api.ts unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TOP } from './helpers/daemon.js';

test('tsc -p tsconfig.check.json reports nothing', () => {
  const tsc = path.join(TOP, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(TOP, 'tsconfig.check.json')], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `type errors:\n${r.stdout}${r.stderr}`);
});
