// Terminals through the API against real conmon ptys: tty and stty size
// after a resize, the same shell found again after corrald was SIGKILLed and
// restarted, 10 MiB of random bytes through a stdin pipe and back byte-exact,
// 1 MiB through a terminal whole, two attachers and a reader that stops
// reading (cut off with overflow while the other goes on), the read-only
// socket, and every bad input answered with its typed error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startDaemon, uid, until, type DaemonHandle } from '../helpers/daemon.js';
import { Attached } from '../helpers/attach.js';
import { RawPeer } from '../helpers/raw.js';
import { Client } from '../../shared/client.js';
import { isCorralError, type ErrorReason } from '../../shared/errors.js';
import { MAX_INPUT_BYTES } from '../../shared/api.js';

let d: DaemonHandle;
let client: Client;
const ctr = uid('term');
/** A text file of 1 MiB in the container, for the terminal throughput check. */
const BIG_LINES = 16 * 1024;
const bigLine = (i: number) => `line ${String(i).padStart(8, '0')} ${'x'.repeat(49)}\n`;

before(async () => {
  d = await startDaemon();
  client = await d.client();
  const bundle = await d.bundle(['/bin/sleep', '100000']);
  await fs.writeFile(path.join(bundle, 'rootfs/etc/big.txt'), Array.from({ length: BIG_LINES }, (_, i) => bigLine(i)).join(''));
  await client.request('container.create', { id: ctr, bundle, start: true });
});

after(async () => {
  await d?.cleanup();
});

async function rejects(p: Promise<unknown>, reason: ErrorReason, match?: RegExp): Promise<void> {
  await assert.rejects(p, (err) => {
    assert.ok(isCorralError(err, reason), `expected ${reason}, got ${String(err)}`);
    if (match) assert.match((err as Error).message, match);
    return true;
  });
}

test('a terminal exec: tty is a pty, stty size follows process.resize, exit status ends the attach', async () => {
  const p = await client.request('process.exec', { id: ctr, processId: 'tty1', args: ['/bin/sh'], terminal: true, rows: 30, cols: 100 });
  assert.equal(p.terminal, true);
  const a = await Attached.open(client, ctr, 'tty1');
  assert.equal(a.terminal, true);
  await a.waitFor('/ # ');
  await a.type(ctr, 'tty1', 'tty; stty size\n');
  await a.waitFor(/\/dev\/pts\/\d+\r\n30 100\r\n/);
  await client.request('process.resize', { id: ctr, processId: 'tty1', rows: 33, cols: 120 });
  const from = a.out.length;
  await a.type(ctr, 'tty1', 'stty size\n');
  await a.waitFor('33 120\r\n', from);
  await a.type(ctr, 'tty1', 'exit 7\n');
  const end = await a.waitEnd();
  assert.equal(end.exitStatus, 7);
  assert.deepEqual(await client.request('process.wait', { id: ctr, processId: 'tty1', timeoutMs: 5000 }).then((e) => e.exitStatus), 7);
  // the early banner came although the attach was made after the exec: conmon waited for corrald (--exec-attach)
  assert.match(a.text, /BusyBox/);
});

test('a full-screen program redraws at the new size', async () => {
  await client.request('process.exec', { id: ctr, processId: 'top1', args: ['/bin/busybox', 'top', '-d', '1'], terminal: true, rows: 20, cols: 80 });
  const a = await Attached.open(client, ctr, 'top1');
  await a.waitFor('PID');
  await client.request('process.resize', { id: ctr, processId: 'top1', rows: 40, cols: 160 });
  const from = a.out.length;
  // top clears and redraws the screen on its next tick, at the new size
  await a.waitFor('\x1b[H', from);
  await client.request('process.kill', { id: ctr, processId: 'top1', signal: 'KILL' });
  assert.equal((await a.waitEnd()).exitStatus, 137);
});

