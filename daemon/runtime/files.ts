// Crash-safe file operations for corral's records: atomic JSON writes (temp
// file, fsync, rename, fsync of the folder) so a crash leaves the old or the
// new file and never a torn one, and deletes that rename the folder aside
// before removing it so a crash mid-delete never leaves half a container.
import { closeSync, fsync, lstatSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DELETING_PREFIX } from './layout.js';
import { unmountUnder } from './mounts.js';

const TEMP_SUFFIX = '.tmp';

/**
 * Eight random hex digits that keep a temp or set-aside name apart from any
 * other. Math.random rather than node:crypto, whose loading alone costs
 * corrald about 1 MiB: the names need to differ, not to be unguessable (they
 * live in root's own folders).
 */
export function randomSuffix(): string {
  return Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
}

/**
 * DURABLE false skips both fsyncs: the rename still makes the write atomic
 * for a crash of corrald (the page cache outlives the process), which is all
 * a record that only matters within this boot needs.
 *
 * The open, write, close and rename are synchronous: into the page cache
 * they take tens of microseconds, while each one through fs.promises is a
 * round trip through the thread pool that cost a run-to-exit ~0.5 ms per
 * record under load. Only the fsyncs, which wait for the disk, go to the
 * thread pool.
 */
export async function writeFileAtomic(file: string, data: string | Buffer, durable = true): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomSuffix()}${TEMP_SUFFIX}`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeFileSync(fd, data);
    if (durable) await fsyncFd(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) await syncPath(dir);
}

export const writeJsonAtomic = (file: string, value: unknown, durable = true) => writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', durable);

const fsyncFd = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));

/** fsync of a file or folder by its path. */
async function syncPath(p: string): Promise<void> {
  const fd = openSync(p, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes durable a file written with DURABLE false, and its folder's entry:
 * for a record that must be on disk before an answer, but need not be before
 * the slow step that comes first (conmon's start), so the fsyncs overlap it.
 */
export async function makeDurable(file: string): Promise<void> {
  await syncPath(file);
  await syncPath(path.dirname(file));
}

/** Leftover temp files of interrupted atomic writes: safe to remove, never read. */
export const isTempFile = (name: string) => name.startsWith('.') && name.endsWith(TEMP_SUFFIX);

/** readJson for restore, before corrald serves anyone (see Container.load). */
export function readJsonSync(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await fs.readFile(file, 'utf8'));
}

/** Reads a file or answers undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether the file system holding DIR has no block left, even for root (the writers here all run as root). */
export async function diskFull(dir: string): Promise<boolean> {
  const st = await fs.statfs(dir).catch(() => undefined);
  return st !== undefined && st.bfree === 0;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Renames DIR to a hidden sibling, then removes it. The rename is the commit
 * point: after it the folder is no longer a container, whatever happens next.
 * Never follows a symlink planted in place of DIR.
 */
export async function removeAside(dir: string): Promise<void> {
  const aside = renameAside(dir);
  if (aside) await removeTree(aside);
}

/**
 * removeAside's commit alone: DIR renamed to a hidden sibling (answered with
 * its path; undefined if DIR is not there), to be removed later with
 * removeTree, or by sweepDeleted after a crash. Synchronous: one rename, which
 * a delete answers after.
 */
export function renameAside(dir: string): string | undefined {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (st.isSymbolicLink()) {
    unlinkSync(dir);
    return undefined;
  }
  const aside = path.join(path.dirname(dir), `${DELETING_PREFIX}${path.basename(dir)}-${randomSuffix()}`);
  renameSync(dir, aside);
  return aside;
}

/** rm -rf that never walks into a mount (a container's overlay): those are unmounted first. */
export async function removeTree(dir: string): Promise<void> {
  await unmountUnder(dir);
  await fs.rm(dir, { recursive: true, force: true });
}

/** Finishes deletes that a crash interrupted. */
export async function sweepDeleted(parent: string): Promise<string[]> {
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  const swept = names.filter((n) => n.startsWith(DELETING_PREFIX));
  for (const n of swept) await removeTree(path.join(parent, n));
  return swept;
}

/** Bytes of the files under DIR and how many entries it holds (du without following links); 0 for a missing DIR. */
export async function diskUsage(dir: string): Promise<{ bytes: number; inodes: number }> {
  let bytes = 0;
  let inodes = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    inodes++;
    if (e.isFile()) bytes += (await fs.lstat(path.join(e.parentPath, e.name)).catch(() => undefined))?.size ?? 0;
  }
  return { bytes, inodes };
}
