// The CRI's Exec and Attach end to end, against real runc and conmon: the
// RPC answers a URL on corrald's streaming server, and a WebSocket client
// speaking v5.channel.k8s.io (as `crictl exec --transport websocket` and
// kubectl do) drives it: a shell on a terminal (prompt, a command typed,
// resize seen by `stty size`, the exit code on channel 3), a command without
// one (stdout and stderr apart, stdin closed by v5's close channel), Attach
// to a container created with tty (and again after a SIGKILL of corrald: the
// shell lives in conmon) or with stdin, one-time tokens, a reader that does
// not read being cut off, and the errors of the RPCs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { until, type DaemonHandle } from '../helpers/daemon.js';
import { criClient, criFixture, grpcCode, type CriClient, type CriFixture } from '../helpers/cri.js';
import { StreamClient } from '../helpers/cri-stream.js';
import { GrpcCode } from '../../daemon/cri/convert.js';
import type { Client } from '../../shared/client.js';

let f: CriFixture;
let d: DaemonHandle;
let cri: CriClient;
let api: Client;
let image: string;
let pod: string;
let sleeper: string;

before(async () => {
  f = await criFixture('cri-stream');
  ({ d, cri, api, image } = f);
  await cri.image.PullImage({ image: { image } });
  pod = (await cri.runtime.RunPodSandbox({ config: { metadata: { name: 'stream', namespace: 'default', uid: 'u-stream' } } })).pod_sandbox_id;
  sleeper = await container('sleeper', { args: ['sleep', '1000'] });
  await cri.runtime.StartContainer({ container_id: sleeper });
});
after(async () => {
  if (pod) await cri?.runtime.RemovePodSandbox({ pod_sandbox_id: pod }).catch(() => {});
  cri?.close();
  await f?.close();
});

async function container(name: string, config: Record<string, unknown>): Promise<string> {
  return (await cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: { metadata: { name }, image: { image }, ...config } })).container_id;
}

/** The exec processes still listed in CTR: an ended stream leaves none. */
const execs = async (ctr: string) => (await api.request('process.list', { id: ctr })).processes.filter((p) => p.id !== 'init').map((p) => p.id);
const PROMPT = /\/ # /;

test('Exec with a terminal: prompt, a typed command, resize seen by stty size, the exit code on channel 3', async () => {
  const { url } = await cri.runtime.Exec({ container_id: sleeper, cmd: ['/bin/sh'], tty: true, stdin: true, stdout: true });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]+$/);
  const s = await StreamClient.open(url);
  assert.equal(s.protocol, 'v5.channel.k8s.io');
  await until(() => s.messages.length > 0, 'the first message');
  assert.deepEqual(s.messages[0], [1, 0], 'the first message: empty, on stdout, as kubelet sends it');
  s.resize(100, 30);
  await s.waitFor(1, PROMPT);
  let from = s.text(1).length;
  s.send(0, 'echo typed-$((6*7))\r');
  await s.waitFor(1, /typed-42/, from);
  from = s.text(1).length;
  s.send(0, 'busybox stty size\r');
  await s.waitFor(1, /\r\n30 100\r\n/, from);
  s.resize(120, 40);
  from = s.text(1).length;
  s.send(0, 'busybox stty size\r');
  await s.waitFor(1, /\r\n40 120\r\n/, from);
  assert.equal(s.text(2), '', 'a terminal has one output');
  s.send(0, 'exit 5\r');
  const st = await s.status();
  assert.deepEqual(st, {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: exit status 5',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '5' }] },
  });
  assert.equal((await s.done).code, 1000);
  await until(async () => (await execs(sleeper)).length === 0, 'the exec process to be deleted');
});

test('Exec without a terminal: stdout and stderr apart, a non-zero exit, stdin closed by the close channel, v4 too', async () => {
  const { url } = await cri.runtime.Exec({ container_id: sleeper, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true });
  const s = await StreamClient.open(url);
  const st = await s.status();
  assert.equal(s.text(1), 'out\n');
  assert.equal(s.text(2), 'err\n');
  assert.equal(st.reason, 'NonZeroExitCode');
  assert.deepEqual(st.details?.causes, [{ reason: 'ExitCode', message: '3' }]);

  // the URL served its one connection
  const again = await StreamClient.open(url).catch((e: { statusCode: number; body: string }) => e);
  assert.equal((again as { statusCode: number }).statusCode, 404, 'a token is good once');
  assert.match((again as { body: string }).body, /unknown, used or expired/);

  const cat = await cri.runtime.Exec({ container_id: sleeper, cmd: ['cat'], stdin: true, stdout: true, stderr: true });
  const c = await StreamClient.open(cat.url);
  c.send(0, 'line one\n');
  await c.waitFor(1, /line one\n/);
  c.send(0, 'line two\n');
  c.closeStdin();
  assert.deepEqual(await c.status(), { metadata: {}, status: 'Success' });
  assert.equal(c.text(1), 'line one\nline two\n');

  const v4 = await cri.runtime.Exec({ container_id: sleeper, cmd: ['echo', 'over-v4'], stdout: true });
  const s4 = await StreamClient.open(v4.url, ['v4.channel.k8s.io']);
  assert.equal(s4.protocol, 'v4.channel.k8s.io');
  assert.deepEqual(await s4.status(), { metadata: {}, status: 'Success' });
  assert.equal(s4.text(1), 'over-v4\n');

  const missing = await cri.runtime.Exec({ container_id: sleeper, cmd: ['no-such-command'], stdout: true });
  const m = await StreamClient.open(missing.url);
  const ms = await m.status();
  assert.equal(ms.status, 'Failure');
  assert.equal(ms.reason, 'InternalError');
  assert.match(ms.message ?? '', /no-such-command/);
  await until(async () => (await execs(sleeper)).length === 0, 'every exec process to be deleted');
});