test('the shell lives in conmon: SIGKILL corrald, restart it, attach again to the same shell with its history', async () => {
  await client.request('process.exec', { id: ctr, processId: 'keep', args: ['/bin/sh'], terminal: true });
  let a = await Attached.open(client, ctr, 'keep');
  await a.waitFor('/ # ');
  await a.type(ctr, 'keep', 'MARK=kept-$$; echo "pid=$$"\n');
  const pid = (await a.waitFor(/pid=(\d+)\r\n/)).match(/pid=(\d+)\r\n/)![1];
  await d.kill9();
  await d.restart();
  client = await d.client();
  a = await Attached.open(client, ctr, 'keep');
  await a.type(ctr, 'keep', 'echo "again=$$ $MARK"\n');
  await a.waitFor(`again=${pid} kept-${pid}`);
  // history: up-arrow twice recalls the first command, which prints pid= again
  const from = a.out.length;
  await a.type(ctr, 'keep', '\x1b[A\x1b[A\n');
  await a.waitFor(`pid=${pid}`, from);
  await a.type(ctr, 'keep', 'exit\n');
  assert.equal((await a.waitEnd()).exitStatus, 0);
});

test('10 MiB of random bytes through a stdin pipe (exec -i cat) come back byte-exact', async () => {
  const data = randomBytes(10 * 1024 * 1024);
  await client.request('process.exec', { id: ctr, processId: 'cat10', args: ['/bin/cat'], stdin: true });
  const a = await Attached.open(client, ctr, 'cat10');
  for (let off = 0; off < data.length; off += MAX_INPUT_BYTES) {
    await client.request('process.input', { id: ctr, processId: 'cat10', data: data.subarray(off, off + MAX_INPUT_BYTES).toString('base64') });
  }
  await client.request('process.input', { id: ctr, processId: 'cat10', eof: true });
  const end = await a.waitEnd(60_000);
  assert.equal(end.exitStatus, 0);
  assert.equal(a.out.length, data.length);
  assert.equal(createHash('sha256').update(a.out).digest('hex'), createHash('sha256').update(data).digest('hex'));
  await rejects(client.request('process.input', { id: ctr, processId: 'cat10', data: 'eA==' }), 'invalid_state', /exited/);
});

test('1 MiB of text cat-ed on a terminal arrives whole', async () => {
  await client.request('process.exec', { id: ctr, processId: 'big', args: ['/bin/cat', '/etc/big.txt'], terminal: true });
  const a = await Attached.open(client, ctr, 'big');
  assert.equal((await a.waitEnd(60_000)).exitStatus, 0);
  // the terminal turns each \n into \r\n (onlcr)
  const text = a.text.replaceAll('\r\n', '\n');
  assert.equal(text.length, BIG_LINES * 64);
  assert.equal(text, Array.from({ length: BIG_LINES }, (_, i) => bigLine(i)).join(''));
});

test('two attachers see the same output; one that stops reading is cut off with overflow, the other goes on', async () => {
  // about 1 MiB every 200 ms: fast enough to pass a stalled reader's cap within seconds, slow enough for readers that read
  await client.request('process.exec', { id: ctr, processId: 'flood', args: ['/bin/sh', '-c', 'while true; do cat /etc/big.txt; sleep 0.2; done'], stdin: true });
  const second = await d.client();
  const a = await Attached.open(client, ctr, 'flood');
  const b = await Attached.open(second, ctr, 'flood');
  // a raw peer attaches and never reads: its backlog passes the cap and its attach alone ends
  const slow = await RawPeer.connect(d.socket);
  await slow.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'process.attach', params: { id: ctr, processId: 'flood' } }) + '\n');
  const reply = await slow.next();
  assert.ok(reply.result.subscription);
  slow.socket.pause();
  await until(() => a.length > 16 * 1024 * 1024 || a.end, 'the reading attachers to take 16 MiB', 60_000);
  slow.socket.resume();
  let last: { method: string; params: { end?: boolean; overflow?: boolean } } | undefined;
  for (;;) {
    const m = await slow.next(30_000);
    assert.ok(m, 'the slow peer was disconnected instead of having its attach ended');
    if (m.params?.end) {
      last = m;
      break;
    }
  }
  assert.equal(last?.method, 'process.output');
  assert.equal(last?.params.overflow, true);
  slow.close();
  // the readers go on, and saw the same bytes
  const before = b.length;
  await until(() => b.length > before + 1024 * 1024, 'the second reader to go on after the overflow', 30_000);
  assert.equal(a.end, undefined);
  assert.equal(b.end, undefined);
  // stopped before the bytes are compared: comparing megabytes keeps this test from reading meanwhile
  await client.request('process.kill', { id: ctr, processId: 'flood', signal: 'KILL' });
  assert.deepEqual(await a.waitEnd().then((e) => [e.exitStatus, e.overflow]), [137, undefined]);
  assert.deepEqual(await b.waitEnd().then((e) => [e.exitStatus, e.overflow]), [137, undefined]);
  second.close();
  // the second attached later: what it saw is the first one's stream from where it joined
  const A = a.out;
  const B = b.out;
  const at = A.indexOf(B.subarray(0, 64 * 1024));
  assert.ok(at >= 0, 'the second attacher saw bytes the first never did');
  const common = Math.min(A.length - at, B.length);
  assert.ok(common > 1024 * 1024 && A.subarray(at, at + common).equals(B.subarray(0, common)), 'the two attachers saw different bytes');
});

