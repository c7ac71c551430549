// The measurements that apply to every compared tool alike, written once
// against the Subject interface of ./types.ts: run-to-exit latency (round-robin
// over all tools in an order shuffled each round, so that a slow drift of the
// machine, and one tool's leftover work, spread over everyone instead of
// favouring or burdening one), the start/stop/delete phases of N
// concurrent long-running containers, and memory with N containers running.
// Each loop is bounded by a count and a time budget, and stops by itself.
import { all, checkInterrupted, now, pool, since, sleep } from './exec.js';
import { monitorMemory, procMemory } from './memory.js';
import { seeded, shuffled } from './random.js';
import { summarize, type Summary } from './stats.js';
import type { ConcurrentResult, Lifecycle, MemoryResult, Outcome, Subject } from './types.js';

/** A variant that has spent this long on its samples stops early, reporting the n it got. */
const RUN_BUDGET_MS = 120_000;
/** How many containers the memory phase starts at once: enough to be quick, few enough not to be a stress test. */
const MEMORY_START_CONCURRENCY = 4;
/** Let freshly started monitors finish their start-up allocations before reading their RSS. */
const SETTLE_MS = 1000;
/** A garbage-collected daemon's RSS moves with its heap: read it this many times, this far apart, and keep the peak. */
const RSS_SAMPLES = 10;
const RSS_SAMPLE_GAP_MS = 100;

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The order of the variants changes from round to round (the same orders on
 * every bench run): a tool's leftover work after its run returns (podman's
 * conmon runs `podman container cleanup`, a Go program, once the container
 * has exited; containerd's shim exits) falls on whoever runs next, and in a
 * fixed order that was always the same tool (corral, after podman).
 */
const RUN_ORDER_SEED = 18;

/** One counted run per variant per round, in a shuffled order; one uncounted warm-up first (page cache, first use of an image). */
export async function measureRunToExit(
  subjects: Subject[],
  runs: number,
  idFor: (tool: string, i: number) => string,
  log: (line: string) => void,
): Promise<Map<Subject, Record<string, Outcome<Summary>>>> {
  const entries = subjects.flatMap((s) => s.runToExit.map((v) => ({ s, v, samples: [] as number[], spent: 0, error: null as string | null })));
  for (const e of entries) {
    checkInterrupted();
    try {
      const id = idFor(`${e.s.name}-w`, 0);
      await e.v.run(id);
    } catch (err) {
      e.error = `warm-up run failed: ${errorText(err)}`;
      log(`${e.s.name} ${e.v.label}: ${e.error}`);
    }
  }
  const random = seeded(RUN_ORDER_SEED);
  for (let i = 0; i < runs; i++) {
    checkInterrupted();
    for (const e of shuffled(entries, random)) {
      if (e.error || e.spent > RUN_BUDGET_MS) continue;
      const id = idFor(`${e.s.name}-r`, i);
      try {
        const t0 = now();
        await e.v.run(id);
        const ms = since(t0);
        e.samples.push(ms);
        e.spent += ms;
      } catch (err) {
        e.error = `run ${i + 1} failed: ${errorText(err)}`;
        log(`${e.s.name} ${e.v.label}: ${e.error}`);
      }
    }
  }
  const out = new Map<Subject, Record<string, Outcome<Summary>>>();
  for (const e of entries) {
    const rec = out.get(e.s) ?? {};
    rec[e.v.label] = e.error ? { failed: e.error } : summarize(e.samples);
    out.set(e.s, rec);
    log(`${e.s.name} ${e.v.label}: ${e.error ?? `median ${summarize(e.samples).median} ms over ${e.samples.length}`}`);
  }
  return out;
}

export async function measureConcurrent(lc: Lifecycle, ids: string[]): Promise<ConcurrentResult> {
  checkInterrupted();
  let t0 = now();
  await all(ids, (id) => lc.start(id));
  const startMs = since(t0);
  t0 = now();
  await lc.stopAll(ids);
  const stopMs = since(t0);
  t0 = now();
  await lc.removeAll(ids);
  const deleteMs = since(t0);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { containers: ids.length, startMs: r(startMs), stopMs: r(stopMs), deleteMs: r(deleteMs), how: lc.how };
}

/**
 * Daemon RSS with nothing running, then N containers started (a few at a time), then the
 * daemon's and every monitor's memory; `whileLoaded` runs with them still up (corral's
 * recovery figure needs containers on disk). The containers are stopped and deleted after,
 * whatever happened.
 */
export async function measureMemory(lc: Lifecycle, ids: string[], whileLoaded?: () => Promise<void>): Promise<MemoryResult> {
  const daemonRss = async () => {
    const pid = lc.daemonPid();
    return pid === null ? null : ((await procMemory(pid))?.rssKiB ?? null);
  };
  const daemonIdleKiB = await daemonRss();
  // the peak over the whole phase: starting the containers churns the heap more than holding them
  let daemonPeakKiB: number | null = null;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const kib = await daemonRss();
      if (kib !== null) daemonPeakKiB = Math.max(daemonPeakKiB ?? 0, kib);
      await sleep(RSS_SAMPLE_GAP_MS);
    }
  })();
  const started: string[] = [];
  let result: MemoryResult;
  try {
    await pool(ids, MEMORY_START_CONCURRENCY, async (id) => {
      await lc.start(id);
      started.push(id);
    });
    await sleep(SETTLE_MS);
    let daemonLoadedKiB: number | null = null;
    for (let i = 0; i < RSS_SAMPLES; i++) {
      const kib = await daemonRss();
      if (kib !== null) daemonLoadedKiB = Math.max(daemonLoadedKiB ?? 0, kib);
      await sleep(RSS_SAMPLE_GAP_MS);
    }
    // monitor.count is kept beside `containers`: a mismatch (a monitor that died, or one per pod) shows in the JSON
    const monitor = await monitorMemory(await lc.monitorPids());
    sampling = false;
    await sampler;
    // the readings of the held second belong to the phase too (they may fall between the sampler's)
    if (daemonLoadedKiB !== null) daemonPeakKiB = Math.max(daemonPeakKiB ?? 0, daemonLoadedKiB);
    if (whileLoaded) await whileLoaded();
    result = { containers: ids.length, daemonIdleKiB, daemonLoadedKiB, daemonPeakKiB, monitor };
  } catch (err) {
    sampling = false;
    await sampler;
    // the first error is the one to report; what is left over, the subject's close() removes
    await lc.stopAll(started).catch(() => {});
    await lc.removeAll(started).catch(() => {});
    throw err;
  }
  await lc.stopAll(started);
  await lc.removeAll(started);
  return result;
}
