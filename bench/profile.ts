// The per-hop profile of a corral run-to-exit (issue 18): a corrald of its
// own with CORRAL_TRACE set (daemon/trace.ts writes one CLOCK_MONOTONIC line
// per hop), driven by the socket client, which stamps its own sends and
// receives on the same clock. Each hop's time is the median over the runs,
// since the client sent container.create; each hop's cost is the median of
// the per-run differences to the hop before it in the table. The table goes
// into latest.md, and for a full run into bench/results/profile.md between
// markers, so anyone can see where each millisecond goes.
import fs from 'node:fs';
import { checkInterrupted } from './exec.js';
import { median, percentile, summarize } from './stats.js';
import type { CorralSubject } from './corral.js';
import type { SplitHops } from './peers/runc.js';
import type { HopResult, ProfileResult } from './types.js';

const CALL_TIMEOUT_MS = 60_000;
const WAIT_TIMEOUT_MS = 30_000;

/** Who spends a hop's time: the socket and the client, corrald itself, or conmon, runc and the container. */
type Party = 'socket' | 'corrald' | 'runtime';

interface HopSpec {
  hop: string;
  /** The hops it waits for: its cost is its time since the latest of them. */
  after: string[];
  party: Party;
  note: string;
}

/**
 * The causal chain of a run-to-exit, in the order a reader follows it. The
 * exit is seen in parallel with start's record; its record waits for both
 * (the container's queue), and the wait's reply for the record and the request.
 */
const HOPS: HopSpec[] = [
  { hop: 'client:send:container.create', after: [], party: 'socket', note: 'the client sends container.create {…, start: true}' },
  { hop: 'read:container.create', after: ['client:send:container.create'], party: 'socket', note: 'the request crosses the socket and is read' },
  { hop: 'rootfs.mounted', after: ['read:container.create'], party: 'corrald', note: "(from an image) zod, the spec from the image's config, folders, state.json (its fsync runs on meanwhile) and config.json written, the overlay mounted (mount(8) spawned)" },
  { hop: 'conmon.spawned', after: ['rootfs.mounted', 'read:container.create'], party: 'corrald', note: '(from a bundle: zod, the bundle\'s spec read, folders, state.json, whose fsync runs on beside conmon) process.json and config.json written, conmon spawned (fork+exec from corrald)' },
  { hop: 'conmon.sync', after: ['conmon.spawned'], party: 'runtime', note: 'conmon starts and runs `runc create` (runc init, namespaces, cgroups), then sends the pid' },
  { hop: 'create.recorded', after: ['conmon.sync'], party: 'corrald', note: "the pid's and conmon's start times read, process.json with the pid written (its fsync left to run beside runc start), state.json's fsync done" },
  { hop: 'runc.start', after: ['create.recorded'], party: 'runtime', note: "`runc start` spawned by corrald and done, and init's record with its pid fsync'd meanwhile" },
  { hop: 'start.recorded', after: ['runc.start'], party: 'corrald', note: 'state.json with startedAt written (no fsync: only this boot needs it)' },
  { hop: 'reply:container.create', after: ['start.recorded'], party: 'corrald', note: 'the event and the view; the reply about to be written' },
  { hop: 'client:recv:container.create', after: ['reply:container.create'], party: 'socket', note: 'the reply written and across the socket' },
  { hop: 'exit.seen', after: ['runc.start'], party: 'runtime', note: '(in parallel) the container runs echo and exits; conmon writes the exit file; inotify; corrald reads it' },
  { hop: 'client:send:container.wait', after: ['client:recv:container.create'], party: 'socket', note: 'the client sends container.wait' },
  { hop: 'read:container.wait', after: ['client:send:container.wait'], party: 'socket', note: 'the request is read' },
  { hop: 'exit.recorded', after: ['exit.seen', 'start.recorded'], party: 'corrald', note: "the exit, queued behind the container's start, recorded: process.json and state.json written (fsync)" },
  { hop: 'reply:container.wait', after: ['exit.recorded', 'read:container.wait'], party: 'corrald', note: 'the wait answered once the exit is on disk (the reply about to be written)' },
  { hop: 'client:recv:container.wait', after: ['reply:container.wait'], party: 'socket', note: 'the reply written and across the socket' },
  { hop: 'client:send:container.delete', after: ['client:recv:container.wait'], party: 'socket', note: 'the client sends container.delete' },
  { hop: 'read:container.delete', after: ['client:send:container.delete'], party: 'socket', note: 'the request is read' },
  { hop: 'delete.committed', after: ['read:container.delete'], party: 'corrald', note: "the monitor's end awaited (polled from 1 ms, doubling to 10); the commit: the container's folder renamed aside, its removal started" },
  { hop: 'runc.delete', after: ['delete.committed', 'exit.recorded'], party: 'runtime', note: "`runc delete`, started as soon as the exit was noted (beside its record's fsyncs), done" },
  { hop: 'delete.done', after: ['runc.delete'], party: 'corrald', note: "the runtime folder renamed aside; both folders' removal done (an image's: umount(8) spawned)" },
  { hop: 'reply:container.delete', after: ['delete.done'], party: 'corrald', note: 'the event; the reply about to be written' },
  { hop: 'client:recv:container.delete', after: ['reply:container.delete'], party: 'socket', note: 'the reply written and across the socket' },
];

