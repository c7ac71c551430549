#!/usr/bin/env node
// The rest of `npm start` after set-up and build: starts corrald in the
// background unless one already answers on the default socket, makes a demo
// bundle from busybox, creates two demo containers, and opens the terminal UI
// (or, without a terminal, prints the daemon's state as JSON).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { Client, DEFAULT_SOCKET, DEFAULT_STATE_DIR } = await import(path.join(top, 'dist/shared/client.js'));
const { createBundle } = await import(path.join(top, 'dist/shared/bundle.js'));
const { launchCorrald } = await import(path.join(top, 'dist/shared/ready.js'));
const ROOT = '/var/lib/corral';
const LOG = path.join(DEFAULT_STATE_DIR, 'corrald.log');
/** corrald restores and listens in well under a second; this bounds a broken start. */
const START_TIMEOUT_MS = 20_000;

async function connect() {
  try {
    return await Client.connect(DEFAULT_SOCKET, 1000);
  } catch {
    return undefined;
  }
}

let client = await connect();
if (!client) {
  fs.mkdirSync(DEFAULT_STATE_DIR, { recursive: true, mode: 0o711 });
  const out = fs.openSync(LOG, 'a');
  const { child: daemon, ready } = launchCorrald(path.join(top, 'dist/corrald.js'), ['--root', ROOT, '--state', DEFAULT_STATE_DIR], { stdio: ['ignore', out, out], detached: true }, () => `see ${LOG}`);
  daemon.unref();
  process.stderr.write(`corral: started corrald (pid ${daemon.pid}); its log is ${LOG}\n`);
  try {
    client = await ready(DEFAULT_SOCKET, START_TIMEOUT_MS);
  } catch (err) {
    process.stderr.write(`corral: ${err.message}\n`);
    process.exit(1);
  }
}

const demos = [
  { id: 'demo-web', args: ['/bin/sh', '-c', 'i=0; while true; do i=$((i+1)); echo "request $i served"; [ $((i % 5)) -eq 0 ] && echo "slow request $i" >&2; sleep 2; done'] },
  { id: 'demo-sleeper', args: ['/bin/sleep', '86400'] },
];
for (const demo of demos) {
  const bundle = await createBundle(path.join(ROOT, 'bundles', demo.id), { args: demo.args, hostname: demo.id });
  const have = await client.request('container.get', { id: demo.id }).catch(() => null);
  if (have && have.state === 'stopped' && have.labels?.demo === 'true') {
    // a demo that ended (a reboot, a kill) is made anew, so npm start always shows it running
    await client.request('container.delete', { id: demo.id });
    process.stderr.write(`corral: ${demo.id} had stopped (${have.exitReason ?? `exit ${have.exitStatus}`}); making it anew\n`);
  } else if (have) continue;
  await client.request('container.create', { id: demo.id, bundle, labels: { demo: 'true' }, start: true });
  process.stderr.write(`corral: created and started ${demo.id} from ${bundle}\n`);
}

if (!process.stdout.isTTY || !process.stdin.isTTY) {
  const info = await client.request('daemon.info');
  const list = await client.request('container.list');
  process.stdout.write(JSON.stringify({ info, containers: list.containers.map((c) => ({ id: c.id, state: c.state, pid: c.pid })) }, null, 2) + '\n');
  client.close();
} else {
  client.close();
  const tui = spawn(process.execPath, [path.join(top, 'dist/tui/main.js'), '--socket', DEFAULT_SOCKET], { stdio: 'inherit' });
  tui.on('exit', (code) => process.exit(code ?? 0));
}
