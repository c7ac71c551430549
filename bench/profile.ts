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

/** What runs between the hop before and this one, for the table. */
const HOP_NOTES: Record<string, string> = {
  'client:send:container.create': 'the client sends container.create {bundle, start: true}',
  'read:container.create': 'the request crosses the socket and is read',
  'conmon.spawned': 'zod, the spec read from the bundle, folders made, state.json (fsync) and process.json written, conmon spawned (fork+exec from corrald)',
  'conmon.sync': 'conmon starts and runs `runc create` (runc init, namespaces, cgroups), then sends the pid',
  'create.recorded': "the pid's and conmon's start times read, process.json with the pid written (fsync)",
  'runc.start': '`runc start` spawned and done',
  'exit.seen': 'the container runs echo and exits; conmon writes the exit file; inotify; corrald reads it',
  'start.recorded': 'state.json with startedAt written (fsync)',
  'reply:container.create': 'the event and the view; the reply written',
  'client:recv:container.create': 'the reply crosses the socket',
  'client:send:container.wait': 'the client sends container.wait',
  'read:container.wait': 'the request is read',
  'exit.recorded': "the exit, queued behind the container's start, recorded: process.json and state.json written (fsync)",
  'reply:container.wait': 'the wait answered once the exit is on disk',
  'client:recv:container.wait': 'the reply crosses the socket',
  'client:send:container.delete': 'the client sends container.delete',
  'read:container.delete': 'the request is read',
  'runc.delete': '`runc delete` spawned and done',
  'delete.done': "the monitor's end awaited; both folders renamed aside and removed",
  'reply:container.delete': 'the event; the reply written',
  'client:recv:container.delete': 'the reply crosses the socket',
};

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

/** RUNS run-to-exits of the bundle on a traced corrald (PROFILED), then the table of hops. */
export async function measureProfile(profiled: CorralSubject, traceFile: string, bundle: string, runs: number, idFor: (i: number) => string, split: SplitHops[] | null): Promise<ProfileResult> {
  const c = profiled.client;
  const client = new Map<string, Stamps>();
  const totals: number[] = [];
  // one uncounted warm-up, as in the run-to-exit phase
  for (let i = -1; i < runs; i++) {
    checkInterrupted();
    const id = idFor(i + 1);
    const stamps: Stamps = new Map();
    const call = async (method: 'container.create' | 'container.wait' | 'container.delete', params: Record<string, unknown>, timeoutMs: number) => {
      stamps.set(`client:send:${method}`, process.hrtime.bigint());
      const res = await c().rawRequest(method, params, { timeoutMs });
      stamps.set(`client:recv:${method}`, process.hrtime.bigint());
      return res as Record<string, unknown>;
    };
    await call('container.create', { id, bundle, start: true }, CALL_TIMEOUT_MS);
    const exit = await call('container.wait', { id, timeoutMs: WAIT_TIMEOUT_MS }, WAIT_TIMEOUT_MS + 5000);
    if (exit.exitStatus !== 0) throw new Error(`container ${id} exited ${String(exit.exitStatus)}`);
    await call('container.delete', { id }, CALL_TIMEOUT_MS);
    if (i < 0) continue;
    client.set(id, stamps);
    totals.push(ms(stamps.get('client:recv:container.delete')! - stamps.get('client:send:container.create')!));
  }
  const traced = readTrace(traceFile);
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
  const hops = Object.keys(HOP_NOTES).filter((h) => offsets.every((o) => o.has(h)));
  const at = new Map(hops.map((h) => [h, median(offsets.map((o) => o.get(h)!))]));
  // in the order they happen in the median run (the exit can come before start's record, and so on)
  hops.sort((a, b) => at.get(a)! - at.get(b)!);
  const table: HopResult[] = hops.map((hop, i) => {
    const diffs = offsets.map((o) => o.get(hop)! - (i === 0 ? 0 : o.get(hops[i - 1])!));
    return { hop, atMs: r2(at.get(hop)!), sinceMs: r2(median(diffs)), sinceP95Ms: r2(percentile(diffs, 95)) };
  });
  const runcSplit = split?.length
    ? Object.fromEntries((['create', 'start', 'exitSeen', 'delete'] as const).map((k) => [k, r2(median(split.map((s) => s[k])))]))
    : null;
  return { runs, hops: table, total: summarize(totals), runcSplit };
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** The profile as markdown, for latest.md and profile.md. */
export function profileMarkdown(p: ProfileResult): string {
  const lines = [
    `Per-hop profile of a corral run-to-exit (bundle, socket client, ${p.runs} runs after a warm-up, a corrald with CORRAL_TRACE): the client's whole run median ${fmt(p.total.median)} ms (p95 ${fmt(p.total.p95)}). "at" is the median time since the client sent container.create; "cost" the median (and p95) of each run's time since the row before, so a row's cost is what the step in its last column takes.`,
    '',
    '| hop | at, ms | cost, ms | p95, ms | what runs before it |',
    '|---|---:|---:|---:|---|',
    ...p.hops.map((h) => `| ${h.hop} | ${fmt(h.atMs)} | ${fmt(h.sinceMs)} | ${fmt(h.sinceP95Ms)} | ${HOP_NOTES[h.hop] ?? ''} |`),
  ];
  if (p.runcSplit) {
    const s = p.runcSplit;
    lines.push('', `runc split in the same run, medians: \`runc create\` ${fmt(s.create)} ms, \`runc start\` ${fmt(s.start)} ms, the exit seen ${fmt(s.exitSeen)} ms, \`runc delete --force\` ${fmt(s.delete)} ms.`);
  }
  return lines.join('\n') + '\n';
}

const BEGIN = '<!-- bench:profile begin (written by npm run bench) -->';
const END = '<!-- bench:profile end -->';

/** Puts the profile between its markers in FILE (appended under a heading the first time). */
export function writeProfileSection(file: string, p: ProfileResult, date: string): void {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const section = `${BEGIN}\n\nMeasured by the full run of ${date} (see latest.md for the machine).\n\n${profileMarkdown(p)}\n${END}`;
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  const next = b >= 0 && e > b ? text.slice(0, b) + section + text.slice(e + END.length) : `${text.trimEnd()}\n\n## Where a run-to-exit's time goes, hop by hop\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