test('a command that exits before its attach still hands over its output', async () => {
  await client.request('process.exec', { id: ctr, processId: 'quick', args: ['/bin/echo', 'quick-output'], terminal: true });
  await client.request('process.wait', { id: ctr, processId: 'quick', timeoutMs: 5000 });
  const a = await Attached.open(client, ctr, 'quick');
  assert.equal((await a.waitEnd()).exitStatus, 0);
  assert.equal(a.text, 'quick-output\r\n');
  // once only: then it is an exited process like any other
  await rejects(client.request('process.attach', { id: ctr, processId: 'quick' }), 'invalid_state', /exited/);
});

test('process.attach tail shows what came before; detach leaves the process running', async () => {
  await client.request('process.exec', { id: ctr, processId: 'talk', args: ['/bin/sh'], terminal: true });
  let a = await Attached.open(client, ctr, 'talk');
  await a.type(ctr, 'talk', 'echo before-detach\n');
  await a.waitFor('before-detach\r\n');
  await client.request('process.detach', { subscription: a.subscription });
  await rejects(client.request('process.detach', { subscription: a.subscription }), 'not_found');
  const [p] = (await client.request('process.list', { id: ctr })).processes.filter((x) => x.id === 'talk');
  assert.equal(p.state, 'running');
  a = await Attached.open(client, ctr, 'talk', 200);
  await a.waitFor('before-detach');
  await a.type(ctr, 'talk', 'exit\n');
  await a.waitEnd();
});

test('the read-only socket may attach but neither type nor resize', async () => {
  await client.request('process.exec', { id: ctr, processId: 'ro', args: ['/bin/sh'], terminal: true });
  const ro = await Client.connect(d.roSocket);
  try {
    const a = await Attached.open(ro, ctr, 'ro');
    await rejects(ro.request('process.input', { id: ctr, processId: 'ro', data: 'ZWNobyBoaQo=' }), 'method_not_found', /read-only/);
    await rejects(ro.request('process.resize', { id: ctr, processId: 'ro', rows: 10, cols: 10 }), 'method_not_found', /read-only/);
    await client.request('process.input', { id: ctr, processId: 'ro', data: Buffer.from('echo seen-by-ro\n').toString('base64') });
    await a.waitFor('seen-by-ro\r\n');
  } finally {
    ro.close();
  }
  await client.request('process.kill', { id: ctr, processId: 'ro', signal: 'KILL' });
});