test('a client that leaves an exec: its process is killed and deleted', async () => {
  const { url } = await cri.runtime.Exec({ container_id: sleeper, cmd: ['sh', '-c', 'echo started; sleep 1000'], stdout: true });
  const s = await StreamClient.open(url);
  await s.waitFor(1, /started/);
  assert.equal((await execs(sleeper)).length, 1);
  s.ws.terminate();
  await until(async () => (await execs(sleeper)).length === 0, 'the abandoned exec to be killed and deleted');
});

test('Attach to a container created with tty, and to one with stdin and stdin_once', async () => {
  const tty = await container('shell', { args: ['/bin/sh'], tty: true, stdin: true });
  await cri.runtime.StartContainer({ container_id: tty });
  const { url } = await cri.runtime.Attach({ container_id: tty, tty: true, stdin: true, stdout: true });
  assert.match(url, /\/attach\//);
  const a = await StreamClient.open(url);
  // the prompt from before the attach is kept for the first one
  await a.waitFor(1, PROMPT);
  let from = a.text(1).length;
  a.resize(90, 20);
  a.send(0, 'busybox stty size; echo attached-$((1+1))\r');
  await a.waitFor(1, /20 90\r\nattached-2/, from);
  from = a.text(1).length;
  a.send(0, 'kept=$$; echo kept-$((2+3))\r');
  await a.waitFor(1, /kept-5\r\n/, from);

  // the terminal lives in conmon: a SIGKILL of corrald ends the stream, not the shell
  cri.close();
  await d.kill9();
  await a.done;
  await d.restart();
  cri = criClient(path.join(d.state, 'cri.sock'));
  api = await d.client();
  const b = await StreamClient.open((await cri.runtime.Attach({ container_id: tty, tty: true, stdin: true, stdout: true })).url);
  b.send(0, 'echo again-$kept\r');
  await b.waitFor(1, /again-1\r\n/);
  b.send(0, 'exit 4\r');
  // an attach ends with the container, and with Success: the exit code is the container's status
  assert.deepEqual(await b.status(), { metadata: {}, status: 'Success' });
  await until(async () => (await cri.runtime.ContainerStatus({ container_id: tty })).status.state === 'CONTAINER_EXITED', 'the shell to exit');
  assert.equal((await cri.runtime.ContainerStatus({ container_id: tty })).status.exit_code, 4);
  assert.equal(await grpcCode(cri.runtime.Attach({ container_id: tty, stdout: true })), GrpcCode.FAILED_PRECONDITION, 'no attach to an exited container');

  const piped = await container('piped', { args: ['sh', '-c', 'while read l; do echo "got $l"; done; echo stdin-closed; sleep 1000'], stdin: true, stdin_once: true });
  await cri.runtime.StartContainer({ container_id: piped });
  const p = await StreamClient.open((await cri.runtime.Attach({ container_id: piped, stdin: true, stdout: true, stderr: true })).url);
  p.send(0, 'one\n');
  await p.waitFor(1, /got one\n/);
  // stdin_once: the first attach that ends closes the container's stdin
  p.ws.close();
  const logged = await until(async () => {
    const lines = (await api.request('process.logs', { id: piped })).lines.map((l) => l.text);
    return lines.includes('stdin-closed') ? lines : undefined;
  }, 'the end of stdin to reach the container');
  assert.deepEqual(logged, ['got one', 'stdin-closed']);
  assert.equal(await grpcCode(cri.runtime.Attach({ container_id: piped, stdin: true, stdout: true })), GrpcCode.FAILED_PRECONDITION, 'stdin closed by stdin_once');
  assert.equal(await grpcCode(cri.runtime.Attach({ container_id: piped, stdout: true })), 'ok', 'output only is still served');

  const plain = await container('plain', { args: ['sleep', '1000'] });
  await cri.runtime.StartContainer({ container_id: plain });
  assert.equal(await grpcCode(cri.runtime.Attach({ container_id: plain, stdin: true, stdout: true })), GrpcCode.FAILED_PRECONDITION, 'stdin to a container without one');
});

test('a reader that does not read is cut off, and corrald does not hold what it did not take', async (t) => {
  const rssOf = async () => Number(/VmRSS:\s+(\d+)/.exec(await fsp.readFile(`/proc/${d.proc.pid}/status`, 'utf8'))![1]) * 1024;
  const before = await rssOf();
  const { url } = await cri.runtime.Exec({ container_id: sleeper, cmd: ['cat', '/dev/zero'], stdout: true });
  const s = await StreamClient.open(url);
  await s.waitFor(1, /\0/);
  s.ws.pause();
  // the cut-off kills and deletes the exec while the client still reads nothing
  await until(async () => (await execs(sleeper)).length === 0, 'the flood to be cut off', 30_000);
  const grown = (await rssOf()) - before;
  s.ws.resume();
  const st = await s.status();
  t.diagnostic(`corrald's resident memory grew by ${(grown / 1048576).toFixed(1)} MiB; the client was sent ${(s.text(1).length / 1048576).toFixed(1)} MiB before the cut-off`);
  // the cut-off is at 4 MiB unread, plus what the kernel's socket buffers took; the rest of the
  // growth is garbage of the flood's copies not yet given back, bounded since the flood stopped
  assert.ok(s.text(1).length < 32 * 1024 * 1024, `the client was sent ${s.text(1).length} bytes`);
  assert.ok(grown < 128 * 1024 * 1024, `corrald grew by ${grown} bytes`);
  assert.equal(st.reason, 'InternalError');
  assert.match(st.message ?? '', /did not read its output/);
});

test('a client that types faster than the process reads is no longer read from: corrald does not hold its input', async (t) => {
  const rssOf = async () => Number(/VmRSS:\s+(\d+)/.exec(await fsp.readFile(`/proc/${d.proc.pid}/status`, 'utf8'))![1]) * 1024;
  const before = await rssOf();
  // a process that never reads its stdin
  const { url } = await cri.runtime.Exec({ container_id: sleeper, cmd: ['sleep', '1000'], stdin: true, stdout: true });
  const s = await StreamClient.open(url);
  const piece = Buffer.alloc(32 * 1024, 'x');
  for (let i = 0; i < 64 * 32; i++) s.send(0, piece);
  // what corrald does not take stays in the client's socket
  await until(() => s.ws.bufferedAmount > 32 * 1024 * 1024, 'the client to hold most of the 64 MiB', 30_000);
  const grown = (await rssOf()) - before;
  t.diagnostic(`corrald grew by ${(grown / 1048576).toFixed(1)} MiB while the client holds ${(s.ws.bufferedAmount / 1048576).toFixed(1)} MiB of 64 MiB sent`);
  assert.ok(grown < 32 * 1024 * 1024, `corrald grew by ${grown} bytes`);
  // a client not read from is still seen to leave: its exec is killed and deleted
  s.ws.terminate();
  await until(async () => (await execs(sleeper)).length === 0, 'the abandoned exec to be deleted', 20_000);
});

test('the RPCs refuse before any stream: NOT_FOUND, FAILED_PRECONDITION, INVALID_ARGUMENT; the server refuses what is not its protocol', async () => {
  assert.equal(await grpcCode(cri.runtime.Exec({ container_id: 'nope', cmd: ['true'], stdout: true })), GrpcCode.NOT_FOUND);
  assert.equal(await grpcCode(cri.runtime.Attach({ container_id: 'nope', stdout: true })), GrpcCode.NOT_FOUND);
  assert.equal(await grpcCode(cri.runtime.Exec({ container_id: sleeper, cmd: ['true'], tty: true, stderr: true })), GrpcCode.INVALID_ARGUMENT, 'tty and stderr');
  assert.equal(await grpcCode(cri.runtime.Exec({ container_id: sleeper, cmd: ['true'] })), GrpcCode.INVALID_ARGUMENT, 'no stream at all');
  assert.equal(await grpcCode(cri.runtime.Exec({ container_id: sleeper, cmd: [], stdout: true })), GrpcCode.INVALID_ARGUMENT, 'no command');
  const created = await container('not-started', { args: ['true'] });
  assert.equal(await grpcCode(cri.runtime.Exec({ container_id: created, cmd: ['true'], stdout: true })), GrpcCode.FAILED_PRECONDITION);

  const { url } = await cri.runtime.Exec({ container_id: sleeper, cmd: ['true'], stdout: true });
  const wrongKind = url.replace('/exec/', '/attach/');
  assert.equal(((await StreamClient.open(wrongKind).catch((e) => e)) as { statusCode: number }).statusCode, 404, 'an exec token is no attach token');
  const noProtocol = await StreamClient.open(url, ['channel.k8s.io']).catch((e) => e);
  assert.equal((noProtocol as { statusCode: number }).statusCode, 400);
  assert.match((noProtocol as { body: string }).body, /v5\.channel\.k8s\.io/);
  const plain = await fetch(url);
  assert.equal(plain.status, 400);
  assert.match(await plain.text(), /WebSocket only/);
  assert.deepEqual(await execs(sleeper), [], 'nothing refused ran');
});
