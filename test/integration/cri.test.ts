// The CRI end to end, the way crictl drives it (Version first, ImageFsInfo
// before image calls), with a grpc-js client from the vendored proto against
// real runc containers: pull → runp → create → start → ps → ExecSync → logs
// (read log_path, in the CRI log format) → stop → rm → stopp → rmp. Pod
// containers share the infra container's network, IPC and UTS namespaces;
// CRI objects are corral containers (listed by the JSON-RPC API, and gone for
// the CRI when deleted there); a SIGKILL of corrald mid-sequence loses nothing;
// unknown ids and wrong states get the codes kubelet expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { until, type DaemonHandle } from '../helpers/daemon.js';
import { criClient, criFixture, grpcCode, parseCriLog, type CriClient, type CriFixture } from '../helpers/cri.js';
import { GrpcCode } from '../../daemon/cri/convert.js';
import type { Client } from '../../shared/client.js';

let f: CriFixture;
let dir: string;
let d: DaemonHandle;
let cri: CriClient;
let api: Client;
let image: string;

before(async () => {
  f = await criFixture('cri');
  ({ dir, d, cri, api, image } = f);
});
after(async () => {
  cri?.close();
  await f?.close();
});

const ns = (pid: number, kind: string) => fs.readlinkSync(`/proc/${pid}/ns/${kind}`);
let podSeq = 0;
const podConfig = (logs: string) => ({ metadata: { name: `pod-${++podSeq}`, namespace: 'default', uid: `uid-${podSeq}`, attempt: 0 }, hostname: `pod-${podSeq}`, log_directory: logs, labels: { app: 'web' } });

