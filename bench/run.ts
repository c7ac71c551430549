// `npm run bench`: measures corral against bare runc, containerd and podman
// on this machine in one run and writes the raw figures to
// bench/results/latest.json and the table to bench/results/latest.md
// (bench/results/README.md, the summary, is written by hand).
// `--quick` measures corral and bare runc only, with N of 1-3, for the test
// that keeps this script from rotting; it writes to --out (default: the
// system's temporary folder), never over the committed results. Everything
// the run starts lives under one temporary folder and is cleaned up in a
// finally block, also on SIGINT/SIGTERM.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBundle } from '../shared/bundle.js';
import { corralSubject, type CorralSubject } from './corral.js';
import { buildOciArchive } from './image.js';
import { ensurePackages, PEER_PACKAGES } from './install.js';
import { checkInterrupted, interruption } from './exec.js';
import { errorText, measureConcurrent, measureMemory, measureRunToExit } from './measure.js';
import { containerdSubject, NAMESPACE as CONTAINERD_NAMESPACE } from './peers/containerd.js';
import { podmanSubject, CGROUP_PARENT as PODMAN_CGROUP_PARENT } from './peers/podman.js';
import { runcSubject } from './peers/runc.js';
import { procMemory } from './memory.js';
import { markdown } from './report.js';
import { rmdirCgroups, sweep } from './sweep.js';
import { TOOLS, type Params, type Results, type Subject, type ToolName, type ToolResult } from './types.js';

const TOP = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const FULL: Params = { runs: 50, concurrent: 50, memoryContainers: 100, listRecords: [100, 1000], rpsConnections: [1, 32], rpsSeconds: 3, recoveryContainers: 100 };
// N of 1-3 and fractions of a second: the point is that every code path runs, not the figures
const QUICK: Params = { runs: 2, concurrent: 3, memoryContainers: 3, listRecords: [3, 10], rpsConnections: [1, 32], rpsSeconds: 0.2, recoveryContainers: 3 };

function parseArgs(argv: string[]) {
  let quick = false;
  let out: string | null = null;
  let only: ToolName[] = TOOLS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--out') out = argv[++i] ?? null;
    else if (a === '--only') only = (argv[++i] ?? '').split(',').filter((t): t is ToolName => (TOOLS as string[]).includes(t));
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench [-- --quick] [--out FILE.json] [--only corral,runc,containerd,podman]\n');
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  const defaultOut = quick ? path.join(os.tmpdir(), 'corral-bench-quick.json') : path.join(TOP, 'bench/results/latest.json');
  return { quick, only, out: path.resolve(out ?? defaultOut) };
}

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function emptyTool(reason: string): ToolResult {
  const s = { skipped: reason };
  return { version: null, runToExit: {}, concurrent: s, memory: s, api: s, recovery: s };
}

function failTool(t: ToolResult, reason: string): void {
  const f = { failed: reason };
  Object.assign(t, { concurrent: f, memory: f, api: f, recovery: f });
  t.runToExit = { all: f };
}

function cgroupMode(): string {
  if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'v2';
  return fs.existsSync('/sys/fs/cgroup/unified') ? 'v1 (hybrid)' : 'v1';
}

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

