// Turns the raw results (./types.ts Results) into the markdown written beside
// them (bench/results/latest.md for a full run): a header saying when and on
// what machine, corral's performance goals with met or missed, then one table
// with corral's ratio to each peer first and the raw figures after. A figure
// that was not measured shows why, in a note under the table, never as a
// number.
import { isMeasured, TOOLS, type Outcome, type Results, type ToolName, type ToolResult } from './types.js';

type Cell = number | { why: string };
const PEERS: ToolName[] = ['runc', 'containerd', 'podman'];

interface Row {
  figure: string;
  unit: string;
  cell(t: ToolResult, tool: ToolName): Cell;
}

const mib = (kib: number) => kib / 1024;
const NA = { why: 'n/a' };

function whyNot(o: Outcome<object> | undefined): { why: string } {
  if (o && 'failed' in o) return { why: `failed: ${o.failed}` };
  // "not applicable" is what a dash says already; only other reasons get a note
  if (o && 'skipped' in o) return o.skipped.startsWith('not applicable') ? NA : { why: `skipped: ${o.skipped}` };
  return NA as { why: string };
}

/** Picks a value out of a section, or says why the section has none. */
function from<T extends object>(o: Outcome<T> | undefined, pick: (v: T) => number | null | undefined): Cell {
  if (!isMeasured(o)) return whyNot(o);
  const v = pick(o);
  return v === null || v === undefined || Number.isNaN(v) ? NA : v;
}

/** The run-to-exit variant that stands for each tool in the main rows. */
const MAIN_VARIANT: Record<ToolName, string> = { corral: 'socket client', runc: 'runc run', containerd: 'ctr run --rm', podman: 'podman run --rm' };

function runToExit(stat: 'median' | 'p95', corralVariant: string): Row['cell'] {
  // `all` holds the reason when the tool could not be set up at all
  return (t, tool) => from(t.runToExit[tool === 'corral' ? corralVariant : MAIN_VARIANT[tool]] ?? t.runToExit.all, (s) => s[stat]);
}

function rows(r: Results): Row[] {
  const c = r.params.concurrent;
  const m = r.params.memoryContainers;
  const out: Row[] = [
    { figure: 'run-to-exit, median (corral: socket client)', unit: 'ms', cell: runToExit('median', 'socket client') },
    { figure: 'run-to-exit, p95 (corral: socket client)', unit: 'ms', cell: runToExit('p95', 'socket client') },
    { figure: 'run-to-exit, median (corral: fresh socat per call)', unit: 'ms', cell: runToExit('median', 'socat per call') },
    { figure: 'run-to-exit, p95 (corral: fresh socat per call)', unit: 'ms', cell: runToExit('p95', 'socat per call') },
    { figure: `start ${c} concurrently`, unit: 'ms', cell: (t) => from(t.concurrent, (v) => v.startMs) },
    { figure: `stop ${c}`, unit: 'ms', cell: (t) => from(t.concurrent, (v) => v.stopMs) },
    { figure: `delete ${c}`, unit: 'ms', cell: (t) => from(t.concurrent, (v) => v.deleteMs) },
    { figure: 'daemon RSS, just started', unit: 'MiB', cell: (t) => (t.daemonStartKiB ? mib(t.daemonStartKiB) : NA) },
    { figure: 'daemon RSS, idle after the phases above', unit: 'MiB', cell: (t) => from(t.memory, (v) => (v.daemonIdleKiB === null ? null : mib(v.daemonIdleKiB))) },
    { figure: `daemon RSS, ${m} running (peak over 1 s)`, unit: 'MiB', cell: (t) => from(t.memory, (v) => (v.daemonLoadedKiB === null ? null : mib(v.daemonLoadedKiB))) },
    { figure: `daemon RSS, peak while starting ${m} and holding them`, unit: 'MiB', cell: (t) => from(t.memory, (v) => (v.daemonPeakKiB === null ? null : mib(v.daemonPeakKiB))) },
    { figure: 'monitor RSS per container, median', unit: 'MiB', cell: (t) => from(t.memory, (v) => mib(v.monitor.rssKiB.median)) },
    { figure: 'monitor PSS per container, median', unit: 'MiB', cell: (t) => from(t.memory, (v) => (v.monitor.pssKiB ? mib(v.monitor.pssKiB.median) : null)) },
  ];
  for (const n of r.params.listRecords) {
    out.push({ figure: `container.list, ${n} on record, p50`, unit: 'ms', cell: (t) => from(t.api, (v) => v.list[String(n)]?.median) });
    out.push({ figure: `container.list, ${n} on record, p99`, unit: 'ms', cell: (t) => from(t.api, (v) => v.list[String(n)]?.p99) });
  }
  for (const n of r.params.rpsConnections) {
    out.push({ figure: `daemon.version, ${n} connection${n === 1 ? '' : 's'}`, unit: 'req/s', cell: (t) => from(t.api, (v) => v.versionRps[String(n)]?.rps) });
  }
  out.push({ figure: `recovery: spawn to first answer, ${r.params.recoveryContainers} on disk`, unit: 'ms', cell: (t) => from(t.recovery, (v) => v.firstAnswerMs) });
  return out;
}

