#!/usr/bin/env node
// The second half of `npm run build`: after tsc has type-checked and emitted
// dist/, esbuild bundles corrald into dist/corrald.js, the file that the bin
// entry, the systemd unit, npm start, the tests and the bench all run, plus
// the chunks in dist/corrald-chunks/ that it imports on first use. Bundling
// instead of ~150 ES modules (ours, zod's, pino's) is what makes it worth it:
// Node keeps a module record, its source and its compiled code per module,
// and the bundle leaves out what corrald never imports. What corrald needs
// only for some calls (the CRI's services, the SEQPACKET attach socket) is
// split into chunks behind a dynamic import(), so an idle corrald never holds
// their source or runs their top-level code.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(top, 'dist');
const chunks = 'corrald-chunks';

/**
 * zod's namespace object `z` re-exports every locale (`z.locales`, ~400 KB of
 * source) and esbuild keeps all of a namespace that is imported whole. corrald
 * uses only English, which zod's config() loads on its own: the locales'
 * index becomes an empty module. (V8 keeps the source of every script it has
 * loaded, so unused source is memory too.)
 */
const noZodLocales = {
  name: 'no-zod-locales',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => (args.importer.includes(`${path.sep}zod${path.sep}`) ? { path: 'zod-locales', namespace: 'no-zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-zod-locales' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * pino asks node:worker_threads for isMainThread and, through thread-stream,
 * for Worker, both for its transports; loading the module costs corrald about
 * 1.5 MiB (its code and the node internals it brings). corrald logs from its
 * main thread to a synchronous fd destination and has no transport, so pino
 * gets exactly that answer, and a Worker that says why it is not there.
 */
const pinoOnMainThread = {
  name: 'pino-on-main-thread',
  setup(b) {
    const fromPino = new RegExp(`node_modules\\${path.sep}(pino|thread-stream)\\${path.sep}`);
    b.onResolve({ filter: /^(node:)?worker_threads$/ }, (args) => (fromPino.test(args.importer) ? { path: 'worker_threads', namespace: 'pino-on-main-thread' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'pino-on-main-thread' }, () => ({
      contents: "exports.isMainThread = true; exports.Worker = class Worker { constructor() { throw new Error('pino transports are not part of corrald'); } };",
      loader: 'js',
    }));
  },
};

fs.rmSync(path.join(dist, chunks), { recursive: true, force: true });
const result = await build({
  entryPoints: { corrald: path.join(top, 'daemon/main.ts') },
  outdir: dist,
  chunkNames: `${chunks}/[name]-[hash]`,
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  metafile: true,
  // pino and its helpers are CommonJS and call require(); an ES module bundle needs one (each chunk its own).
  banner: { js: "import { createRequire as __corralCreateRequire } from 'node:module'; const require = __corralCreateRequire(import.meta.url);" },
  // loaded by node from node_modules: a native N-API module (the SEQPACKET attach socket) cannot be
  // bundled, and grpc and ws are loaded only when the CRI is on (daemon/cri/server.ts imports them dynamically)
  external: ['node-unix-socket', '@grpc/grpc-js', '@grpc/proto-loader', 'ws'],
  plugins: [noZodLocales, pinoOnMainThread],
  logLevel: 'warning',
});

// Node holds a script's source as one-byte characters only if every character
// is ASCII: a single em dash in a comment doubles the 1 MB of the bundle in
// corrald's heap. esbuild escapes strings but copies comments as written.
for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const p = path.join(top, file);
  const text = fs.readFileSync(p, 'utf8');
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(text)) fs.writeFileSync(p, text.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`));
}
// Run as a program (its first line carries corrald's node flags), never as `node FILE`.
fs.chmodSync(path.join(dist, 'corrald.js'), 0o755);
