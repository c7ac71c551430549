// The image figures of issue 14 besides run-to-exit (which is a variant of
// each tool's run, ./corral.ts): the disk that N containers of one image add
// (du -x of each tool's own folders before and after starting them, so the
// image's tree, counted before, and the overlay mounts, another file system,
// are not counted again), and a pull of the bench image through a local
// docker-registry by corrald (skopeo, then umoci unpack) against `skopeo
// copy` of the same image alone into an empty OCI layout, the floor of any
// pull, alternated round by round.
import fs from 'node:fs';
import path from 'node:path';
import { all, checkInterrupted, now, pool, runOk, since } from './exec.js';
import { startRegistry } from './registry.js';
import { summarize } from './stats.js';
import type { CorralSubject } from './corral.js';
import type { DiskResult, Lifecycle, PullResult } from './types.js';

const DU_TIMEOUT_MS = 120_000;
const CALL_TIMEOUT_MS = 120_000;
const SKOPEO_TIMEOUT_MS = 120_000;
/** Containers started at once for the disk figure: the figure is about bytes, not speed. */
const DISK_START_CONCURRENCY = 4;

/** Bytes used on disk (blocks, as du counts them) below DIRS, one file system each, hard links once. */
async function du(dirs: string[]): Promise<number> {
  const present = dirs.filter((d) => fs.existsSync(d));
  if (present.length === 0) return 0;
  const r = await runOk('du', ['-x', '-s', '-c', '--block-size=1', ...present], { timeoutMs: DU_TIMEOUT_MS });
  const total = r.stdout.trim().split('\n').at(-1)!.split('\t')[0];
  return Number(total);
}

/** What one container's folder holds, top-level entry by entry under LABEL (du -x: its overlay mount is not counted). */
async function breakdown(label: string, dir: string): Promise<Record<string, number>> {
  if (!fs.existsSync(dir)) return {};
  const r = await runOk('du', ['-x', '-a', '-d', '1', '--block-size=1', dir], { timeoutMs: DU_TIMEOUT_MS });
  const out: Record<string, number> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [bytes, p] = line.split('\t');
    out[p === dir ? `${label}` : `${label}/${path.relative(dir, p)}`] = Number(bytes);
  }
  return out;
}

/**
 * Starts IDS (long-running, all from one image) with START, measures du of DIRS before and
 * after, then stops and deletes them. CONTAINERDIR, when given, names one container's own
 * folder for the breakdown.
 */
export async function measureDisk(lc: Lifecycle, start: (id: string) => Promise<void>, ids: string[], dirs: string[], containerDir?: (id: string) => Record<string, string>): Promise<DiskResult> {
  checkInterrupted();
  const before = await du(dirs);
  const started: string[] = [];
  try {
    await pool(ids, DISK_START_CONCURRENCY, async (id) => {
      await start(id);
      started.push(id);
    });
    const after = await du(dirs);
    const perContainer = (after - before) / ids.length;
    const one: Record<string, number> = {};
    for (const [label, d] of Object.entries(containerDir?.(ids[0]) ?? {})) Object.assign(one, await breakdown(label, d));
    return { containers: ids.length, beforeBytes: before, afterBytes: after, perContainerBytes: Math.round(perContainer), oneContainer: one };
  } finally {
    await lc.stopAll(started).catch(() => {});
    await lc.removeAll(started).catch(() => {});
  }
}

/** corral's disk figure: containers of the imported bench image, sleeping. */
export function corralDisk(corral: CorralSubject, ids: string[]): Promise<DiskResult> {
  const c = corral.client;
  const start = async (id: string) => {
    await c().request('container.create', { id, image: corral.imageRef!, args: ['/bin/sleep', '1000000'], start: true }, { timeoutMs: CALL_TIMEOUT_MS });
  };
  return measureDisk(corral.lifecycle!, start, ids, [corral.root, corral.state], (id) => ({
    root: path.join(corral.root, 'containers', id),
    state: path.join(corral.state, 'containers', id),
  }));
}

/**
 * Pushes ARCHIVE to a registry of this run's own, then alternates ROUNDS pulls by corrald
 * (each followed, untimed, by image.remove and image.prune so that the next one downloads and
 * unpacks again) with skopeo copies of the same ref into an empty OCI layout.
 */
export async function measurePull(corral: CorralSubject, archive: string, work: string, rounds: number): Promise<PullResult> {
  const dir = path.join(work, 'pull');
  const reg = await startRegistry(path.join(dir, 'registry'));
  const c = corral.client;
  try {
    reg.push(`oci-archive:${archive}`, 'corral/bench:1');
    const ref = `${reg.host}/corral/bench:1`;
    // the store starts empty of this image's blobs and tree: the imported bench image shares them
    const images = await c().request('image.list', {}, { timeoutMs: CALL_TIMEOUT_MS });
    await all(images.images, (img) => c().request('image.remove', { ref: img.digest, force: true }, { timeoutMs: CALL_TIMEOUT_MS }));
    await c().request('image.prune', {}, { timeoutMs: CALL_TIMEOUT_MS });
    const corralMs: number[] = [];
    const skopeoMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < rounds; i++) {
      checkInterrupted();
      let t = now();
      const img = await c().request('image.pull', { ref, insecure: true }, { timeoutMs: CALL_TIMEOUT_MS });
      corralMs.push(since(t));
      bytes = img.size;
      await c().request('image.remove', { ref, force: true }, { timeoutMs: CALL_TIMEOUT_MS });
      await c().request('image.prune', {}, { timeoutMs: CALL_TIMEOUT_MS });
      const layout = path.join(dir, `skopeo-${i}`);
      t = now();
      await runOk('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:bench`], { timeoutMs: SKOPEO_TIMEOUT_MS });
      skopeoMs.push(since(t));
      fs.rmSync(layout, { recursive: true, force: true });
    }
    return { rounds, imageBytes: bytes, corral: summarize(corralMs), skopeo: summarize(skopeoMs) };
  } finally {
    await reg.stop();
  }
}
