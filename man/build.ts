// `npm run man`: writes man/corrald.8, man/corral.1 and man/corral-rpc.7 from
// man/src/*.md and the code (see man/pages.ts). The outputs are committed so
// that `man -l man/corrald.8` and the package's `man` field work without a
// build; test/man.test.ts fails when they are older than what this writes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAN_DIR, renderPages } from './pages.js';

for (const [file, text] of renderPages()) {
  writeFileSync(path.join(MAN_DIR, file), text);
  process.stdout.write(`wrote man/${file}\n`);
}
