// The scale phase of issue 18: corrald with 10, 100 and 1,000 running
// containers (busybox sleep from the bench bundle). At each level, from
// SCALE_CLIENTS connections: start them all, read corrald's RSS, time
// container.list, SIGKILL corrald and time a new one's first answer (every
// container listed and running), then kill and wait for all of them at once
// with a subscriber counting the process.exit events (each must come exactly
// once), and delete them. Levels run one after another, each from nothing, so
// every figure is about exactly that many containers.
import { Client } from '../shared/client.js';
import { all, checkInterrupted, now, pool, since, sleep } from './exec.js';
import { procMemory } from './memory.js';
import { summarize } from './stats.js';
import type { CorralSubject } from './corral.js';
import type { ScaleLevel, ScaleResult } from './types.js';

/** The by-hand trial started 1,000 from 16 clients. */
const SCALE_CLIENTS = 16;
const CALL_TIMEOUT_MS = 120_000;
const WAIT_TIMEOUT_MS = 120_000;
const SETTLE_MS = 1000;
const RSS_SAMPLES = 10;
const RSS_GAP_MS = 100;
const LIST_WARMUP = 3;
const LIST_MAX_SAMPLES = 100;
const LIST_BUDGET_MS = 20_000;
/** After the last wait answered, how long a late or duplicated process.exit event has to show up. */
const EVENT_GRACE_MS = 1000;

export async function measureScale(corral: CorralSubject, sleepBundle: string, levels: number[], idFor: (level: number, i: number) => string, log: (line: string) => void): Promise<ScaleResult> {
  const out: ScaleLevel[] = [];
  for (const n of levels) {
    checkInterrupted();
    out.push(await level(corral, sleepBundle, n, (i) => idFor(n, i), log));
  }
  return { clients: SCALE_CLIENTS, levels: out };
}

async function peakRss(corral: CorralSubject): Promise<number | null> {
  let peak: number | null = null;
  for (let i = 0; i < RSS_SAMPLES; i++) {
    const pid = corral.lifecycle!.daemonPid();
    const kib = pid ? ((await procMemory(pid))?.rssKiB ?? null) : null;
    if (kib !== null) peak = Math.max(peak ?? 0, kib);
    await sleep(RSS_GAP_MS);
  }
  return peak;
}

const connectAll = (socket: string) => Promise.all(Array.from({ length: SCALE_CLIENTS }, () => Client.connect(socket)));
const r1 = (x: number) => Math.round(x * 10) / 10;

async function level(corral: CorralSubject, bundle: string, n: number, idFor: (i: number) => string, log: (line: string) => void): Promise<ScaleLevel> {
  const ids = Array.from({ length: n }, (_, i) => idFor(i));
  let clients = await connectAll(corral.socket);
  const on = (i: number) => clients[i % clients.length];
  const made: string[] = [];
  try {
    let t = now();
    await pool(ids, SCALE_CLIENTS, async (id, i) => {
      await on(i).request('container.create', { id, bundle, start: true }, { timeoutMs: CALL_TIMEOUT_MS });
      made.push(id);
    });
    const startMs = r1(since(t));
    log(`scale ${n}: started in ${startMs} ms`);
    await sleep(SETTLE_MS);
    const rssKiB = await peakRss(corral);

    const c = corral.client;
    for (let i = 0; i < LIST_WARMUP; i++) await c().request('container.list', {}, { timeoutMs: CALL_TIMEOUT_MS });
    const samples: number[] = [];
    const began = Date.now();
    while (samples.length < LIST_MAX_SAMPLES && Date.now() - began < LIST_BUDGET_MS) {
      checkInterrupted();
      t = now();
      await c().request('container.list', {}, { timeoutMs: CALL_TIMEOUT_MS });
      samples.push(since(t));
    }
    const list = summarize(samples);
    log(`scale ${n}: corrald RSS ${rssKiB} KiB, container.list p50 ${list.median} ms`);

    for (const cl of clients) cl.close();
    const recovery = await corral.recover(n, true);
    if (recovery.listed !== n || recovery.running !== n) throw new Error(`after SIGKILL the new corrald listed ${recovery.listed} containers, ${recovery.running} running, of ${n}`);
    log(`scale ${n}: recovery after SIGKILL ${recovery.firstAnswerMs} ms to the first answer`);
    clients = await connectAll(corral.socket);
    const rssAfterRecoveryKiB = await peakRss(corral);

    // the subscriber counts init's exits per container: each must be reported once
    const counts = new Map<string, number>();
    const sub = await Client.connect(corral.socket);
    sub.onNotification('event', ({ event }) => {
      if (event.type === 'process.exit' && event.processId === 'init' && event.id) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
    });
    await sub.request('events.subscribe', { types: ['process.exit'] }, { timeoutMs: CALL_TIMEOUT_MS });
    t = now();
    await all(ids.map((id, i) => ({ id, i })), async ({ id, i }) => {
      const cl = on(i);
      await cl.request('container.kill', { id, signal: 'SIGKILL' }, { timeoutMs: CALL_TIMEOUT_MS });
      await cl.request('container.wait', { id, timeoutMs: WAIT_TIMEOUT_MS }, { timeoutMs: WAIT_TIMEOUT_MS + 5000 });
    });
    const killWaitMs = r1(since(t));
    await sleep(EVENT_GRACE_MS);
    sub.close();
    const exitEvents = { once: 0, missing: 0, duplicated: 0 };
    for (const id of ids) {
      const k = counts.get(id) ?? 0;
      if (k === 1) exitEvents.once++;
      else if (k === 0) exitEvents.missing++;
      else exitEvents.duplicated++;
    }
    log(`scale ${n}: kill + wait of all in ${killWaitMs} ms; exits reported once ${exitEvents.once}, missing ${exitEvents.missing}, twice or more ${exitEvents.duplicated}`);

    t = now();
    await pool(ids, SCALE_CLIENTS, (id, i) => on(i).request('container.delete', { id }, { timeoutMs: CALL_TIMEOUT_MS }));
    const deleteMs = r1(since(t));
    made.length = 0;
    return { containers: n, startMs, rssKiB, list, recovery, rssAfterRecoveryKiB, killWaitMs, exitEvents, deleteMs };
  } finally {
    // whatever a failure left: force-deleted, so the next level (or the run's close) starts clean
    if (made.length) await pool([...made], SCALE_CLIENTS, (id) => corral.client().request('container.delete', { id, force: true }, { timeoutMs: CALL_TIMEOUT_MS }).catch(() => {}), { interruptible: false });
    for (const cl of clients) cl.close();
  }
}