test("crictl's sequence: pull, runp, create, start, ps, exec -s, logs, stop, rm, stopp, rmp", async () => {
  assert.equal(fs.statSync(path.join(d.state, 'cri.sock')).mode & 0o777, 0o660, 'the CRI socket is 0660, as the API socket');
  const v = await cri.runtime.Version({ version: 'v1' });
  assert.equal(v.runtime_name, 'corral');
  assert.equal(v.runtime_api_version, 'v1');
  const fsInfo = await cri.image.ImageFsInfo();
  assert.ok(fsInfo.image_filesystems[0].fs_id.mountpoint.endsWith('images'));
  const pulled = await cri.image.PullImage({ image: { image } });
  assert.match(pulled.image_ref, /^sha256:[a-f0-9]{64}$/);
  const status = await cri.image.ImageStatus({ image: { image } });
  assert.equal(status.image.id, pulled.image_ref);
  assert.deepEqual(status.image.repo_tags, [image]);
  assert.ok((await cri.image.ListImages()).images.some((i: { id: string }) => i.id === pulled.image_ref));

  const logs = path.join(dir, 'pod-logs');
  const config = podConfig(logs);
  const { pod_sandbox_id: pod } = await cri.runtime.RunPodSandbox({ config });
  assert.match(pod, /^[a-f0-9]{32}$/);
  const pods = await cri.runtime.ListPodSandbox({ filter: { label_selector: { app: 'web' } } });
  assert.ok(pods.items.some((p: { id: string; state: string }) => p.id === pod && p.state === 'SANDBOX_READY'));
  const { container_id: ctr } = await cri.runtime.CreateContainer({
    pod_sandbox_id: pod,
    config: {
      metadata: { name: 'web', attempt: 0 },
      image: { image },
      command: ['/bin/sh', '-c'],
      // pid 1 of its namespace: without a trap it would ignore SIGTERM
      args: ['trap "exit 143" TERM; echo hello-cri; echo to-stderr >&2; echo $ROLE; hostname; sleep 1000 & wait'],
      envs: [{ key: 'ROLE', value: 'frontend' }],
      labels: { tier: 'web' },
      log_path: 'web/0.log',
      linux: { resources: { cpu_shares: 512 } },
    },
    sandbox_config: config,
  });
  let ps = await cri.runtime.ListContainers({ filter: { pod_sandbox_id: pod } });
  assert.equal(ps.containers[0].state, 'CONTAINER_CREATED');
  await cri.runtime.StartContainer({ container_id: ctr });
  ps = await cri.runtime.ListContainers({ filter: { state: { state: 'CONTAINER_RUNNING' }, label_selector: { tier: 'web' } } });
  assert.deepEqual(ps.containers.map((c: { id: string }) => c.id), [ctr]);
  assert.equal(ps.containers[0].metadata.name, 'web');
  assert.equal((await cri.runtime.ListContainers({ filter: { id: ctr.slice(0, 8) } })).containers.length, 1, 'a short id');

  // ContainerStatus reports the limits applied, at create and by UpdateContainerResources
  await cri.runtime.UpdateContainerResources({ container_id: ctr, linux: { memory_limit_in_bytes: 134217728 } });
  const limits = (await cri.runtime.ContainerStatus({ container_id: ctr })).status.resources.linux;
  assert.deepEqual([limits.cpu_shares, limits.memory_limit_in_bytes, limits.cpu_quota], ['512', '134217728', '0']);
  assert.equal((await api.request('container.stats', { id: ctr })).memory.limitBytes, 134217728);

  const ex = await cri.runtime.ExecSync({ container_id: ctr, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], timeout: 10 });
  assert.equal(ex.stdout.toString(), 'out\n');
  assert.equal(ex.stderr.toString(), 'err\n');
  assert.equal(ex.exit_code, 3);
  assert.equal(await grpcCode(cri.runtime.ExecSync({ container_id: ctr, cmd: ['sleep', '30'], timeout: 1 })), GrpcCode.DEADLINE_EXCEEDED);
  assert.deepEqual((await api.request('process.list', { id: ctr })).processes.map((p) => p.id), ['init'], 'ExecSync leaves no process behind');

  const st = (await cri.runtime.ContainerStatus({ container_id: ctr })).status;
  assert.equal(st.state, 'CONTAINER_RUNNING');
  assert.equal(st.log_path, path.join(logs, 'web/0.log'));
  assert.ok(BigInt(st.started_at) > BigInt(st.created_at));
  // crictl logs reads log_path itself
  const lines = await until(async () => {
    const l = parseCriLog(await fsp.readFile(st.log_path, 'utf8').catch(() => ''));
    return l.length >= 4 ? l : undefined;
  }, 'four log lines');
  // two pipes: the order within a stream is kept, not across them
  const of = (stream: string) => lines.filter((l) => l.stream === stream).map((l) => [l.tag, l.text]);
  assert.deepEqual(of('stdout'), [['F', 'hello-cri'], ['F', 'frontend'], ['F', config.hostname]]);
  assert.deepEqual(of('stderr'), [['F', 'to-stderr']]);
  assert.ok(!Number.isNaN(Date.parse(lines[0].time)));

  // one pod, one network: the container is in the infra container's namespaces
  const infraPid = (await api.request('container.get', { id: pod })).pid!;
  const ctrPid = (await api.request('container.get', { id: ctr })).pid!;
  for (const kind of ['net', 'ipc', 'uts']) assert.equal(ns(ctrPid, kind), ns(infraPid, kind), kind);
  assert.notEqual(ns(ctrPid, 'mnt'), ns(infraPid, 'mnt'));
  // CRI objects are corral containers, labelled with their pod
  const listed = (await api.request('container.list', { labels: { 'io.kubernetes.pod.name': config.metadata.name } })).containers.map((c) => c.id).sort();
  assert.deepEqual(listed, [ctr, pod].sort());

  await cri.runtime.StopContainer({ container_id: ctr, timeout: 5 });
  const stopped = (await cri.runtime.ContainerStatus({ container_id: ctr })).status;
  assert.equal(stopped.state, 'CONTAINER_EXITED');
  assert.equal(stopped.exit_code, 143);
  assert.equal(stopped.reason, 'Error');
  await cri.runtime.RemoveContainer({ container_id: ctr });
  assert.equal(await grpcCode(cri.runtime.ContainerStatus({ container_id: ctr })), GrpcCode.NOT_FOUND);
  await cri.runtime.StopPodSandbox({ pod_sandbox_id: pod });
  assert.equal((await cri.runtime.PodSandboxStatus({ pod_sandbox_id: pod })).status.state, 'SANDBOX_NOTREADY');
  await cri.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
  assert.equal(await grpcCode(cri.runtime.PodSandboxStatus({ pod_sandbox_id: pod })), GrpcCode.NOT_FOUND);
  assert.ok(!(await api.request('container.list')).containers.some((c) => c.id === pod || c.id === ctr));
});

