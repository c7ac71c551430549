// The last line of clean-up after a bench run, whatever happened before it:
// every process whose command line names this run's temporary folder (conmon,
// containerd shims, a daemon that would not stop) is killed by pid, every
// mount below that folder (overlay roots of podman and containerd) is
// unmounted, the folder is removed, and the cgroups named after this run's
// container ids (runc puts a container without cgroupsPath in /<id>) are
// emptied and removed: a `runc init` left by a failed create lives there and
// names no path on its command line. The folder's name and the id prefix are
// unique to the run, so nothing of anyone else's matches.
import fs from 'node:fs/promises';
import { run, sleep } from './exec.js';
import { pidsWithMarker } from './memory.js';

const UMOUNT_TIMEOUT_MS = 10_000;

async function mountsBelow(dir: string): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
    // mountinfo escapes spaces and such as \040; our paths have none, but do not guess at them
    .filter((m) => !m.includes('\\'))
    .sort((a, b) => b.length - a.length);
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * Every cgroup folder named PREFIX* at the top of each hierarchy (v1: one per controller; v2:
 * the root) or one level below it (containerd nests a namespace's containers in /<namespace>/).
 */
async function cgroupsNamed(prefix: string): Promise<string[]> {
  const tops = [CGROUP_ROOT];
  for (const e of await fs.readdir(CGROUP_ROOT, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) tops.push(`${CGROUP_ROOT}/${e.name}`);
  const found: string[] = [];
  const look = async (dir: string, depth: number) => {
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory()) continue;
      if (e.name.startsWith(prefix)) found.push(`${dir}/${e.name}`);
      else if (depth > 0) await look(`${dir}/${e.name}`, depth - 1);
    }
  };
  for (const top of tops) await look(top, 1);
  return found;
}

/** rmdir of a cgroup folder and its subfolders, deepest first; one with processes in it stays (rmdir fails: EBUSY). */
async function rmdirTree(dir: string): Promise<void> {
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await rmdirTree(`${dir}/${e.name}`);
  await fs.rmdir(dir).catch(() => {});
}

/** Removes the cgroup folder NAME (and its empty subfolders) at the top of each hierarchy; folders in use stay. */
export async function rmdirCgroups(name: string): Promise<void> {
  for (const g of await cgroupsNamed(name)) if (g.endsWith(`/${name}`)) await rmdirTree(g);
}

async function sweepCgroups(prefix: string, log: (line: string) => void): Promise<void> {
  const groups = await cgroupsNamed(prefix);
  if (groups.length === 0) return;
  let killed = 0;
  for (const g of groups) {
    const procs = await fs.readFile(`${g}/cgroup.procs`, 'utf8').catch(() => '');
    for (const pid of procs.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      } catch {
        // gone already
      }
    }
  }
  await sleep(200); // let the killed leave their cgroups before rmdir
  let left = 0;
  for (const g of groups) await fs.rmdir(g).catch(() => left++);
  log(`sweep: ${groups.length} leftover cgroup folder(s) named ${prefix}*, ${killed} process(es) killed${left ? `, ${left} not removable` : ''}`);
}

export async function sweep(dir: string, log: (line: string) => void, cgroupPrefix?: string): Promise<void> {
  const pids = await pidsWithMarker(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (pids.length) log(`sweep: killed ${pids.length} leftover process(es) of this run: ${pids.join(' ')}`);
  const mounts = await mountsBelow(dir);
  for (const m of mounts) await run('umount', ['-l', m], { timeoutMs: UMOUNT_TIMEOUT_MS });
  if (mounts.length) log(`sweep: unmounted ${mounts.length} leftover mount(s) below ${dir}`);
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((err: Error) => log(`sweep: could not remove ${dir}: ${err.message}`));
  if (cgroupPrefix) await sweepCgroups(cgroupPrefix, log);
}
