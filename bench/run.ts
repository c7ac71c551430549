// `npm run bench`: measures corral against bare runc, containerd and podman
// on this machine in one run and writes the raw figures to
// bench/results/latest.json, the table to bench/results/latest.md, the scale
// chart to bench/results/latest-scale.svg and the per-hop table into
// bench/results/profile.md (bench/results/README.md, the summary, is written
// by hand). `--quick` measures corral and bare runc only, with N of 1-3, for
// the test that keeps this script from rotting; `--only` picks tools and/or
// phases (`--only scale` runs the long scale phase alone). Both write to --out
// (default: the system's temporary folder), never over the committed results.
// Everything the run starts lives under one temporary folder and is cleaned up
// in a finally block, also on SIGINT/SIGTERM.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBundle } from '../shared/bundle.js';
import { corralSubject, type CorralSubject } from './corral.js';
import { buildOciArchive } from './image.js';
import { corralDisk, measureDisk, measurePull } from './images.js';
import { measureProfiles, writeProfileSection } from './profile.js';
import { measureScale } from './scale.js';
import { scaleChart } from './chart.js';
import { ensurePackages, PEER_PACKAGES } from './install.js';
import { checkInterrupted, interruption } from './exec.js';
import { errorText, measureConcurrent, measureMemory, measureRunToExit } from './measure.js';
import { containerdSubject, NAMESPACE as CONTAINERD_NAMESPACE } from './peers/containerd.js';
import { podmanSubject, CGROUP_PARENT as PODMAN_CGROUP_PARENT } from './peers/podman.js';
import { runcSubject, type RuncSubject } from './peers/runc.js';
import { procMemory } from './memory.js';
import { markdown } from './report.js';
import { rmdirCgroups, sweep } from './sweep.js';
import { isMeasured, PHASES, TOOLS, type Phase, type Params, type Results, type Subject, type ToolName, type ToolResult } from './types.js';

const TOP = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const FULL: Params = {
  runs: 50,
  concurrent: 50,
  memoryContainers: 100,
  listRecords: [100, 1000],
  rpsConnections: [1, 32],
  rpsSeconds: 3,
  recoveryContainers: 100,
  diskContainers: 50,
  pullRounds: 7,
  profileRuns: 30,
  scaleLevels: [10, 100, 1000],
};
// N of 1-3 and fractions of a second: the point is that every code path runs, not the figures
const QUICK: Params = {
  runs: 2,
  concurrent: 3,
  memoryContainers: 3,
  listRecords: [3, 10],
  rpsConnections: [1, 32],
  rpsSeconds: 0.2,
  recoveryContainers: 3,
  diskContainers: 3,
  pullRounds: 1,
  profileRuns: 2,
  scaleLevels: [2, 4],
};
/** Phases that compare every tool; the others are corral's own. */
const SHARED_PHASES: Phase[] = ['run', 'concurrent', 'memory', 'images'];