async function main(): Promise<number> {
  const { quick, only, out } = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    log('run as root: runc, conmon and the peers need it');
    return 1;
  }
  const params = quick ? QUICK : FULL;
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-bench-'));
  const tag = crypto.randomBytes(3).toString('hex');
  const id = (what: string, i: number) => `cb${tag}-${what}-${i}`;
  log(`${quick ? 'quick' : 'full'} run in ${work}`);

  const tools = Object.fromEntries(TOOLS.map((t) => [t, emptyTool('not measured')])) as Record<ToolName, ToolResult>;
  const results: Results = {
    schema: 1,
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    durationSeconds: 0,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', memoryBytes: os.totalmem(), kernel: os.release(), node: process.version, cgroup: cgroupMode() },
    loadAverage: { start: os.loadavg()[0], end: NaN },
    params,
    tools,
  };
  const subjects: Subject[] = [];
  let corral: CorralSubject | null = null;

  const cleanup = async () => {
    for (const s of [...subjects].reverse()) {
      await s.close().catch((err) => log(`closing ${s.name}: ${errorText(err)}`));
    }
    subjects.length = 0;
    keepCorralLog();
    await sweep(work, log, `cb${tag}-`);
    // the parents containerd and podman make, once the sweep emptied them (a close cut short leaves them)
    for (const parent of [CONTAINERD_NAMESPACE, PODMAN_CGROUP_PARENT]) await rmdirCgroups(parent);
  };
  // the sweep removes the work folder; a corral failure is worth its daemon's log
  const keepCorralLog = () => {
    const c = tools.corral;
    const failed = [c.concurrent, c.memory, c.api, c.recovery, ...Object.values(c.runToExit)].some((o) => 'failed' in o);
    const src = path.join(work, 'corral/corrald.log');
    if (interruption.signal.aborted || !failed || !fs.existsSync(src)) return;
    const dst = path.join(os.tmpdir(), `corral-bench-${tag}-corrald.log`);
    fs.copyFileSync(src, dst);
    log(`corral failed somewhere: corrald's log kept in ${dst}`);
  };
  // The first signal makes every loop stop at its next step; the finally block below then
  // cleans up once. A second signal means "now": exit at once, leaving what is left.
  const onSignal = (sig: NodeJS.Signals) => {
    if (interruption.signal.aborted) {
      log(`${sig} again: exiting without clean-up; what is left is under ${work}`);
      process.exit(130);
    }
    log(`${sig}: stopping at the next step, then cleaning up`);
    interruption.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const bundles = {
      echo: await createBundle(path.join(work, 'bundles/echo'), { args: ['/bin/echo', 'hi'] }),
      sleep: await createBundle(path.join(work, 'bundles/sleep'), { args: ['/bin/sleep', '1000000'] }),
      exitZero: await createBundle(path.join(work, 'bundles/true'), { args: ['/bin/true'] }),
    };

    // Each tool comes up on its own: one that cannot run here gets its reason recorded, the others go on.
    const bringUp = async (name: ToolName, make: () => Promise<Subject>) => {
      if (!only.includes(name)) {
        tools[name] = emptyTool('left out with --only');
        return null;
      }
      try {
        const s = await make();
        subjects.push(s);
        tools[name] = emptyTool('not measured');
        tools[name].version = s.version;
        if (s.notes?.length) tools[name].notes = s.notes;
        const pid = s.lifecycle?.daemonPid();
        if (pid) tools[name].daemonStartKiB = (await procMemory(pid))?.rssKiB ?? null;
        return s;
      } catch (err) {
        log(`${name} cannot run here: ${errorText(err)}`);
        failTool(tools[name], `${name} could not be set up on this host: ${errorText(err)}`);
        return null;
      }
    };
    corral = (await bringUp('corral', () => corralSubject(work, bundles, log))) as CorralSubject | null;
    await bringUp('runc', () => runcSubject(work, bundles.echo));
    if (quick) {
      const why = '--quick measures corral and bare runc only';
      tools.containerd = emptyTool(why);
      tools.podman = emptyTool(why);
    } else {
      const usable = await ensurePackages(PEER_PACKAGES.filter((p) => only.includes(p.name as ToolName)), log);
      let archive = '';
      let noImage: string | null = null;
      try {
        archive = await buildOciArchive(bundles.echo, work);
      } catch (err) {
        noImage = `the bench image could not be built: ${errorText(err)}`;
      }
      for (const [name, make] of [
        ['containerd', () => containerdSubject(work, archive)],
        ['podman', () => podmanSubject(work, archive)],
      ] as const) {
        if (!only.includes(name)) tools[name] = emptyTool('left out with --only');
        else if (usable[name] || noImage) failTool(tools[name], (usable[name] ?? noImage)!);
        else await bringUp(name, make);
      }
    }
    for (const t of TOOLS) {
      if (!subjects.some((s) => s.name === t)) continue;
      // sections a tool does not have are not applicable, rather than not measured
      if (t !== 'corral') tools[t].api = tools[t].recovery = { skipped: 'not applicable: corral only' };
      if (t === 'runc') tools[t].concurrent = tools[t].memory = { skipped: 'not applicable: bare runc has no detached lifecycle or monitor' };
    }

    checkInterrupted();
    log(`run-to-exit: ${params.runs} runs each, round-robin over ${subjects.map((s) => s.name).join(', ')}`);
    const rte = await measureRunToExit(subjects, params.runs, id, log);
    for (const [s, rec] of rte) tools[s.name].runToExit = rec;

    for (const s of subjects) {
      if (!s.lifecycle) continue;
      checkInterrupted();
      log(`${s.name}: ${params.concurrent} concurrent long-running containers`);
      try {
        const ids = Array.from({ length: params.concurrent }, (_, i) => id(`${s.name}-c`, i));
        tools[s.name].concurrent = await measureConcurrent(s.lifecycle, ids);
        log(`${s.name}: ${JSON.stringify(tools[s.name].concurrent)}`);
      } catch (err) {
        tools[s.name].concurrent = { failed: errorText(err) };
        log(`${s.name} concurrent: ${errorText(err)}`);
      }
    }

    for (const s of subjects) {
      if (!s.lifecycle) continue;
      checkInterrupted();
      log(`${s.name}: memory with ${params.memoryContainers} running`);
      const ids = Array.from({ length: params.memoryContainers }, (_, i) => id(`${s.name}-m`, i));
      // corral's recovery figure uses the containers of its memory phase: they are on disk and running
      const whileLoaded =
        s === corral
          ? async () => {
              try {
                tools.corral.recovery = await corral!.recover(ids.length);
                log(`corral recovery: ${JSON.stringify(tools.corral.recovery)}`);
              } catch (err) {
                tools.corral.recovery = { failed: errorText(err) };
                log(`corral recovery: ${errorText(err)}`);
              }
            }
          : undefined;
      try {
        tools[s.name].memory = await measureMemory(s.lifecycle, ids, whileLoaded);
        log(`${s.name}: memory ${JSON.stringify(tools[s.name].memory)}`);
      } catch (err) {
        tools[s.name].memory = { failed: errorText(err) };
        log(`${s.name} memory: ${errorText(err)}`);
        if (s === corral && 'skipped' in tools.corral.recovery) tools.corral.recovery = { failed: `not reached: the memory phase it runs in failed: ${errorText(err)}` };
      }
    }

    if (corral) {
      checkInterrupted();
      log('corral: API figures');
      try {
        tools.corral.api = await corral.measureApi({
          records: params.listRecords,
          connections: params.rpsConnections,
          seconds: params.rpsSeconds,
          idFor: (i) => id('corral-l', i),
        });
      } catch (err) {
        tools.corral.api = { failed: errorText(err) };
        log(`corral api: ${errorText(err)}`);
      }
    }
  } finally {
    await cleanup();
  }
  if (interruption.signal.aborted) return 130;

  results.durationSeconds = Math.round((Date.now() - started) / 100) / 10;
  results.loadAverage.end = os.loadavg()[0];
  const md = markdown(results);
  writeAtomic(out, JSON.stringify(results, null, 2) + '\n');
  writeAtomic(out.replace(/\.json$/, '') + '.md', md);
  process.stdout.write(md);
  log(`wrote ${out} and ${out.replace(/\.json$/, '')}.md in ${results.durationSeconds} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (interruption.signal.aborted) process.exit(130);
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
