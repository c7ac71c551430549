// containerd as a user compares it: a containerd of this bench run's own
// (its own --root, --state and socket under the run's temporary folder, the
// CRI plugin off since nothing here uses Kubernetes), driven with `ctr` in a
// namespace of its own, running the bench image imported from the OCI archive
// built by ../image.ts. Containers run through containerd-shim-runc-v2 and the
// same runc binary corral uses.
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { pool, run, runOk, sleep, spawnDaemon, waitExit } from '../exec.js';
import { findPids } from '../memory.js';
import { rmdirCgroups } from '../sweep.js';
import { IMAGE_REF } from '../image.js';
import type { Subject } from '../types.js';

export const NAMESPACE = 'corralbench';
const READY_TIMEOUT_MS = 30_000;
/** One `ctr version` while containerd comes up; the loop around it has READY_TIMEOUT_MS. */
const VERSION_TIMEOUT_MS = 5_000;
const CTR_TIMEOUT_MS = 60_000;
const IMPORT_TIMEOUT_MS = 120_000;
const STOP_WAIT_TIMEOUT_MS = 60_000;
const STOP_DAEMON_TIMEOUT_MS = 15_000;
const POLL_MS = 20;

export async function containerdSubject(work: string, volatile: string, imageArchive: string): Promise<Subject> {
  const dir = path.join(work, 'containerd');
  fs.mkdirSync(dir, { recursive: true });
  const address = path.join(dir, 'containerd.sock');
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${path.join(volatile, 'containerd', 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${dir}/opt"`,
      '',
    ].join('\n'),
  );
  const ctr = (args: string[], timeoutMs = CTR_TIMEOUT_MS) => runOk('ctr', ['--address', address, '--namespace', NAMESPACE, ...args], { timeoutMs });

  const logFd = fs.openSync(path.join(dir, 'containerd.log'), 'a');
  let daemon: ChildProcess | null = spawnDaemon('containerd', ['--config', config], logFd);
  fs.closeSync(logFd);

  const close = async () => {
    if (!daemon) return;
    try {
      const tasks = await run('ctr', ['--address', address, '--namespace', NAMESPACE, 'tasks', 'ls', '-q'], { timeoutMs: CTR_TIMEOUT_MS });
      const ids = tasks.stdout.split('\n').filter(Boolean);
      await pool(ids, 8, (id) => run('ctr', ['--address', address, '--namespace', NAMESPACE, 'tasks', 'rm', '--force', id], { timeoutMs: CTR_TIMEOUT_MS }), { interruptible: false });
      const cs = await run('ctr', ['--address', address, '--namespace', NAMESPACE, 'containers', 'ls', '-q'], { timeoutMs: CTR_TIMEOUT_MS });
      const cids = cs.stdout.split('\n').filter(Boolean);
      if (cids.length) await run('ctr', ['--address', address, '--namespace', NAMESPACE, 'containers', 'rm', ...cids], { timeoutMs: CTR_TIMEOUT_MS });
    } finally {
      daemon.kill('SIGTERM');
      await waitExit(daemon, STOP_DAEMON_TIMEOUT_MS);
      daemon = null;
      // containerd puts a namespace's containers in the cgroup /<namespace>/<id>; the namespace's folders stay behind, empty
      await rmdirCgroups(NAMESPACE);
      // shims still alive now are ours (their command line holds our address); the run's sweep kills them
    }
  };

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let version = '';
    for (;;) {
      const r = await run('ctr', ['--address', address, 'version'], { timeoutMs: VERSION_TIMEOUT_MS });
      const m = r.stdout.match(/Server:\s*\n\s*Version:\s*(\S+)/);
      if (r.code === 0 && m) {
        version = `containerd ${m[1]}`;
        break;
      }
      if (daemon.exitCode !== null || Date.now() > deadline) {
        throw new Error(`containerd did not answer within ${READY_TIMEOUT_MS} ms (exit ${daemon.exitCode}); see ${dir}/containerd.log: ${r.stderr.trim()}`);
      }
      await sleep(100);
    }
    await ctr(['images', 'import', imageArchive], IMPORT_TIMEOUT_MS);
    const child = daemon;

    return {
      name: 'containerd',
      version,
      notes: [
        `a containerd of this run's own (own root, state and socket; CRI plugin disabled), driven with ctr in namespace ${NAMESPACE}; the bench rootfs imported as an OCI image; io.containerd.runc.v2 with the same runc`,
      ],
      diskDirs: [dir],
      runToExit: [
        {
          label: 'ctr run --rm',
          async run(id) {
            const r = await ctr(['run', '--rm', IMAGE_REF, id, '/bin/echo', 'hi']);
            if (!r.stdout.includes('hi')) throw new Error(`ctr run ${id} printed ${JSON.stringify(r.stdout)}, not "hi"`);
          },
        },
      ],
      lifecycle: {
        how: {
          start: 'ctr run -d, one per container, all at once',
          stop: 'ctr task kill -s SIGKILL, one per container, all at once; then ctr task ls until all are STOPPED',
          delete: 'ctr task rm IDS...; ctr container rm IDS... (one call each for all)',
        },
        async start(id) {
          await ctr(['run', '-d', IMAGE_REF, id, '/bin/sleep', '1000000']);
        },
        async stopAll(ids) {
          await Promise.all(ids.map((id) => ctr(['tasks', 'kill', '--signal', 'SIGKILL', id])));
          const deadline = Date.now() + STOP_WAIT_TIMEOUT_MS;
          const want = new Set(ids);
          for (;;) {
            const r = await ctr(['tasks', 'ls']);
            const running = r.stdout
              .split('\n')
              .slice(1)
              .map((l) => l.trim().split(/\s+/))
              .filter((f) => want.has(f[0]) && f[2] !== 'STOPPED');
            if (running.length === 0) return;
            if (Date.now() > deadline) throw new Error(`${running.length} containerd tasks still not stopped ${STOP_WAIT_TIMEOUT_MS} ms after SIGKILL`);
            await sleep(POLL_MS);
          }
        },
        async removeAll(ids) {
          await ctr(['tasks', 'rm', ...ids]);
          await ctr(['containers', 'rm', ...ids]);
        },
        monitorPids: () => findPids('containerd-shim-runc-v2', address),
        daemonPid: () => child.pid ?? null,
      },
      close,
    };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