test('errors as kubelet reads them: NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, INVALID_ARGUMENT, UNIMPLEMENTED; removals of the unknown succeed', async () => {
  assert.equal(await grpcCode(cri.runtime.ContainerStatus({ container_id: 'nope' })), GrpcCode.NOT_FOUND);
  assert.equal(await grpcCode(cri.runtime.StartContainer({ container_id: 'nope' })), GrpcCode.NOT_FOUND);
  assert.equal(await grpcCode(cri.runtime.PodSandboxStatus({ pod_sandbox_id: 'nope' })), GrpcCode.NOT_FOUND);
  assert.equal(await grpcCode(cri.runtime.RemoveContainer({ container_id: 'nope' })), 'ok');
  assert.equal(await grpcCode(cri.runtime.StopPodSandbox({ pod_sandbox_id: 'nope' })), 'ok');
  assert.equal(await grpcCode(cri.runtime.RemovePodSandbox({ pod_sandbox_id: 'nope' })), 'ok');
  assert.equal(await grpcCode(cri.runtime.RunPodSandbox({ config: {} })), GrpcCode.INVALID_ARGUMENT);
  assert.equal(await grpcCode(cri.image.PullImage({ image: { image: 'Bad Ref' } })), GrpcCode.INVALID_ARGUMENT);
  assert.equal(await grpcCode(cri.image.PullImage({ image: { image: `${f.reg.host}/corral/none:1` } })), GrpcCode.NOT_FOUND);
  assert.equal((await cri.image.ImageStatus({ image: { image: 'corral/none:1' } })).image, null, 'an image not present: no image, no error');
  assert.equal(await grpcCode(cri.image.RemoveImage({ image: { image: 'corral/none:1' } })), 'ok');
  const pf = await cri.runtime.PortForward({ pod_sandbox_id: 'x' }).catch((e: { code: number; details: string }) => e);
  assert.equal(pf.code, GrpcCode.UNIMPLEMENTED);
  assert.match(pf.details, /corral does not serve RuntimeService\/PortForward/);

  const config = podConfig(path.join(dir, 'pod-logs'));
  const { pod_sandbox_id: pod } = await cri.runtime.RunPodSandbox({ config });
  assert.equal(await grpcCode(cri.runtime.RunPodSandbox({ config })), GrpcCode.ALREADY_EXISTS, 'the same pod metadata twice');
  await cri.image.PullImage({ image: { image } });
  const create = () => cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: { metadata: { name: 'c' }, image: { image }, args: ['true'] } });
  const { container_id: ctr } = await create();
  assert.equal(await grpcCode(create()), GrpcCode.ALREADY_EXISTS, 'the same container name twice in a pod');
  assert.equal(await grpcCode(cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: { metadata: { name: 'x' }, image: { image: 'corral/none:1' } } })), GrpcCode.NOT_FOUND);
  await cri.runtime.StartContainer({ container_id: ctr });
  await until(async () => (await cri.runtime.ContainerStatus({ container_id: ctr })).status.state === 'CONTAINER_EXITED', 'the container to exit');
  assert.equal(await grpcCode(cri.runtime.StartContainer({ container_id: ctr })), GrpcCode.FAILED_PRECONDITION);
  const done = (await cri.runtime.ContainerStatus({ container_id: ctr })).status;
  assert.equal(done.exit_code, 0);
  assert.equal(done.reason, 'Completed');
  // a process that ignores SIGTERM (pid 1 without a trap) is SIGKILLed once the timeout has passed
  const { container_id: stubborn } = await cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: { metadata: { name: 'stubborn' }, image: { image }, args: ['sleep', '1000'] } });
  await cri.runtime.StartContainer({ container_id: stubborn });
  const t0 = Date.now();
  await cri.runtime.StopContainer({ container_id: stubborn, timeout: 1 });
  assert.ok(Date.now() - t0 >= 1000, 'the grace time is given');
  assert.equal((await cri.runtime.ContainerStatus({ container_id: stubborn })).status.exit_code, 137);
  await cri.runtime.StopPodSandbox({ pod_sandbox_id: pod });
  assert.equal(
    await grpcCode(cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: { metadata: { name: 'late' }, image: { image }, args: ['true'] } })),
    GrpcCode.FAILED_PRECONDITION,
    'no container in a stopped pod',
  );
  await cri.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
});

