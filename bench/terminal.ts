// The terminal bench (`npm run bench:terminal`): what corrald's relay costs
// over conmon's attach socket read directly, the floor. Keystroke round trip:
// one byte in, the same byte echoed back by a process on a raw terminal
// (`stty raw -echo; cat`), through process.input/process.output and through
// the socket itself, p50 and p99. Throughput: a process writing as fast as it
// can (busybox yes), bytes per second reaching a client that decodes every
// notification, against the same socket read directly. Writes
// bench/results/terminal.md; the goals are p50 within 1 ms of the
// floor and at least half its throughput.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBundle } from '../shared/bundle.js';
import { LineSplitter } from '../shared/lines.js';
import { launchCorrald } from '../shared/ready.js';
import { connectAttach } from '../daemon/oci/attach-socket.js';
import { summarize, type Summary } from './stats.js';

const TOP = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const READY_TIMEOUT_MS = 30_000;
/** One echo must come back well within this; past it the round is a failure, not a sample. */
const ECHO_TIMEOUT_MS = 5_000;
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 50 : 500;
const THROUGHPUT_MS = quick ? 1_000 : 3_000;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-bench-term-'));
const state = path.join(work, 'state');
const socket = path.join(state, 'corrald.sock');
const { child, ready } = launchCorrald(path.join(TOP, 'dist/corrald.js'), ['--root', path.join(work, 'root'), '--state', state, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
const client = await ready(socket, READY_TIMEOUT_MS);
const id = 'bench-term';
const attachFolder = (processId: string) => path.join(state, 'containers', id, processId, 'bundle');

/** Times ROUNDS one-byte round trips: SEND writes the byte, the promise it returns resolves when it came back. */
async function roundTrips(send: (b: Buffer) => Promise<void>): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = process.hrtime.bigint();
    await send(Buffer.from([0x61 + (i % 26)]));
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return summarize(samples);
}

/** An echo waiter over a stream of output chunks: resolves once the byte just sent is seen. */
function echoes() {
  let want: { byte: number; done: () => void } | undefined;
  return {
    feed: (data: Buffer) => {
      if (want && data.includes(want.byte)) {
        const w = want;
        want = undefined;
        w.done();
      }
    },
    expect: (byte: number) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no echo within ${ECHO_TIMEOUT_MS} ms`)), ECHO_TIMEOUT_MS);
        want = { byte, done: () => (clearTimeout(t), resolve()) };
      }),
  };
}

try {
  await client.request('container.create', { id, bundle: await createBundle(path.join(work, 'bundle'), { args: ['/bin/sleep', '100000'] }), start: true });
  const echoArgs = ['/bin/sh', '-c', 'stty raw -echo; echo ready; exec cat'];

  // through corrald
  await client.request('process.exec', { id, processId: 'echo1', args: echoArgs, terminal: true });
  const viaCorrald = echoes();
  client.onNotification('process.output', (n) => n.data && viaCorrald.feed(Buffer.from(n.data, 'base64')));
  await client.request('process.attach', { id, processId: 'echo1' });
  await new Promise((r) => setTimeout(r, 300));
  const corraldRtt = await roundTrips(async (b) => {
    const back = viaCorrald.expect(b[0]);
    await client.request('process.input', { id, processId: 'echo1', data: b.toString('base64') });
    await back;
  });

  // the floor: conmon's socket itself
  await client.request('process.exec', { id, processId: 'echo2', args: echoArgs, terminal: true });
  const direct = echoes();
  const conn = await connectAttach(attachFolder('echo2'), { onPacket: (_s, d) => direct.feed(d), onEnd: () => {} });
  await new Promise((r) => setTimeout(r, 300));
  const directRtt = await roundTrips(async (b) => {
    const back = direct.expect(b[0]);
    await conn.write(b);
    await back;
  });
  conn.close();

  // throughput: a client that decodes every notification, on a socket of its own
  await client.request('process.exec', { id, processId: 'yes1', args: ['/bin/busybox', 'yes', 'y'.repeat(100)] });
  const raw = net.createConnection(socket);
  const splitter = new LineSplitter();
  let viaBytes = 0;
  let overflowed = false;
  raw.on('data', (chunk: Buffer) => {
    for (const f of splitter.push(chunk)) {
      if (!('line' in f)) continue;
      const m = JSON.parse(f.line);
      if (m.params?.data) viaBytes += Buffer.from(m.params.data, 'base64').length;
      if (m.params?.overflow) overflowed = true;
    }
  });
  raw.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'process.attach', params: { id, processId: 'yes1' } }) + '\n');
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, THROUGHPUT_MS));
  const viaSeconds = (Date.now() - t0) / 1000;
  raw.destroy();
  let directBytes = 0;
  const c2 = await connectAttach(attachFolder('yes1'), { onPacket: (_s, d) => (directBytes += d.length), onEnd: () => {} });
  const t1 = Date.now();
  await new Promise((r) => setTimeout(r, THROUGHPUT_MS));
  const directSeconds = (Date.now() - t1) / 1000;
  c2.close();

  const mibs = (bytes: number, s: number) => +(bytes / 2 ** 20 / s).toFixed(1);
  const via = mibs(viaBytes, viaSeconds);
  const floor = mibs(directBytes, directSeconds);
  const report = [
    '# Terminals: corrald relay against conmon\'s attach socket',
    '',
    `Written by \`npm run bench:terminal\`${quick ? ' (--quick)' : ''} on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs.`,
    '',
    '| figure | through corrald | attach socket directly (floor) | goal | met |',
    '|---|---|---|---|---|',
    `| keystroke round trip p50 (ms) | ${corraldRtt.median} | ${directRtt.median} | within 1 ms of the floor | ${corraldRtt.median - directRtt.median <= 1 ? 'yes' : 'no'} |`,
    `| keystroke round trip p99 (ms) | ${corraldRtt.p99} | ${directRtt.p99} | | |`,
    `| output throughput (MiB/s) | ${via}${overflowed ? ' (the client fell behind: overflow)' : ''} | ${floor} | at least 50% of the floor | ${via >= floor / 2 ? 'yes' : 'no'} |`,
    '',
    `Round trips: ${ROUNDS} one-byte keystrokes each, one at a time, to \`stty raw -echo; cat\` on a terminal. Throughput: \`busybox yes\`, ${THROUGHPUT_MS / 1000} s each, the corrald figure as decoded by a client (JSON and base64).`,
    '',
  ].join('\n');
  process.stdout.write(report);
  if (!quick) fs.writeFileSync(path.join(TOP, 'bench/results/terminal.md'), report);
} finally {
  await client.request('container.delete', { id, force: true }).catch(() => {});
  client.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(work, { recursive: true, force: true });
}
