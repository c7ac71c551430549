// One crictl-like call sequence, run against corral's CRI and against
// containerd 1.6's own CRI plugin (Debian's containerd, started here with its
// own root and socket), and the shapes of their answers compared: which
// fields are set, the states, the error codes, what Exec's stream carries and
// the status that ends it. Where corral differs, the difference is either a
// bug or a choice written down in DIFFERENCES below, with its reason; the test
// fails on any other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { until } from '../helpers/daemon.js';
import { criFixture, grpcCode, type CriClient, type CriFixture } from '../helpers/cri.js';
import { startContainerdCri, type ContainerdCri } from '../helpers/containerd-cri.js';
import { StreamClient } from '../helpers/cri-stream.js';
import { GrpcCode } from '../../daemon/cri/convert.js';

let f: CriFixture;
let ctrd: ContainerdCri;

before(async () => {
  f = await criFixture('cri-containerd');
  // containerd runs its sandbox image's command as the pod's infra process: one that sleeps
  const r = spawnSync('umoci', ['config', '--image', f.images.base, '--tag', 'pause', '--clear', 'config.cmd', '--config.cmd', 'sleep', '--config.cmd', '2147483647'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  f.reg.push(`oci:${f.images.layout}:pause`, 'corral/pause:1');
  ctrd = await startContainerdCri(path.join(f.dir, 'containerd'), { registry: f.reg.host, sandboxImage: `${f.reg.host}/corral/pause:1` });
});
after(async () => {
  await ctrd?.close();
  f?.cri.close();
  await f?.close();
});

/** The keys of an answer, nested objects as `key.sub`, sorted: the shape, not the values. */
function shape(o: unknown, prefix = ''): string[] {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || Buffer.isBuffer(o)) return [];
  return Object.entries(o as Record<string, unknown>)
    .flatMap(([k, v]) => [`${prefix}${k}`, ...shape(v, `${prefix}${k}.`)])
    .sort();
}

/** What a runtime answered to the sequence, reduced to what must agree. */
type Observed = Record<string, unknown>;

async function sequence(cri: CriClient, image: string, cgroupParent: string): Promise<Observed> {
  const o: Observed = {};
  o.version = shape(await cri.runtime.Version({ version: 'v1' }));
  o.imageFsInfo = shape(await cri.image.ImageFsInfo());
  const pulled = await cri.image.PullImage({ image: { image } });
  o.imageRef = /^sha256:[0-9a-f]{64}$/.test(pulled.image_ref);
  o.imageStatus = shape((await cri.image.ImageStatus({ image: { image } })).image);
  const config = { metadata: { name: 'cmp', namespace: 'default', uid: 'u-cmp', attempt: 0 }, labels: { app: 'cmp' }, linux: { cgroup_parent: cgroupParent, security_context: { namespace_options: { network: 'NODE' } } } };
  const { pod_sandbox_id: pod } = await cri.runtime.RunPodSandbox({ config });
  o.runAgain = await grpcCode(cri.runtime.RunPodSandbox({ config }));
  const podStatus = await cri.runtime.PodSandboxStatus({ pod_sandbox_id: pod });
  o.podState = podStatus.status.state;
  o.podStatus = shape(podStatus.status);
  o.listPods = (await cri.runtime.ListPodSandbox({ filter: { label_selector: { app: 'cmp' } } })).items.map((p: { state: string }) => p.state);

  const create = (name: string, extra: Record<string, unknown>) => cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: { metadata: { name }, image: { image }, ...extra }, sandbox_config: config });
  const { container_id: ctr } = await create('main', { command: ['sh', '-c'], args: ['trap "exit 143" TERM; echo hello; sleep 1000 & wait'] });
  o.createAgain = await grpcCode(create('main', { args: ['true'] }));
  o.created = (await cri.runtime.ListContainers({ filter: { pod_sandbox_id: pod } })).containers.map((c: { state: string }) => c.state);
  await cri.runtime.StartContainer({ container_id: ctr });
  o.startAgain = await grpcCode(cri.runtime.StartContainer({ container_id: ctr }));
  const st = await cri.runtime.ContainerStatus({ container_id: ctr });
  o.running = st.status.state;
  o.containerStatus = shape(st.status);
  o.listContainer = shape((await cri.runtime.ListContainers({ filter: { id: ctr } })).containers[0]);

  const ex = await cri.runtime.ExecSync({ container_id: ctr, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], timeout: 10 });
  o.execSync = [ex.stdout.toString(), ex.stderr.toString(), ex.exit_code];
  o.execSyncTimeout = await grpcCode(cri.runtime.ExecSync({ container_id: ctr, cmd: ['sleep', '30'], timeout: 1 }));

  // kubectl exec -it: a shell on a terminal, resized, left with an exit code (v4: containerd 1.6 predates v5)
  const tty = await StreamClient.open((await cri.runtime.Exec({ container_id: ctr, cmd: ['sh'], tty: true, stdin: true, stdout: true })).url, ['v4.channel.k8s.io']);
  tty.resize(100, 30);
  await tty.waitFor(1, /\/ # /);
  const from = tty.text(1).length;
  tty.send(0, 'busybox stty size\r');
  await tty.waitFor(1, /\r\n30 100\r\n/, from);
  tty.send(0, 'exit 5\r');
  const ttyStatus = await tty.status();
  o.execTtyStatus = { ...ttyStatus, message: undefined };
  o.execTtyFirst = tty.messages[0];
  o.execTtyStderr = tty.text(2);

  const plain = await StreamClient.open((await cri.runtime.Exec({ container_id: ctr, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true })).url, ['v4.channel.k8s.io']);
  const plainStatus = await plain.status();
  o.execPlain = [plain.text(1), plain.text(2), { ...plainStatus, message: undefined }];
  const ok = await StreamClient.open((await cri.runtime.Exec({ container_id: ctr, cmd: ['echo', 'fine'], stdout: true })).url, ['v4.channel.k8s.io']);
  o.execOk = [await ok.status(), ok.text(1)];
  const used = await cri.runtime.Exec({ container_id: ctr, cmd: ['true'], stdout: true });
  await (await StreamClient.open(used.url, ['v4.channel.k8s.io'])).status();
  o.tokenReused = await StreamClient.open(used.url, ['v4.channel.k8s.io']).then(
    () => 'accepted',
    (e: { statusCode?: number }) => e.statusCode,
  );

  const unknown = {
    containerStatus: () => cri.runtime.ContainerStatus({ container_id: 'nope' }),
    start: () => cri.runtime.StartContainer({ container_id: 'nope' }),
    exec: () => cri.runtime.Exec({ container_id: 'nope', cmd: ['true'], stdout: true }),
    attach: () => cri.runtime.Attach({ container_id: 'nope', stdout: true }),
    execSync: () => cri.runtime.ExecSync({ container_id: 'nope', cmd: ['true'] }),
    podStatus: () => cri.runtime.PodSandboxStatus({ pod_sandbox_id: 'nope' }),
    removeContainer: () => cri.runtime.RemoveContainer({ container_id: 'nope' }),
    stopPod: () => cri.runtime.StopPodSandbox({ pod_sandbox_id: 'nope' }),
    removePod: () => cri.runtime.RemovePodSandbox({ pod_sandbox_id: 'nope' }),
  };
  for (const [k, call] of Object.entries(unknown)) o[`unknown.${k}`] = await grpcCode(call());

  // kubectl attach: a container on a terminal
  const { container_id: shell } = await create('shell', { args: ['/bin/sh'], tty: true, stdin: true });
  await cri.runtime.StartContainer({ container_id: shell });
  const a = await StreamClient.open((await cri.runtime.Attach({ container_id: shell, tty: true, stdin: true, stdout: true })).url, ['v4.channel.k8s.io']);
  a.resize(90, 20);
  a.send(0, 'busybox stty size; echo attached-$((1+1))\r');
  await a.waitFor(1, /20 90\r\nattached-2/);
  a.send(0, 'exit 4\r');
  o.attachStatus = await a.status();
  await until(async () => (await cri.runtime.ContainerStatus({ container_id: shell })).status.state === 'CONTAINER_EXITED', 'the attached shell to exit');
  o.attachedExit = (await cri.runtime.ContainerStatus({ container_id: shell })).status.exit_code;

  await cri.runtime.StopContainer({ container_id: ctr, timeout: 5 });
  const stopped = (await cri.runtime.ContainerStatus({ container_id: ctr })).status;
  o.stopped = [stopped.state, stopped.exit_code, stopped.reason];
  o.execStopped = await grpcCode(cri.runtime.Exec({ container_id: ctr, cmd: ['true'], stdout: true }));
  await cri.runtime.RemoveContainer({ container_id: ctr });
  o.removed = await grpcCode(cri.runtime.ContainerStatus({ container_id: ctr }));
  await cri.runtime.StopPodSandbox({ pod_sandbox_id: pod });
  o.podStopped = (await cri.runtime.PodSandboxStatus({ pod_sandbox_id: pod })).status.state;
  await cri.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
  o.podRemoved = await grpcCode(cri.runtime.PodSandboxStatus({ pod_sandbox_id: pod }));
  o.leftContainers = (await cri.runtime.ListContainers({ filter: { pod_sandbox_id: pod } })).containers.length;
  return o;
}