function parseArgs(argv: string[]) {
  let quick = false;
  let out: string | null = null;
  const onlyTools: ToolName[] = [];
  const onlyPhases: Phase[] = [];
  let partial = false;
  let stateOnDisk = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--out') out = argv[++i] ?? null;
    else if (a === '--state-on-disk') {
      // this host's own layout (its /run on disk), for comparison with the tmpfs default; never a committed run
      stateOnDisk = true;
      partial = true;
    }
    else if (a === '--only') {
      partial = true;
      for (const w of (argv[++i] ?? '').split(',').filter(Boolean)) {
        if ((TOOLS as string[]).includes(w)) onlyTools.push(w as ToolName);
        else if ((PHASES as string[]).includes(w)) onlyPhases.push(w as Phase);
        else {
          process.stderr.write(`bench: --only takes tools (${TOOLS.join(', ')}) and phases (${PHASES.join(', ')}), not ${w}\n`);
          process.exit(2);
        }
      }
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: npm run bench [-- --quick] [--out FILE.json] [--only TOOL|PHASE,...] [--state-on-disk]\n  tools: ${TOOLS.join(', ')}; phases: ${PHASES.join(', ')}\n  --state-on-disk: runtime state on disk instead of a tmpfs (a partial run)\n`);
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  const phases = onlyPhases.length ? onlyPhases : PHASES;
  // corral's own phases alone (e.g. --only scale) need no peer
  const tools = onlyTools.length ? onlyTools : phases.some((p) => SHARED_PHASES.includes(p)) ? TOOLS : (['corral'] as ToolName[]);
  const mode: Results['mode'] = quick ? 'quick' : partial ? 'partial' : 'full';
  const defaultOut = mode === 'full' ? path.join(TOP, 'bench/results/latest.json') : path.join(os.tmpdir(), `corral-bench-${mode}.json`);
  return { mode, only: tools, phases, out: path.resolve(out ?? defaultOut), committed: mode === 'full' && out === null, stateOnDisk };
}

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function emptyTool(reason: string): ToolResult {
  const s = { skipped: reason };
  return { version: null, runToExit: {}, concurrent: s, memory: s, api: s, recovery: s, disk: s, pull: s };
}

function failTool(t: ToolResult, reason: string): void {
  const f = { failed: reason };
  Object.assign(t, { concurrent: f, memory: f, api: f, recovery: f, disk: f, pull: f });
  t.runToExit = { all: f };
}

/** statfs f_type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;
/** Where a host keeps runtime state in memory: /dev/shm is a tmpfs wherever glibc's shm_open works. */
const VOLATILE_PARENT = '/dev/shm';

/**
 * The run's folder for runtime state (corrald's --state, runc's --root,
 * containerd's state, podman's runroot): a tmpfs, as /run is on any systemd
 * host and as corrald's default /run/corral assumes, while persistent data
 * (corrald's --root and the peers' roots) stays in WORK on disk. This host's
 * /run is on its disk, where runc's and conmon's O_SYNC pid files and
 * corrald's runtime files cost a journal commit each that a real host never
 * pays. Falls back to WORK where there is no tmpfs.
 */
function volatileFolder(work: string): string {
  try {
    if (fs.statfsSync(VOLATILE_PARENT).type === TMPFS_MAGIC) return fs.mkdtempSync(path.join(VOLATILE_PARENT, 'corral-bench-run-'));
  } catch {
    // no /dev/shm
  }
  return path.join(work, 'run');
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
  const { mode, only, phases, out, committed, stateOnDisk } = parseArgs(process.argv.slice(2));
  const quick = mode === 'quick';
  if (process.getuid?.() !== 0) {
    log('run as root: runc, conmon and the peers need it');
    return 1;
  }
  const params = quick ? QUICK : FULL;
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-bench-'));
  const volatile = stateOnDisk ? path.join(work, 'run') : volatileFolder(work);
  const tag = crypto.randomBytes(3).toString('hex');
  const id = (what: string, i: number) => `cb${tag}-${what}-${i}`;
  log(`${mode} run in ${work}: ${only.join(', ')}; phases ${phases.join(', ')}`);

  const tools = Object.fromEntries(TOOLS.map((t) => [t, emptyTool('not measured')])) as Record<ToolName, ToolResult>;
  const notMeasured = (p: Phase) => ({ skipped: phases.includes(p) ? 'not measured' : `left out with --only` });
  const results: Results = {
    schema: 2,
    mode,
    phases,
    date: new Date().toISOString(),
    durationSeconds: 0,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryBytes: os.totalmem(),
      kernel: os.release(),
      node: process.version,
      cgroup: cgroupMode(),
      runtimeState:
        volatile === path.join(work, 'run')
          ? `everything on disk (${stateOnDisk ? '--state-on-disk' : 'no tmpfs at /dev/shm'})`
          : `runtime state (corrald's --state, runc's --root, containerd's state, podman's --runroot and --tmpdir) on a tmpfs under ${VOLATILE_PARENT}, as /run is on a systemd host; persistent data (corrald's --root, the peers' roots, the bundles) on disk`,
    },
    loadAverage: { start: os.loadavg()[0], end: NaN },
    params,
    tools,
    profile: notMeasured('profile'),
    profileImage: notMeasured('profile'),
    scale: notMeasured('scale'),
  };
  const subjects: Subject[] = [];
  let corral: CorralSubject | null = null;

  const cleanup = async () => {
    for (const s of [...subjects].reverse()) {
      await s.close().catch((err) => log(`closing ${s.name}: ${errorText(err)}`));
    }
    subjects.length = 0;
    keepCorralLog();
    if (volatile !== work) await sweep(volatile, log);
    await sweep(work, log, `cb${tag}-`);
    // the parents containerd and podman make, once the sweep emptied them (a close cut short leaves them)
    for (const parent of [CONTAINERD_NAMESPACE, PODMAN_CGROUP_PARENT]) await rmdirCgroups(parent);
  };
  // the sweep removes the work folder; a corral failure is worth its daemon's log
  const keepCorralLog = () => {
    const c = tools.corral;
    const failed = [c.concurrent, c.memory, c.api, c.recovery, c.disk, c.pull, results.profile, results.profileImage, results.scale, ...Object.values(c.runToExit)].some((o) => 'failed' in o);
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
    // the one image every tool runs from (corral also from the bundle): built before any tool comes up
    let archive = '';
    let noImage: string | null = null;
    try {
      archive = await buildOciArchive(bundles.echo, work);
    } catch (err) {
      noImage = `the bench image could not be built: ${errorText(err)}`;
    }
    corral = (await bringUp('corral', () => corralSubject(work, volatile, bundles, log, archive ? { imageArchive: archive } : {}))) as CorralSubject | null;
    const runc = (await bringUp('runc', () => runcSubject(work, volatile, bundles.echo))) as RuncSubject | null;
    if (quick) {
      const why = '--quick measures corral and bare runc only';
      tools.containerd = emptyTool(why);
      tools.podman = emptyTool(why);
    } else {
      const usable = await ensurePackages(PEER_PACKAGES.filter((p) => only.includes(p.name as ToolName)), log);
      for (const [name, make] of [
        ['containerd', () => containerdSubject(work, volatile, archive)],
        ['podman', () => podmanSubject(work, volatile, archive)],
      ] as const) {
        if (!only.includes(name)) tools[name] = emptyTool('left out with --only');
        else if (usable[name] || noImage) failTool(tools[name], (usable[name] ?? noImage)!);
        else await bringUp(name, make);
      }
    }
    for (const t of TOOLS) {
      if (!subjects.some((s) => s.name === t)) continue;
      // sections a tool does not have are not applicable, rather than not measured
      if (t !== 'corral') tools[t].api = tools[t].recovery = tools[t].pull = { skipped: 'not applicable: corral only' };
      if (t === 'runc') tools[t].concurrent = tools[t].memory = tools[t].disk = { skipped: 'not applicable: bare runc has no detached lifecycle or monitor' };
      for (const p of SHARED_PHASES.filter((x) => !phases.includes(x))) {
        const left = { skipped: 'left out with --only' };
        if (p === 'run') tools[t].runToExit = { all: left };
        if (p === 'concurrent') tools[t].concurrent = left;
        if (p === 'memory') tools[t].memory = t === 'corral' ? (tools[t].recovery = left) : left;
        if (p === 'images') tools[t].disk = t === 'corral' ? (tools[t].pull = left) : left;
      }
      if (!phases.includes('api') && t === 'corral') tools[t].api = { skipped: 'left out with --only' };
    }

    if (phases.includes('run')) {
      checkInterrupted();
      log(`run-to-exit: ${params.runs} runs each, round-robin in shuffled orders over ${subjects.map((s) => s.name).join(', ')}`);
      const rte = await measureRunToExit(subjects, params.runs, id, log);
      for (const [s, rec] of rte) tools[s.name].runToExit = rec;
    }

    for (const s of phases.includes('concurrent') ? subjects : []) {
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

    for (const s of phases.includes('memory') ? subjects : []) {
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

    if (corral && phases.includes('api')) {
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

    if (phases.includes('images')) {
      for (const s of subjects) {
        if (!s.lifecycle) continue;
        checkInterrupted();
        const n = params.diskContainers;
        const ids = Array.from({ length: n }, (_, i) => id(`${s.name}-d`, i));
        log(`${s.name}: disk added by ${n} containers of the bench image`);
        try {
          if (s === corral) {
            if (!corral.imageRef) throw new Error(corral.noImage ?? 'no image');
            tools.corral.disk = await corralDisk(corral, ids);
          } else {
            tools[s.name].disk = await measureDisk(s.lifecycle, (i) => s.lifecycle!.start(i), ids, s.diskDirs ?? []);
          }
          log(`${s.name}: disk ${JSON.stringify(tools[s.name].disk)}`);
        } catch (err) {
          tools[s.name].disk = { failed: errorText(err) };
          log(`${s.name} disk: ${errorText(err)}`);
        }
      }
      if (corral) {
        checkInterrupted();
        log(`corral: pull through a local registry against skopeo copy, ${params.pullRounds} rounds`);
        try {
          if (!archive) throw new Error(noImage ?? 'no image');
          tools.corral.pull = await measurePull(corral, archive, work, params.pullRounds);
          log(`corral pull: ${JSON.stringify(tools.corral.pull)}`);
        } catch (err) {
          tools.corral.pull = { failed: errorText(err) };
          log(`corral pull: ${errorText(err)}`);
        }
      }
    }

    if (phases.includes('profile')) {
      checkInterrupted();
      log(`corral: per-hop profile, ${params.profileRuns} runs on a traced corrald`);
      const traceFile = path.join(work, 'corral-trace.log');
      let profiled: CorralSubject | null = null;
      try {
        profiled = await corralSubject(work, volatile, bundles, log, { trace: traceFile, ...(archive ? { imageArchive: archive } : {}) }, 'corral-profile');
        subjects.push(profiled);
        const froms = [{ bundle: bundles.echo }, ...(profiled.imageRef ? [{ image: profiled.imageRef, args: ['/bin/echo', 'hi'] }] : [])];
        const [bundle, image] = await measureProfiles(profiled, traceFile, froms, params.profileRuns, (k, i) => id(k ? 'corral-pi' : 'corral-p', i), runc?.splitHops ?? null);
        results.profile = bundle;
        results.profileImage = image ?? { failed: profiled.noImage ?? 'no image' };
        log(`corral profile: whole run median ${bundle.total.median} ms${image ? `, from the image ${image.total.median} ms` : ''}`);
      } catch (err) {
        const failed = { failed: errorText(err) };
        if ('skipped' in results.profile) results.profile = failed;
        results.profileImage = failed;
        log(`corral profile: ${errorText(err)}`);
      } finally {
        if (profiled) {
          await profiled.close().catch((err) => log(`closing the traced corrald: ${errorText(err)}`));
          subjects.splice(subjects.indexOf(profiled), 1);
        }
      }
    }

    if (phases.includes('scale')) {
      checkInterrupted();
      if (!corral) results.scale = { failed: 'corral could not be set up' };
      else {
        log(`corral: scale phase at ${params.scaleLevels.join(', ')} running containers`);
        try {
          results.scale = await measureScale(corral, bundles.sleep, params.scaleLevels, (n, i) => id(`s${n}`, i), log);
        } catch (err) {
          results.scale = { failed: errorText(err) };
          log(`corral scale: ${errorText(err)}`);
        }
      }
    }
  } finally {
    await cleanup();
  }
  if (interruption.signal.aborted) return 130;

  results.durationSeconds = Math.round((Date.now() - started) / 100) / 10;
  results.loadAverage.end = os.loadavg()[0];
  const stem = out.replace(/\.json$/, '');
  const md = markdown(results, `${path.basename(stem)}-scale.svg`);
  writeAtomic(out, JSON.stringify(results, null, 2) + '\n');
  writeAtomic(`${stem}.md`, md);
  if (isMeasured(results.scale)) {
    const caption = `corral scale phase, ${results.date.slice(0, 16).replace('T', ' ')} UTC, ${results.machine.cpus} cores (${results.machine.cpuModel}), Linux ${results.machine.kernel}; a shared machine`;
    writeAtomic(`${stem}-scale.svg`, scaleChart(results.scale, caption));
  }
  // profile.md is hand-written around the table a full run keeps up to date
  const profiles = [results.profile, results.profileImage].filter((p) => isMeasured(p));
  if (committed && profiles.length) writeProfileSection(path.join(path.dirname(out), 'profile.md'), profiles, results.date);
  process.stdout.write(md);
  log(`wrote ${out}, ${stem}.md${isMeasured(results.scale) ? ` and ${stem}-scale.svg` : ''} in ${results.durationSeconds} s`);
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