type Stamps = Map<string, bigint>;

/** The first time each hop was traced, per container id. */
function readTrace(file: string): Map<string, Stamps> {
  const byId = new Map<string, Stamps>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [ns, hop, id] = line.split(' ');
    if (!ns || !hop || !id) continue;
    const m = byId.get(id) ?? new Map<string, bigint>();
    if (!m.has(hop)) m.set(hop, BigInt(ns));
    byId.set(id, m);
  }
  return byId;
}

const ms = (ns: bigint) => Number(ns) / 1e6;
const r2 = (x: number) => Math.round(x * 100) / 100;

type From = { bundle: string } | { image: string; args: string[] };

/**
 * RUNS run-to-exits of each of FROMS (a bundle, an image) on a traced corrald (PROFILED),
 * alternated run by run so that a change of load on the machine falls on all alike; then
 * one table of hops per FROM. SPLIT goes with the first (the bundle runc split runs).
 */
export async function measureProfiles(profiled: CorralSubject, traceFile: string, froms: From[], runs: number, idFor: (kind: number, i: number) => string, split: SplitHops[] | null): Promise<ProfileResult[]> {
  const c = profiled.client;
  const client = froms.map(() => new Map<string, Stamps>());
  const totals: number[][] = froms.map(() => []);
  // one uncounted warm-up each, as in the run-to-exit phase
  for (let i = -1; i < runs; i++) {
    for (const [k, from] of froms.entries()) {
      checkInterrupted();
      const id = idFor(k, i + 1);
      const stamps: Stamps = new Map();
      const call = async (method: 'container.create' | 'container.wait' | 'container.delete', params: Record<string, unknown>, timeoutMs: number) => {
        stamps.set(`client:send:${method}`, process.hrtime.bigint());
        const res = await c().rawRequest(method, params, { timeoutMs });
        stamps.set(`client:recv:${method}`, process.hrtime.bigint());
        return res as Record<string, unknown>;
      };
      await call('container.create', { id, ...from, start: true }, CALL_TIMEOUT_MS);
      const exit = await call('container.wait', { id, timeoutMs: WAIT_TIMEOUT_MS }, WAIT_TIMEOUT_MS + 5000);
      if (exit.exitStatus !== 0) throw new Error(`container ${id} exited ${String(exit.exitStatus)}`);
      await call('container.delete', { id }, CALL_TIMEOUT_MS);
      if (i < 0) continue;
      client[k].set(id, stamps);
      totals[k].push(ms(stamps.get('client:recv:container.delete')! - stamps.get('client:send:container.create')!));
    }
  }
  const traced = readTrace(traceFile);
  return froms.map((from, k) => hopTable(from, client[k], traced, totals[k], k === 0 ? split : null));
}