/**
 * Where corral answers otherwise than containerd 1.6, on purpose: the value
 * each gives, and why. Anything not listed here must be the same.
 */
const DIFFERENCES: { key: string; corral: unknown; containerd: unknown; why: string }[] = [
  { key: 'runAgain', corral: GrpcCode.ALREADY_EXISTS, containerd: GrpcCode.UNKNOWN, why: 'a pod name taken: the CRI issue asks ALREADY_EXISTS; containerd 1.6 says "failed to reserve sandbox name" as UNKNOWN' },
  { key: 'createAgain', corral: GrpcCode.ALREADY_EXISTS, containerd: GrpcCode.UNKNOWN, why: 'a container name taken in a pod: likewise' },
  { key: 'startAgain', corral: GrpcCode.FAILED_PRECONDITION, containerd: GrpcCode.UNKNOWN, why: 'a wrong state is FAILED_PRECONDITION in corral; containerd 1.6 returns a plain error' },
  { key: 'execStopped', corral: GrpcCode.FAILED_PRECONDITION, containerd: GrpcCode.UNKNOWN, why: 'Exec in an exited container: likewise' },
  {
    key: 'unknown.stopPod',
    corral: 'ok',
    containerd: GrpcCode.NOT_FOUND,
    why: 'StopPodSandbox "must not return an error if all relevant resources have already been reclaimed" (the CRI); containerd 1.6 answers NOT_FOUND for an id it never knew; kubelet takes both',
  },
];
/** Fields one side sets and the other leaves empty, by prefix of their path. */
const SHAPE_DIFFERENCES: { key: string; only: 'corral' | 'containerd'; prefix: string; why: string }[] = [
  { key: 'imageStatus', only: 'corral', prefix: 'spec.', why: "corral sets Image.spec, which CRI v1 since 1.27 has and containerd 1.6 predates" },
];

test('the same crictl-like sequence against corral and containerd 1.6: the answers have the same shapes, but for the differences written down', async () => {
  const corral = await sequence(f.cri, f.image, ctrd.cgroupParent);
  const containerd = await sequence(ctrd.cri, f.image, ctrd.cgroupParent);
  for (const d of DIFFERENCES) {
    assert.deepEqual([corral[d.key], containerd[d.key]], [d.corral, d.containerd], `${d.key}: ${d.why}`);
    delete corral[d.key];
    delete containerd[d.key];
  }
  for (const d of SHAPE_DIFFERENCES) {
    const [mine, theirs] = d.only === 'corral' ? [corral, containerd] : [containerd, corral];
    const extra = (mine[d.key] as string[]).filter((k) => k.startsWith(d.prefix));
    assert.ok(extra.length > 0 && !(theirs[d.key] as string[]).some((k) => k.startsWith(d.prefix)), `${d.key}: ${d.why}`);
    mine[d.key] = (mine[d.key] as string[]).filter((k) => !k.startsWith(d.prefix));
  }
  assert.deepEqual(corral, containerd);
});