function fmt(x: number): string {
  if (x >= 1000) return Math.round(x).toString();
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

interface Goal {
  goal: string;
  value: number | null;
  met: boolean | null;
}

/** corral's performance goals, each computed from the figures (null: not measured in this run). */
function goals(r: Results): Goal[] {
  const t = r.tools;
  const med = (tool: ToolName, variant: string) => {
    const s = t[tool].runToExit[variant];
    return isMeasured(s) ? s.median : null;
  };
  const corral = med('corral', 'socket client');
  const runc = med('runc', 'runc run');
  const ctr = med('containerd', 'ctr run --rm');
  const mem = isMeasured(t.corral.memory) ? t.corral.memory : null;
  const list1000 = isMeasured(t.corral.api) ? (t.corral.api.list['1000']?.median ?? null) : null;
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
  const check = (v: number | null, ok: (v: number) => boolean) => (v === null ? null : ok(v));
  const g = (goal: string, value: number | null, ok: (v: number) => boolean): Goal => ({ goal, value: value === null ? null : Math.round(value * 100) / 100, met: check(value, ok) });
  return [
    g('run-to-exit median within 1.5x of bare runc run (corral / runc)', ratio(corral, runc), (v) => v <= 1.5),
    g('run-to-exit at least 2.5x faster than ctr run --rm (ctr / corral)', ratio(ctr, corral), (v) => v >= 2.5),
    g('monitor RSS per container at most 2.5 MiB (MiB)', mem ? mib(mem.monitor.rssKiB.median) : null, (v) => v <= 2.5),
    // the peak over the phase, starting included: a daemon that passes only between garbage collections does not pass
    g(`corrald RSS at most 80 MiB with ${r.params.memoryContainers} containers, peak while starting and holding them (MiB)`, mem?.daemonPeakKiB ? mib(mem.daemonPeakKiB) : null, (v) => v <= 80),
    g('container.list of 1,000 containers under 20 ms p50 (ms)', list1000, (v) => v < 20),
  ];
}

export function markdown(r: Results): string {
  const lines: string[] = [];
  const gib = (r.machine.memoryBytes / 2 ** 30).toFixed(1);
  lines.push(`# corral bench — ${r.mode} run, ${r.date}`);
  lines.push('');
  lines.push(`Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${gib} GiB memory, Linux ${r.machine.kernel}, cgroup ${r.machine.cgroup}, Node ${r.machine.node}.`);
  lines.push(`Versions: ${TOOLS.map((t) => `${t}: ${r.tools[t].version ?? 'not run'}`).join('; ')}.`);
  lines.push(`Run-to-exit: ${r.params.runs} runs each after one warm-up, round-robin over the tools; the container prints one line (/bin/echo hi) from the same busybox root filesystem in every tool. Whole run: ${Math.round(r.durationSeconds)} s; 1-minute load average ${r.loadAverage.start.toFixed(2)} at the start, ${r.loadAverage.end.toFixed(2)} at the end (other work on the machine adds noise to every tool alike).`);
  lines.push('');
  lines.push('## Goals');
  lines.push('');
  lines.push('| goal | this run | |');
  lines.push('|---|---|---|');
  for (const g of goals(r)) lines.push(`| ${g.goal} | ${g.value === null ? '—' : fmt(g.value)} | ${g.met === null ? 'not measured' : g.met ? 'met' : '**missed**'} |`);
  lines.push('');
  lines.push('## Figures');
  lines.push('');
  lines.push('Ratio: corral\'s figure divided by the peer\'s (for times and memory, below 1 means corral is ahead).');
  lines.push('');
  lines.push(`| figure | unit | ${PEERS.map((p) => `corral ÷ ${p}`).join(' | ')} | ${TOOLS.join(' | ')} |`);
  lines.push(`|---|---|${PEERS.map(() => '---:').join('|')}|${TOOLS.map(() => '---:').join('|')}|`);
  const notes: string[] = [];
  const noteFor = (why: string) => {
    if (why === 'n/a') return '—';
    let i = notes.indexOf(why);
    if (i < 0) i = notes.push(why) - 1;
    return `see ${i + 1}`;
  };
  for (const row of rows(r)) {
    const cells = Object.fromEntries(TOOLS.map((t) => [t, row.cell(r.tools[t], t)])) as Record<ToolName, Cell>;
    const ratios = PEERS.map((p) => {
      const a = cells.corral;
      const b = cells[p];
      return typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}x` : '—';
    });
    const raw = TOOLS.map((t) => {
      const v = cells[t];
      return typeof v === 'number' ? fmt(v) : noteFor(v.why);
    });
    lines.push(`| ${row.figure} | ${row.unit} | ${ratios.join(' | ')} | ${raw.join(' | ')} |`);
  }
  if (notes.length) {
    lines.push('');
    lines.push('Not measured:');
    lines.push('');
    notes.forEach((n, i) => lines.push(`${i + 1}. ${n.replace(/\s+/g, ' ').slice(0, 600)}`));
  }
  const toolNotes = TOOLS.flatMap((t) => (r.tools[t].notes ?? []).map((n) => `${t}: ${n}`));
  if (toolNotes.length) {
    lines.push('');
    lines.push('How the tools were run:');
    lines.push('');
    for (const n of toolNotes) lines.push(`- ${n}`);
  }
  lines.push('');
  lines.push('Raw numbers: bench/results/latest.json (`npm run bench`).');
  return lines.join('\n') + '\n';
}
