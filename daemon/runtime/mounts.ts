// The kernel mounts corral makes: each container from an image gets an
// overlay (the image's unpacked tree below, upper/work in its own folder) at
// <its folder>/rootfs, made before `runc create` and removed on delete. Mounts
// are kernel state: they outlive corrald (a restart finds them in place) but
// not a reboot (start mounts again), and nothing but /proc/self/mountinfo
// tells which exist, so recovery reads it to find the ones no record claims.
// mount(8) and umount(8) do the work: Node has no mount(2).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CorralError } from '../../shared/errors.js';

/** mount(8) of an overlay returns at once; past this the kernel or the disk is wedged. */
const MOUNT_TIMEOUT_MS = 30_000;
const MOUNTINFO = '/proc/self/mountinfo';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parses /proc/self/mountinfo (proc(5)); pure, table-tested. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0) continue;
    out.push({ mountPoint: unescape(f[4]), fsType: f[sep + 1] });
  }
  return out;
}

/** The mounts at DIR or below it, deepest first (the order they must be unmounted in). */
export async function mountsUnder(dir: string): Promise<MountEntry[]> {
  // procfs, read at once: every folder removal asks, and the async read's four thread-pool round trips cost more than the read
  const all = parseMountinfo(readFileSync(MOUNTINFO, 'utf8'));
  return all.filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(dir + '/')).sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}

async function isMounted(dir: string): Promise<boolean> {
  return (await mountsUnder(dir)).some((m) => m.mountPoint === dir);
}

function run(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: MOUNT_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, _out, stderr) => {
      if (!err) return resolve();
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      const words = (e.killed ? `no answer in ${MOUNT_TIMEOUT_MS} ms` : stderr.trim()) || e.message;
      reject(new CorralError(e.killed ? 'timeout' : 'runtime_error', `${binary} ${args.join(' ')}: ${words}`, { cause: err }));
    });
  });
}

/** overlayfs splits its options on commas and its lower dirs on colons: such a path cannot be given. */
const OPTION_BREAKERS = /[,:\\]/;

export interface OverlayDirs {
  lower: string;
  upper: string;
  work: string;
  target: string;
}

/** Mounts the overlay of DIRS at its target (making its folders), unless it is mounted there already. */
export async function mountOverlay(d: OverlayDirs): Promise<void> {
  for (const p of [d.lower, d.upper, d.work]) {
    if (OPTION_BREAKERS.test(p)) throw new CorralError('unavailable', `cannot mount an overlay with ${p}: overlayfs options cannot hold ",", ":" or "\\"; move --root to a path without them`);
  }
  // a start right after the create finds it mounted: one read of mountinfo, no folders made again
  if (await isMounted(d.target)) return;
  // into the page cache: synchronous, off the thread pool's round trips (this is on every image create's path)
  for (const dir of [d.upper, d.work, d.target]) mkdirSync(dir, { recursive: true });
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d.lower},upperdir=${d.upper},workdir=${d.work}`, d.target]);
}

/**
 * Unmounts everything at or below DIR, deepest first. A mount still busy (a
 * process outside corral has its cwd there) is detached lazily: the folder can
 * go now, the kernel frees the mount when its last user leaves.
 */
export async function unmountUnder(dir: string): Promise<string[]> {
  const mounts = await mountsUnder(path.resolve(dir));
  for (const m of mounts) {
    await run('umount', [m.mountPoint]).catch(() => run('umount', ['--lazy', m.mountPoint]));
  }
  return mounts.map((m) => m.mountPoint);
}
