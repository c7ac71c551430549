#!/usr/bin/env node
// The second half of `npm run build`: after tsc has type-checked and emitted
// dist/, esbuild bundles corrald into the one file dist/corrald.js that the
// bin entry, the systemd unit, npm start, the tests and the bench all run.
// One file instead of ~150 ES modules (ours, zod's, pino's) is what makes it
// worth it: Node keeps a module record, its source and its compiled code per
// module, and the bundle leaves out what corrald never imports (zod's other
// locales, for one), so corrald starts about 12 MiB smaller.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

await build({
  entryPoints: [path.join(top, 'daemon/main.ts')],
  outfile: path.join(top, 'dist/corrald.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // pino and its helpers are CommonJS and call require(); an ES module bundle needs one.
  banner: { js: "import { createRequire as __corralCreateRequire } from 'node:module'; const require = __corralCreateRequire(import.meta.url);" },
  // loaded by node from node_modules: a native N-API module (the SEQPACKET attach socket) cannot be
  // bundled, and grpc and ws are loaded only when the CRI is on (daemon/cri/server.ts imports them dynamically)
  external: ['node-unix-socket', '@grpc/grpc-js', '@grpc/proto-loader', 'ws'],
  logLevel: 'warning',
});
// Run as a program (its first line carries corrald's node flags), never as `node FILE`.
fs.chmodSync(path.join(top, 'dist/corrald.js'), 0o755);