test('ReopenContainerLog after kubelet rotated the log: conmon writes a new file at log_path; a stopped container is FAILED_PRECONDITION', async () => {
  const logs = path.join(dir, 'pod-logs');
  const config = podConfig(logs);
  const { pod_sandbox_id: pod } = await cri.runtime.RunPodSandbox({ config });
  await cri.image.PullImage({ image: { image } });
  const { container_id: ctr } = await cri.runtime.CreateContainer({
    pod_sandbox_id: pod,
    config: { metadata: { name: 'ticker' }, image: { image }, args: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.1; done'], log_path: 'ticker.log' },
    sandbox_config: config,
  });
  await cri.runtime.StartContainer({ container_id: ctr });
  const logPath = path.join(logs, 'ticker.log');
  await until(() => fs.existsSync(logPath) && fs.readFileSync(logPath, 'utf8').includes('tick-1'), 'the first tick');
  // what kubelet's log manager does: rename the file aside, then ask the runtime to reopen
  fs.renameSync(logPath, `${logPath}.1`);
  await cri.runtime.ReopenContainerLog({ container_id: ctr });
  const fresh = await until(async () => {
    const lines = parseCriLog(await fsp.readFile(logPath, 'utf8').catch(() => ''));
    return lines.length ? lines : undefined;
  }, 'lines in the reopened log');
  assert.match(fresh[0].text, /^tick-\d+$/);
  await cri.runtime.StopContainer({ container_id: ctr, timeout: 0 });
  assert.equal(await grpcCode(cri.runtime.ReopenContainerLog({ container_id: ctr })), GrpcCode.FAILED_PRECONDITION);
  await cri.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
});

test('a CRI container deleted through the JSON-RPC API is gone for the CRI too', async () => {
  const config = podConfig(path.join(dir, 'pod-logs'));
  const { pod_sandbox_id: pod } = await cri.runtime.RunPodSandbox({ config });
  await cri.image.PullImage({ image: { image } });
  const { container_id: ctr } = await cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: { metadata: { name: 'c' }, image: { image }, args: ['sleep', '1000'] } });
  await cri.runtime.StartContainer({ container_id: ctr });
  await api.request('container.delete', { id: ctr, force: true });
  assert.equal(await grpcCode(cri.runtime.ContainerStatus({ container_id: ctr })), GrpcCode.NOT_FOUND);
  assert.ok(!(await cri.runtime.ListContainers()).containers.some((c: { id: string }) => c.id === ctr));
  await cri.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
});

test('SIGKILL of corrald mid-sequence: pods and containers come back in their states', async () => {
  const config = podConfig(path.join(dir, 'pod-logs'));
  const { pod_sandbox_id: pod } = await cri.runtime.RunPodSandbox({ config });
  await cri.image.PullImage({ image: { image } });
  const mk = async (name: string, args: string[]) => (await cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: { metadata: { name }, image: { image }, args, log_path: `${name}.log` }, sandbox_config: config })).container_id as string;
  const running = await mk('running', ['sleep', '1000']);
  const created = await mk('created', ['true']);
  const exited = await mk('exited', ['sh', '-c', 'exit 7']);
  await cri.runtime.StartContainer({ container_id: running });
  await cri.runtime.StartContainer({ container_id: exited });
  await until(async () => (await cri.runtime.ContainerStatus({ container_id: exited })).status.state === 'CONTAINER_EXITED', 'exit 7');
  const before = (await cri.runtime.ListContainers({ filter: { pod_sandbox_id: pod } })).containers.map((c: { id: string; state: string }) => [c.id, c.state]).sort();
  cri.close();
  await d.kill9();
  await d.restart();
  cri = criClient(path.join(d.state, 'cri.sock'));
  api = await d.client();
  const after = (await cri.runtime.ListContainers({ filter: { pod_sandbox_id: pod } })).containers.map((c: { id: string; state: string }) => [c.id, c.state]).sort();
  assert.deepEqual(after, before);
  assert.deepEqual(
    new Map(after),
    new Map([
      [running, 'CONTAINER_RUNNING'],
      [created, 'CONTAINER_CREATED'],
      [exited, 'CONTAINER_EXITED'],
    ]),
  );
  assert.equal((await cri.runtime.ContainerStatus({ container_id: exited })).status.exit_code, 7);
  assert.equal((await cri.runtime.PodSandboxStatus({ pod_sandbox_id: pod })).status.state, 'SANDBOX_READY');
  const ex = await cri.runtime.ExecSync({ container_id: running, cmd: ['echo', 'still-here'], timeout: 10 });
  assert.equal(ex.stdout.toString(), 'still-here\n');
  await cri.runtime.StopPodSandbox({ pod_sandbox_id: pod });
  await cri.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
  assert.deepEqual((await cri.runtime.ListPodSandbox()).items.filter((p: { id: string }) => p.id === pod), []);
});