test('bad input: unknown or exited processes, oversized input, resize without a terminal, eof on a terminal, size without one', async () => {
  await rejects(client.request('process.attach', { id: 'no-such', processId: 'x' }), 'not_found');
  await rejects(client.request('process.attach', { id: ctr, processId: 'no-such' }), 'not_found');
  await rejects(client.request('process.input', { id: ctr, processId: 'no-such', data: 'eA==' }), 'not_found');
  await rejects(client.request('process.resize', { id: ctr, processId: 'no-such', rows: 1, cols: 1 }), 'not_found');
  // exited ones (tty1 exited 7 above)
  await rejects(client.request('process.attach', { id: ctr, processId: 'tty1' }), 'invalid_state', /exited.*process\.logs/);
  await rejects(client.request('process.input', { id: ctr, processId: 'tty1', data: 'eA==' }), 'invalid_state', /exited/);
  await rejects(client.request('process.resize', { id: ctr, processId: 'tty1', rows: 10, cols: 10 }), 'invalid_state', /exited/);
  // init runs without a terminal or stdin: attach is fine (output only), input and resize are not
  const a = await Attached.open(client, ctr, 'init');
  assert.equal(a.terminal, false);
  await client.request('process.detach', { subscription: a.subscription });
  await rejects(client.request('process.resize', { id: ctr, rows: 10, cols: 10 }), 'invalid_state', /no terminal/);
  await rejects(client.request('process.input', { id: ctr, data: 'eA==' }), 'invalid_state', /neither a terminal nor a stdin/);
  await client.request('process.exec', { id: ctr, processId: 'bad', args: ['/bin/sh'], terminal: true });
  await rejects(client.request('process.input', { id: ctr, processId: 'bad', data: randomBytes(MAX_INPUT_BYTES + 1).toString('base64') }), 'limit_exceeded');
  await rejects(client.request('process.input', { id: ctr, processId: 'bad', eof: true }), 'invalid_state', /Ctrl-D/);
  await rejects(client.request('process.input', { id: ctr, processId: 'bad', data: 'not base64!' }), 'invalid_params');
  await rejects(client.request('process.resize', { id: ctr, processId: 'bad', rows: 0, cols: 10 }), 'invalid_params');
  await rejects(client.request('process.exec', { id: ctr, processId: 'bad2', args: ['/bin/sh'], rows: 10 }), 'invalid_params', /terminal: true/);
  await client.request('process.kill', { id: ctr, processId: 'bad', signal: 'KILL' });
  await client.request('process.wait', { id: ctr, processId: 'bad', timeoutMs: 5000 });
  // a stdin pipe whose eof was sent takes no more input
  await client.request('process.exec', { id: ctr, processId: 'eof', args: ['/bin/sleep', '100'], stdin: true });
  await client.request('process.input', { id: ctr, processId: 'eof', eof: true });
  await rejects(client.request('process.input', { id: ctr, processId: 'eof', data: 'eA==' }), 'invalid_state', /closed/);
  await client.request('process.kill', { id: ctr, processId: 'eof', signal: 'KILL' });
});

test('container.create terminal: true (or the bundle\'s process.terminal) runs init on a terminal; its first output waits for the first attach', async () => {
  const id = uid('term-init');
  const bundle = await d.bundle(['/bin/sh']);
  const c = await client.request('container.create', { id, bundle, start: true, terminal: true });
  assert.equal(c.processes[0].terminal, true);
  const a = await Attached.open(client, id);
  await a.waitFor('/ # ');
  await a.type(id, 'init', 'exit 4\n');
  assert.equal((await a.waitEnd()).exitStatus, 4);
  assert.equal((await client.request('container.wait', { id, timeoutMs: 5000 })).exitStatus, 4);
  await client.request('container.delete', { id });

  // a bundle's own process.terminal: true does the same
  const own = uid('term-bundle');
  const config = path.join(bundle, 'config.json');
  const spec = JSON.parse(await fs.readFile(config, 'utf8'));
  await fs.writeFile(config, JSON.stringify({ ...spec, process: { ...spec.process, terminal: true, args: ['/bin/sh', '-c', 'tty; exit 6'] } }));
  await client.request('container.create', { id: own, bundle, start: true });
  const b = await Attached.open(client, own);
  await b.waitFor(/\/dev\/pts\/\d+\r\n/);
  assert.equal((await b.waitEnd()).exitStatus, 6);
  await client.request('container.delete', { id: own });
});
