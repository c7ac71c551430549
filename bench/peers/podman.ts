// podman as a user compares it: `podman run` against a storage and run
// folder of this bench run's own (--root, --runroot, --tmpdir under the run's
// temporary folder), cgroupfs and file events because this sandbox has no
// systemd, the bench image loaded from the OCI archive built by ../image.ts,
// runc as the runtime. podman has no daemon; its per-container monitor is
// conmon, as corral's is.
import fs from 'node:fs';
import path from 'node:path';
import { run, runOk } from '../exec.js';
import { findPids } from '../memory.js';
import { rmdirCgroups } from '../sweep.js';
import { IMAGE_REF } from '../image.js';
import type { Subject } from '../types.js';

/** Where podman with cgroupfs puts its containers' and monitors' cgroups. */
export const CGROUP_PARENT = 'libpod_parent';
const PODMAN_TIMEOUT_MS = 120_000;
const LOAD_TIMEOUT_MS = 120_000;
const CLEANUP_TIMEOUT_MS = 120_000;

// --network none: corral's bundle has a network namespace with nothing in it, so podman
// gets the same instead of setting up a bridge. The ulimits are those of corral's bundle:
// podman's defaults (nofile 1048576, nproc of the host) exceed this sandbox's hard limits
// and runc refuses to set them.
const RUN_FLAGS = ['--pull', 'never', '--runtime', 'runc', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

export async function podmanSubject(work: string, volatile: string, imageArchive: string): Promise<Subject> {
  const dir = path.join(work, 'podman');
  const runtime = path.join(volatile, 'podman');
  fs.mkdirSync(path.join(dir, 'root'), { recursive: true });
  for (const d of ['runroot', 'tmp']) fs.mkdirSync(path.join(runtime, d), { recursive: true });
  const global = [
    '--root', path.join(dir, 'root'),
    '--runroot', path.join(runtime, 'runroot'),
    '--tmpdir', path.join(runtime, 'tmp'),
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file',
  ];
  const podman = (args: string[], timeoutMs = PODMAN_TIMEOUT_MS) => runOk('podman', [...global, ...args], { timeoutMs });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await run('podman', [...global, 'rm', '--all', '--force', '--time', '0'], { timeoutMs: CLEANUP_TIMEOUT_MS });
    // unmounts the overlay storage and removes the image, so that the run's sweep only deletes files
    await run('podman', [...global, 'system', 'reset', '--force'], { timeoutMs: CLEANUP_TIMEOUT_MS });
    // podman with cgroupfs puts containers below /libpod_parent and leaves it behind; removed only when empty
    await rmdirCgroups(CGROUP_PARENT);
  };
  try {
    const version = (await podman(['--version'])).stdout.trim();
    await podman(['load', '--input', imageArchive], LOAD_TIMEOUT_MS);
    return {
      name: 'podman',
      version,
      notes: [
        `own --root, --runroot and --tmpdir; --cgroup-manager cgroupfs --events-backend file (no systemd here); run flags ${RUN_FLAGS.join(' ')}: no network like corral's bundle, and the bundle's rlimits, since podman's defaults exceed this host's hard limits`,
      ],
      diskDirs: [dir],
      runToExit: [
        {
          label: 'podman run --rm',
          async run(id) {
            const r = await podman(['run', '--rm', ...RUN_FLAGS, '--name', id, IMAGE_REF, '/bin/echo', 'hi']);
            if (!r.stdout.includes('hi')) throw new Error(`podman run ${id} printed ${JSON.stringify(r.stdout)}, not "hi"`);
          },
        },
      ],
      lifecycle: {
        how: {
          start: 'podman run -d, one per container, all at once',
          stop: 'podman kill IDS...; podman wait IDS... (one call each for all)',
          delete: 'podman rm IDS... (one call for all)',
        },
        async start(id) {
          await podman(['run', '-d', ...RUN_FLAGS, '--name', id, IMAGE_REF, '/bin/sleep', '1000000']);
        },
        async stopAll(ids) {
          await podman(['kill', '--signal', 'KILL', ...ids]);
          await podman(['wait', ...ids]);
        },
        async removeAll(ids) {
          await podman(['rm', ...ids]);
        },
        monitorPids: () => findPids('conmon', dir),
        daemonPid: () => null,
      },
      close,
    };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