function hopTable(from: From, client: Map<string, Stamps>, traced: Map<string, Stamps>, totals: number[], split: SplitHops[] | null): ProfileResult {
  const runs = totals.length;
  // per run: every hop's offset from the client's send of container.create
  const offsets: Map<string, number>[] = [];
  for (const [id, stamps] of client) {
    const t = traced.get(id);
    if (!t) throw new Error(`corrald traced nothing for ${id}: is CORRAL_TRACE honoured by this build?`);
    const t0 = stamps.get('client:send:container.create')!;
    const all = new Map<string, number>();
    for (const [hop, ns] of [...stamps, ...t]) all.set(hop, ms(ns - t0));
    offsets.push(all);
  }
  const specs = HOPS.filter((h) => offsets.every((o) => o.has(h.hop)));
  const last = specs.at(-1)!.hop;
  const costOf = (o: Map<string, number>, h: HopSpec) => {
    const before = h.after.filter((a) => o.has(a));
    return before.length ? o.get(h.hop)! - Math.max(...before.map((a) => o.get(a)!)) : o.get(h.hop)!;
  };
  const table: HopResult[] = specs.map((h) => {
    const costs = offsets.map((o) => costOf(o, h));
    return { hop: h.hop, atMs: r2(median(offsets.map((o) => o.get(h.hop)!))), sinceMs: r2(median(costs)), sinceP95Ms: r2(percentile(costs, 95)) };
  });
  // each run's critical path, from the client's last receive back through the latest of each hop's causes
  const byParty: Record<Party, number[]> = { socket: [], corrald: [], runtime: [] };
  const spec = new Map(specs.map((h) => [h.hop, h]));
  for (const o of offsets) {
    const sum: Record<Party, number> = { socket: 0, corrald: 0, runtime: 0 };
    for (let h = spec.get(last); h; ) {
      sum[h.party] += costOf(o, h);
      const before = h.after.filter((a) => o.has(a) && spec.has(a));
      h = before.length ? spec.get(before.reduce((x, y) => (o.get(x)! >= o.get(y)! ? x : y))) : undefined;
    }
    for (const k of Object.keys(sum) as Party[]) byParty[k].push(sum[k]);
  }
  const critical = Object.fromEntries((Object.keys(byParty) as Party[]).map((k) => [k, r2(median(byParty[k]))])) as Record<Party, number>;
  const runcSplit = split?.length
    ? Object.fromEntries((['create', 'start', 'exitSeen', 'delete'] as const).map((k) => [k, r2(median(split.map((s) => s[k])))]))
    : null;
  return { from: 'bundle' in from ? 'bundle' : 'image', runs, hops: table, critical, total: summarize(totals), runcSplit };
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

const NOTE = new Map(HOPS.map((h) => [h.hop, h]));
const PARTY: Record<Party, string> = { socket: 'the socket and the client', corrald: 'corrald itself', runtime: 'conmon, runc and the container' };

/** The profile as markdown, for latest.md and profile.md. */
export function profileMarkdown(p: ProfileResult): string {
  const c = p.critical;
  const lines = [
    `Per-hop profile of a corral run-to-exit from ${p.from === 'bundle' ? 'the bundle' : 'the imported image'} (socket client, ${p.runs} runs after a warm-up, a corrald with CORRAL_TRACE): the client's whole run median ${fmt(p.total.median)} ms (p95 ${fmt(p.total.p95)}). "at" is the median time since the client sent container.create; "cost" the median (and p95) over the runs of the time since the latest hop it waits for, i.e. what the step in the last column takes.`,
    '',
    '| hop | at, ms | cost, ms | p95, ms | who | what runs before it |',
    '|---|---:|---:|---:|---|---|',
    ...p.hops.map((h) => `| ${h.hop} | ${fmt(h.atMs)} | ${fmt(h.sinceMs)} | ${fmt(h.sinceP95Ms)} | ${NOTE.get(h.hop)?.party ?? ''} | ${NOTE.get(h.hop)?.note ?? ''} |`),
    '',
    `On each run's critical path (medians over the runs): ${(Object.keys(c) as Party[]).map((k) => `${PARTY[k]} ${fmt(c[k])} ms`).join(', ')}.`,
  ];
  if (p.runcSplit) {
    const s = p.runcSplit;
    lines.push('', `runc split in the run-to-exit phase, medians: \`runc create\` ${fmt(s.create)} ms, \`runc start\` ${fmt(s.start)} ms, the exit seen ${fmt(s.exitSeen)} ms, \`runc delete --force\` ${fmt(s.delete)} ms.`);
  }
  return lines.join('\n') + '\n';
}

const BEGIN = '<!-- bench:profile begin (written by npm run bench) -->';
const END = '<!-- bench:profile end -->';

/** Puts the profiles between their markers in FILE (appended under a heading the first time). */
export function writeProfileSection(file: string, profiles: ProfileResult[], date: string): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const section = `${BEGIN}\n\nMeasured by the full run of ${date} (see latest.md for the machine and the load on it).\n\n${profiles.map(profileMarkdown).join('\n')}\n${END}`;
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  const next = b >= 0 && e > b ? text.slice(0, b) + section + text.slice(e + END.length) : `${text.trimEnd()}\n\n## Where a run-to-exit's time goes, hop by hop\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
