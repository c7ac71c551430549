// containerd 1.6's own CRI plugin (Debian's containerd), started by a test
// with its own root, state, socket and cgroup parent under the test's folder,
// so that corral's CRI answers can be compared with the answers of the
// runtime kubelet is most often pointed at. Pods run on the host's network
// (no CNI plugins are configured here, as corral runs none), images come
// from the test's registry over HTTP, and oom_score_adj is kept at
// containerd's own (this machine's root may not lower it).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { criClient, type CriClient } from './cri.js';
import { sleep, until } from './daemon.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ContainerdCri {
  cri: CriClient;
  /** The cgroup parent to give every pod (linux.cgroup_parent), removed at close. */
  cgroupParent: string;
  log: () => string;
  close(): Promise<void>;
}

/** A port free now: containerd 1.6 puts its configured port, not the one it got, in its URLs, so 0 will not do. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

export async function startContainerdCri(dir: string, o: { registry: string; sandboxImage: string }): Promise<ContainerdCri> {
  await fsp.mkdir(dir, { recursive: true });
  const socket = path.join(dir, 'containerd.sock');
  const config = path.join(dir, 'config.toml');
  const logFile = path.join(dir, 'containerd.log');
  const cgroupParent = `/${path.basename(path.dirname(dir))}`;
  await fsp.writeFile(
    config,
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${dir}/opt"`,
      '[plugins."io.containerd.grpc.v1.cri"]',
      `  sandbox_image = "${o.sandboxImage}"`,
      '  restrict_oom_score_adj = true',
      '  stream_server_address = "127.0.0.1"',
      `  stream_server_port = "${await freePort()}"`,
      '  [plugins."io.containerd.grpc.v1.cri".cni]',
      `    bin_dir = "${dir}/cni/bin"`,
      `    conf_dir = "${dir}/cni/conf"`,
      `  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."${o.registry}"]`,
      `    endpoint = ["http://${o.registry}"]`,
      '',
    ].join('\n'),
  );
  const fd = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn('containerd', ['--config', config], { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const log = () => fs.readFileSync(logFile, 'utf8');
  const cri = criClient(socket);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`containerd exited (${child.exitCode}); its log:\n${log()}`);
    const up = await cri.runtime.Version({ version: 'v1' }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`containerd's CRI did not answer within ${READY_TIMEOUT_MS} ms; its log:\n${log()}`);
    await sleep(100);
  }
  return {
    cri,
    cgroupParent,
    log,
    close: async () => {
      // a test that failed midway leaves pods: containerd stops them, so no container outlives it
      if (child.exitCode === null) {
        const pods = await cri.runtime.ListPodSandbox().catch(() => ({ items: [] }));
        for (const p of pods.items as { id: string }[]) {
          await cri.runtime.StopPodSandbox({ pod_sandbox_id: p.id }).catch(() => {});
          await cri.runtime.RemovePodSandbox({ pod_sandbox_id: p.id }).catch(() => {});
        }
      }
      cri.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
      }
      // shims of this containerd (their command line names its socket) that outlived it, by pid
      for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        const cmd = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmd.startsWith('/usr/bin/containerd-shim') && cmd.includes(socket)) process.kill(Number(pid), 'SIGKILL');
      }
      const mounts = (await fsp.readFile('/proc/self/mounts', 'utf8'))
        .split('\n')
        .map((l) => l.split(' ')[1])
        .filter((m) => m?.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) await new Promise((r) => spawn('umount', ['-l', m]).once('exit', r));
      const controllers = await fsp.readdir('/sys/fs/cgroup').catch(() => [] as string[]);
      for (const controller of controllers) {
        const parent = path.join('/sys/fs/cgroup', controller, cgroupParent);
        for (const sub of await fsp.readdir(parent, { withFileTypes: true }).catch(() => [])) {
          if (!sub.isDirectory()) continue;
          // what containerd could not stop is still ours: killed by pid, from its cgroup
          const procs = await fsp.readFile(path.join(parent, sub.name, 'cgroup.procs'), 'utf8').catch(() => '');
          for (const pid of procs.split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
          await until(() => fsp.rmdir(path.join(parent, sub.name)).then(() => true, () => false), `cgroup ${cgroupParent}/${sub.name} to empty`).catch(() => {});
        }
        await fsp.rmdir(parent).catch(() => {});
      }
    },
  };
}
