// Turns the raw results (./types.ts Results) into the markdown written beside
// them (bench/results/latest.md for a full run): a header saying when and on
// what machine, corral's performance goals with met or missed, then one table
// with corral's ratio to each peer first and the raw figures after, then the
// image figures, the per-hop profile and the scale phase with its chart. A
// figure that was not measured shows why, in a note under the table, never as
// a number.
import { profileMarkdown } from './profile.js';
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

function runToExit(stat: 'median' | 'p95', corralVariant: string, runcVariant = MAIN_VARIANT.runc): Row['cell'] {
  // `all` holds the reason when the tool could not be set up at all
  const variant = (tool: ToolName) => (tool === 'corral' ? corralVariant : tool === 'runc' ? runcVariant : MAIN_VARIANT[tool]);
  return (t, tool) => from(t.runToExit[variant(tool)] ?? t.runToExit.all, (s) => s[stat]);
}

function rows(r: Results): Row[] {
  const c = r.params.concurrent;
  const m = r.params.memoryContainers;
  const out: Row[] = [
    { figure: 'run-to-exit, median (corral: socket client)', unit: 'ms', cell: runToExit('median', 'socket client') },
    { figure: 'run-to-exit, p95 (corral: socket client)', unit: 'ms', cell: runToExit('p95', 'socket client') },
    { figure: 'run-to-exit, median (corral: fresh socat per call)', unit: 'ms', cell: runToExit('median', 'socat per call') },
    { figure: 'run-to-exit, p95 (corral: fresh socat per call)', unit: 'ms', cell: runToExit('p95', 'socat per call') },
    { figure: 'run-to-exit, median (corral: socket client; runc: split create/start/wait/delete)', unit: 'ms', cell: runToExit('median', 'socket client', 'runc split') },
    { figure: 'run-to-exit, p95 (corral: socket client; runc: split)', unit: 'ms', cell: runToExit('p95', 'socket client', 'runc split') },
    { figure: 'run-to-exit, median (corral: socket client; runc: conmon split, the floor of a conmon-based tool)', unit: 'ms', cell: runToExit('median', 'socket client', 'conmon split') },
    { figure: 'run-to-exit, p95 (corral: socket client; runc: conmon split)', unit: 'ms', cell: runToExit('p95', 'socket client', 'conmon split') },
    { figure: 'run-to-exit from the image, median (corral: from image; runc: the bundle)', unit: 'ms', cell: runToExit('median', 'from image') },
    { figure: 'run-to-exit from the image, p95 (corral: from image)', unit: 'ms', cell: runToExit('p95', 'from image') },
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
  out.push({ figure: `disk added per container, ${r.params.diskContainers} running of one image`, unit: 'KiB', cell: (t) => from(t.disk, (v) => v.perContainerBytes / 1024) });
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
  const startAll = (tool: ToolName) => (isMeasured(t[tool].concurrent) ? t[tool].concurrent.startMs : null);
  const loaded = (tool: ToolName) => (isMeasured(t[tool].memory) ? t[tool].memory.daemonLoadedKiB : null);
  const disk = isMeasured(t.corral.disk) ? t.corral.disk.perContainerBytes : null;
  const pull = isMeasured(t.corral.pull) ? t.corral.pull : null;
  const top = isMeasured(r.scale) ? r.scale.levels.at(-1) : undefined;
  const at = top ? ` with ${top.containers}` : '';
  return [
    g('run-to-exit median within 1.5x of bare runc run (corral / runc)', ratio(corral, runc), (v) => v <= 1.5),
    g('run-to-exit at least 2.5x faster than ctr run --rm (ctr / corral)', ratio(ctr, corral), (v) => v >= 2.5),
    g('monitor RSS per container at most 2.5 MiB (MiB)', mem ? mib(mem.monitor.rssKiB.median) : null, (v) => v <= 2.5),
    // the peak over the phase, starting included: a daemon that passes only between garbage collections does not pass
    g(`corrald RSS at most 80 MiB with ${r.params.memoryContainers} containers, peak while starting and holding them (MiB)`, mem?.daemonPeakKiB ? mib(mem.daemonPeakKiB) : null, (v) => v <= 80),
    g('container.list of 1,000 containers under 20 ms p50 (ms)', list1000, (v) => v < 20),
    g('issue 14: run-to-exit from an image at most 1.2x from a bundle (image / bundle)', ratio(med('corral', 'from image'), corral), (v) => v <= 1.2),
    g('issue 14: disk added per container of one image under 1 MiB (KiB)', disk === null ? null : disk / 1024, (v) => v < 1024),
    g('issue 14: pull through a local registry at most 1.5x skopeo copy alone (corral / skopeo)', pull ? ratio(pull.corral.median, pull.skopeo.median) : null, (v) => v <= 1.5),
    g('issue 18: run-to-exit median at most 1.2x the runc split, moonshot 1.1x (corral / split)', ratio(corral, med('runc', 'runc split')), (v) => v <= 1.2),
    g(`issue 18: start ${r.params.concurrent} concurrently at most 0.4x containerd (corral / containerd)`, ratio(startAll('corral'), startAll('containerd')), (v) => v <= 0.4),
    g(`issue 18: corrald RSS with ${r.params.memoryContainers} running at most containerd's (corral / containerd)`, ratio(loaded('corral'), loaded('containerd')), (v) => v <= 1),
    g(`issue 18: corrald RSS at most 150 MiB${at} running (MiB)`, top?.rssKiB ? mib(top.rssKiB) : null, (v) => v <= 150),
    g(`issue 18: container.list p50 at most 20 ms${at} running (ms)`, top ? top.list.median : null, (v) => v <= 20),
    g(`issue 18: recovery after SIGKILL to the first answer at most 2 s${at}, every container running (ms)`, top && top.recovery.running === top.containers ? top.recovery.firstAnswerMs : null, (v) => v <= 2000),
    g(`issue 18: concurrent kill + wait${at}: every exit reported exactly once (exits not reported once)`, top ? top.exitEvents.missing + top.exitEvents.duplicated : null, (v) => v === 0),
  ];
}

const kib = (b: number) => (b / 1024).toFixed(1);

function imagesSection(r: Results): string[] {
  const lines = ['## Images (issue 14)', ''];
  const c = r.tools.corral;
  const bundle = c.runToExit['socket client'];
  const image = c.runToExit['from image'];
  if (isMeasured(bundle) && isMeasured(image)) {
    lines.push(`Run-to-exit of the same busybox root filesystem: from the bundle ${fmt(bundle.median)} ms median (p95 ${fmt(bundle.p95)}), from the imported image ${fmt(image.median)} ms (p95 ${fmt(image.p95)}): ${(image.median / bundle.median).toFixed(2)}x.`);
  } else lines.push(`Run-to-exit from the image: ${whyNot(image).why}.`);
  lines.push('');
  const disk = c.disk;
  if (isMeasured(disk)) {
    const parts = Object.entries(disk.oneContainer)
      .map(([k, v]) => `${k} ${kib(v)}`)
      .join(', ');
    lines.push(`Disk: ${disk.containers} sleeping containers of the image added ${kib(disk.afterBytes - disk.beforeBytes)} KiB to corrald's --root and --state (du -x: blocks in use, the overlay mounts not entered), ${kib(disk.perContainerBytes)} KiB each. One container's folders under --root (root) and --state (state), then their entries, KiB: ${parts}.`);
  } else lines.push(`Disk per container: ${whyNot(disk).why}.`);
  lines.push('');
  const pull = c.pull;
  if (isMeasured(pull)) {
    lines.push(`Pull of the bench image (${kib(pull.imageBytes)} KiB, one layer) from a docker-registry on 127.0.0.1, ${pull.rounds} rounds alternated: corrald's image.pull (skopeo copy into its store, umoci unpack, records) ${fmt(pull.corral.median)} ms median (p95 ${fmt(pull.corral.p95)}), \`skopeo copy docker:// oci:\` alone ${fmt(pull.skopeo.median)} ms (p95 ${fmt(pull.skopeo.p95)}): ${(pull.corral.median / pull.skopeo.median).toFixed(2)}x.`);
  } else lines.push(`Pull: ${whyNot(pull).why}.`);
  return lines;
}

function scaleSection(r: Results, svg: string): string[] {
  const lines = ['## Scale (issue 18)', ''];
  const s = r.scale;
  if (!isMeasured(s)) return [...lines, `Not measured: ${whyNot(s).why}.`];
  lines.push(`corral alone, containers of the bench bundle running \`sleep\`, each level from nothing; started and stopped from ${s.clients} connections; recovery is a SIGKILL of corrald, then a new one, until its first container.list answers (listed / running show that every container came back in its state).`);
  lines.push('');
  lines.push('| running | start all, ms | corrald RSS, MiB | RSS after recovery, MiB | list p50, ms | list p99, ms | recovery, ms | listed / running | kill + wait all, ms | exits once / missing / twice | delete all, ms |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const m = (k: number | null) => (k === null ? '—' : fmt(mib(k)));
  for (const l of s.levels) {
    lines.push(`| ${l.containers} | ${fmt(l.startMs)} | ${m(l.rssKiB)} | ${m(l.rssAfterRecoveryKiB)} | ${fmt(l.list.median)} | ${fmt(l.list.p99)} | ${fmt(l.recovery.firstAnswerMs)} | ${l.recovery.listed} / ${l.recovery.running ?? '?'} | ${fmt(l.killWaitMs)} | ${l.exitEvents.once} / ${l.exitEvents.missing} / ${l.exitEvents.duplicated} | ${fmt(l.deleteMs)} |`);
  }
  lines.push('', `![how each figure grows with the containers running](${svg})`);
  return lines;
}

export function markdown(r: Results, scaleSvg = 'latest-scale.svg'): string {
  const lines: string[] = [];
  const gib = (r.machine.memoryBytes / 2 ** 30).toFixed(1);
  lines.push(`# corral bench — ${r.mode} run, ${r.date}`);
  if (r.mode === 'partial') lines.push('', `Phases measured: ${r.phases.join(', ')}.`);
  lines.push('');
  lines.push(`Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${gib} GiB memory, Linux ${r.machine.kernel}, cgroup ${r.machine.cgroup}, Node ${r.machine.node}.`);
  if (r.machine.runtimeState) lines.push('', `Where the tools keep their files: ${r.machine.runtimeState}.`);
  lines.push(`Versions: ${TOOLS.map((t) => `${t}: ${r.tools[t].version ?? 'not run'}`).join('; ')}.`);
  lines.push(`Run-to-exit: ${r.params.runs} runs each after one warm-up, round-robin over the tools in an order shuffled each round (the same orders every bench run); the container prints one line (/bin/echo hi) from the same busybox root filesystem in every tool. Whole run: ${Math.round(r.durationSeconds)} s; 1-minute load average ${r.loadAverage.start.toFixed(2)} at the start, ${r.loadAverage.end.toFixed(2)} at the end. The machine is shared (other sessions run their tests on it meanwhile): the figures are noisy, which the round-robin spreads over every tool alike rather than removes.`);
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
  lines.push(...imagesSection(r));
  lines.push('');
  lines.push('## Per-hop profile (issue 18)');
  lines.push('');
  lines.push(isMeasured(r.profile) ? profileMarkdown(r.profile).trimEnd() : `Not measured: ${whyNot(r.profile).why}.`);
  lines.push('');
  lines.push(isMeasured(r.profileImage) ? profileMarkdown(r.profileImage).trimEnd() : `From the image: not measured: ${whyNot(r.profileImage).why}.`);
  lines.push('');
  lines.push(...scaleSection(r, scaleSvg));
  lines.push('');
  lines.push('Raw numbers: bench/results/latest.json (`npm run bench`).');
  return lines.join('\n') + '\n';
}
