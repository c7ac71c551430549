#!/usr/bin/env node
// `npm run lint`, also the step of `npm test` before the tests: runs eslint
// (eslint.config.js: unused code and typescript-eslint's recommended rules)
// and knip (knip.jsonc: unused exports, files and dependencies) from
// node_modules, so it needs no network after `npm install`. Both always run,
// so one pass shows every finding; the last line says which of them failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const tools = [
  { name: 'eslint', bin: 'node_modules/eslint/bin/eslint.js', args: ['--max-warnings=0', '.'], hint: 'unused code or a break of a recommended rule' },
  { name: 'knip', bin: 'node_modules/knip/bin/knip.js', args: ['--no-progress'], hint: 'unused exports, files or dependencies; remove the `export` or the code' },
];

const failed = [];
for (const tool of tools) {
  const bin = path.join(top, tool.bin);
  if (!fs.existsSync(bin)) {
    process.stderr.write(`lint: ${tool.name} is not installed; run npm install\n`);
    process.exit(1);
  }
  const r = spawnSync(process.execPath, [bin, ...tool.args], { cwd: top, stdio: 'inherit' });
  if (r.status !== 0) failed.push(tool);
}
if (failed.length) {
  for (const tool of failed) process.stderr.write(`lint: ${tool.name} failed: ${tool.hint}; see its findings above\n`);
  process.exit(1);
}
