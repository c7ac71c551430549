// Restore: on start corrald reads every
// container from disk, finishes or rolls back what a crash interrupted,
// records the exits that happened while it was away (one process.exit each,
// init's last), reattaches to live processes, and reconciles runc and the
// running conmon monitors with its records so that nothing runs that corral
// does not list. A broken container folder is rebuilt or quarantined and
// logged; it never stops the daemon.
import { readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CONTAINER_OWN_NAMES, INIT_PROCESS, ID_PATTERN } from '../../shared/api.js';
import { readPidFile } from '../oci/conmon.js';
import type { RuncState } from '../oci/runc.js';
import { OciProcess } from '../oci/spec.js';
import { Container } from '../runtime/container.js';
import { BUNDLE_ANNOTATION, type ContainerRecordT, type ProcessRecordT } from '../runtime/records.js';
import { IMAGE_DIGEST_ANNOTATION, IMAGE_REF_ANNOTATION } from '../runtime/container-spec.js';
import { mountsUnder, unmountUnder } from '../runtime/mounts.js';
import { judgeProcess, isLeakedMonitor, monitorKey } from '../runtime/decide.js';
import { exists, isTempFile, readJson, removeAside, sweepDeleted, writeJsonAtomic } from '../runtime/files.js';
import { QUARANTINE_PREFIX } from '../runtime/layout.js';
import { findMonitors, isSameProcess, startTime, waitForEnd } from '../runtime/procinfo.js';
import { SIGKILL } from '../runtime/signals.js';
import type { Supervisor } from './supervisor.js';

/** How long restore waits for the leaked monitors it killed to be gone. */
const LEAK_KILL_WAIT_MS = 5_000;
const OWN_NAMES = new Set<string>(Object.values(CONTAINER_OWN_NAMES));
/** Containers restored at once: enough to keep the disk and the thread pool busy, few enough not to flood them. */
const RESTORE_CONCURRENCY = 16;

/** Runs FN over ITEMS, at most LIMIT at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export interface RecoveryReport {
  containers: number;
  live: number;
  exitsWhileAway: number;
  rolledBack: string[];
  quarantined: string[];
  rebuilt: string[];
  leakedContainers: string[];
  leakedMonitors: number[];
  /** Overlay mounts under the containers folder that no listed container claims (a delete cut off, a quarantine). */
  strayMounts?: string[];
  images?: number;
}

export async function recover(sup: Supervisor): Promise<RecoveryReport> {
  const { layout, runtime } = sup.deps;
  const log = sup.log;
  const report: RecoveryReport = { containers: 0, live: 0, exitsWhileAway: 0, rolledBack: [], quarantined: [], rebuilt: [], leakedContainers: [], leakedMonitors: [] };
  await fs.mkdir(layout.containersDir, { recursive: true, mode: 0o700 });
  await fs.mkdir(layout.runtimeContainersDir, { recursive: true, mode: 0o700 });
  for (const swept of [...(await sweepDeleted(layout.containersDir)), ...(await sweepDeleted(layout.runtimeContainersDir))]) {
    log.info({ folder: swept }, 'finished a delete that a crash interrupted');
  }

  let runcStates = new Map<string, RuncState>();
  try {
    runcStates = new Map((await runtime.list()).map((s) => [s.id, s]));
  } catch (err) {
    log.error({ err }, 'cannot list runc containers; states are read from the exit files alone until runc answers');
  }

  const names = (await fs.readdir(layout.containersDir)).filter((n) => !n.startsWith('.')).sort();
  // containers are independent of one another (each has its own folders and processes): restored a few
  // at a time, so that one's reads wait on the disk while another's are judged
  await eachLimited(names, RESTORE_CONCURRENCY, async (id) => {
    try {
      const c = await loadOrRebuild(sup, id, runcStates.get(id), report);
      if (!c) return;
      if (!(await mendUnreadable(sup, c, runcStates.get(id), report))) {
        await quarantine(sup, id, report);
        return;
      }
      await reviveContainer(sup, c, report);
    } catch (err) {
      log.warn({ id, err }, 'cannot restore container; quarantining its folder');
      // reviveContainer lists it before its processes (their exits look it up): a quarantined folder is not listed
      sup.forget(id);
      await quarantine(sup, id, report);
    }
  });

  await cleanLeaks(sup, runcStates, report);
  report.strayMounts = await cleanMounts(sup);
  try {
    const images = await sup.images.open(new Set(sup.all().flatMap((c) => (c.record.image ? [c.record.image.digest] : []))));
    report.images = images.images;
    if (images.jobsCleared || images.treesRemoved || images.dropped.length) log.info(images, 'image store: cleared what a crash left');
  } catch (err) {
    log.error({ err }, 'cannot open the image store; image methods will fail until corrald restarts');
  }
  report.containers = sup.size;
  log.info(report, 'restore finished');
  return report;
}

/** Unmounts every mount under the containers folder but the rootfs of a listed container. */
async function cleanMounts(sup: Supervisor): Promise<string[]> {
  const { layout } = sup.deps;
  const claimed = new Set(sup.all().filter((c) => c.record.image).map((c) => layout.rootfsDir(c.id)));
  const stray = (await mountsUnder(layout.containersDir)).filter((m) => !claimed.has(m.mountPoint));
  for (const m of stray) {
    await unmountUnder(m.mountPoint).catch((err) => sup.log.error({ err, mount: m.mountPoint }, 'cannot unmount a stray container mount'));
  }
  if (stray.length) sup.log.warn({ mounts: stray.map((m) => m.mountPoint) }, 'unmounted container mounts no record claims');
  return stray.map((m) => m.mountPoint);
}

async function loadOrRebuild(sup: Supervisor, id: string, runcState: RuncState | undefined, report: RecoveryReport): Promise<Container | undefined> {
  const { layout } = sup.deps;
  if (!ID_PATTERN.test(id)) {
    await quarantine(sup, id, report);
    return undefined;
  }
  const dir = layout.containerDir(id);
  const st = await fs.lstat(dir);
  if (!st.isDirectory()) {
    // a symlink or file planted where a container folder belongs: never follow it
    sup.log.warn({ id }, 'container entry is not a real folder; quarantining it');
    await quarantine(sup, id, report);
    return undefined;
  }
  await removeTempFiles(dir);
  try {
    return await Container.load(sup.deps, id, runcState?.status);
  } catch (err) {
    if (!(await exists(layout.stateFile(id))) && !runcState) {
      // state.json never made it: a create interrupted before anything ran
      sup.log.info({ id }, 'rolling back a create that a crash interrupted');
      await removeAside(dir);
      await removeAside(layout.runtimeContainerDir(id));
      report.rolledBack.push(id);
      return undefined;
    }
    if (!runcState) throw err;
    // runc still knows it: rebuild the record from runc's word rather than lose a live container
    const a = runcState.annotations ?? {};
    const image = a[IMAGE_DIGEST_ANNOTATION] ? { ref: a[IMAGE_REF_ANNOTATION] ?? a[IMAGE_DIGEST_ANNOTATION], digest: a[IMAGE_DIGEST_ANNOTATION] } : undefined;
    const record: ContainerRecordT = { id, bundle: a[BUNDLE_ANNOTATION] ?? runcState.bundle, ...(image ? { image } : {}), labels: {}, createdAt: runcState.created ?? new Date().toISOString(), bootId: sup.deps.bootId };
    await writeJsonAtomic(layout.stateFile(id), record);
    sup.log.warn({ id, err }, 'state.json was unreadable; rebuilt it from runc (labels are lost)');
    report.rebuilt.push(id);
    return Container.load(sup.deps, id, runcState.status);
  }
}

/** Temp files of atomic writes that a crash interrupted: the real file beside them is intact. */
async function removeTempFiles(dir: string): Promise<void> {
  // read synchronously, as Container.load reads: nothing is served yet, and most folders hold no temp file
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && isTempFile(e.name)) await fs.rm(p, { force: true });
    // an image container's rootfs and overlay hold the user's files, not corral's records
    else if (e.isDirectory() && !e.name.startsWith('.') && !OWN_NAMES.has(e.name)) for (const n of readdirSync(p)) if (isTempFile(n)) await fs.rm(path.join(p, n), { force: true });
  }
}

async function quarantine(sup: Supervisor, name: string, report: RecoveryReport): Promise<void> {
  const { layout } = sup.deps;
  const from = path.join(layout.containersDir, name);
  const to = path.join(layout.containersDir, `${QUARANTINE_PREFIX}${name}-${Date.now()}`);
  await fs.rename(from, to).catch((err) => sup.log.error({ name, err }, 'cannot quarantine folder'));
  // the runtime half (pid files, conmon's exit copy) goes: a new container of that id must find none of it
  if (ID_PATTERN.test(name)) await removeAside(layout.runtimeContainerDir(name)).catch((err) => sup.log.error({ name, err }, 'cannot remove the runtime folder'));
  report.quarantined.push(name);
  sup.log.warn({ folder: to }, 'quarantined a broken container folder; inspect or remove it');
}

/**
 * process.json files corral cannot read were not written by it (its writes
 * are atomic): a bad disk or a hand edit. Each is rebuilt from what else is
 * on disk: the spec it was started with (the runtime config for init,
 * exec.json for an exec), conmon's pid files, runc's word, and for init the
 * exit state.json recorded; the usual judgement then finds what became of
 * the process. What cannot be rebuilt is set aside with its logs, never
 * deleted: an exec's folder, or, for init, the whole container (false: the
 * caller quarantines it).
 */
async function mendUnreadable(sup: Supervisor, c: Container, runcState: RuncState | undefined, report: RecoveryReport): Promise<boolean> {
  const { layout } = sup.deps;
  for (const name of c.unreadable) {
    const rebuilt = await rebuildRecord(sup, c, name, runcState);
    if (rebuilt) {
      c.processes.set(name, rebuilt);
      await c.saveProcess(rebuilt);
      report.rebuilt.push(`${c.id}/${name}`);
      sup.log.warn({ id: c.id, processId: name, processPid: rebuilt.pid }, 'process.json was unreadable; rebuilt it from its spec, the pid files and runc');
      continue;
    }
    if (name === INIT_PROCESS) {
      sup.log.warn({ id: c.id, runcKnowsIt: Boolean(runcState) }, "the init process's process.json is unreadable and nothing vouches for the container; quarantining its folder");
      return false;
    }
    const to = path.join(layout.containerDir(c.id), `${QUARANTINE_PREFIX}${name}-${Date.now()}`);
    await fs.rename(layout.processDir(c.id, name), to);
    // its runtime half goes: a new process of that id must find no old exit file there
    await removeAside(layout.runtimeDir(c.id, name));
    report.quarantined.push(`${c.id}/${name}`);
    sup.log.warn({ id: c.id, processId: name, folder: to }, 'process.json is unreadable and cannot be rebuilt; the process folder was set aside');
  }
  return true;
}

async function rebuildRecord(sup: Supervisor, c: Container, name: string, runcState: RuncState | undefined): Promise<ProcessRecordT | undefined> {
  const { layout } = sup.deps;
  const init = name === INIT_PROCESS;
  const source = init ? layout.runtimeConfigFile(c.id, name) : layout.execSpecFile(c.id, name);
  const raw = (await readJson(source).catch(() => undefined)) as { process?: unknown } | undefined;
  const spec = OciProcess.safeParse(init ? raw?.process : raw);
  if (!spec.success) return undefined;
  const exited = init && c.record.exitStatus !== undefined;
  // runc's pid while it runs; a stopped container's pid file may name a reused pid by now
  // the pid that ran, kept for the record; a stopped container's may be reused by now, so it is never probed
  const ran = await readPidFile(layout.pidFile(c.id, name));
  const pid = exited || (init && runcState?.status === 'stopped') ? 0 : init ? runcState?.pid || 0 : ran;
  if (!exited && (pid <= 0 || (init && !runcState))) return undefined;
  const conmonPid = pid > 0 ? await readPidFile(layout.conmonPidFile(c.id, name)) : 0;
  return {
    id: name,
    session: `${c.id}.${name}`,
    spec: spec.data,
    bootId: sup.deps.bootId,
    startedAt: (init ? (runcState?.created ?? c.record.startedAt) : undefined) ?? c.record.createdAt,
    pid: pid > 0 ? pid : exited && ran > 0 ? ran : null,
    ...(pid > 0 ? { pidStart: await startTime(pid) } : {}),
    ...(conmonPid > 0 ? { conmonPid, conmonStart: await startTime(conmonPid) } : {}),
    ...(exited ? { exitStatus: c.record.exitStatus, exitedAt: c.record.exitedAt ?? c.record.createdAt, ...(c.record.exitReason ? { exitReason: c.record.exitReason } : {}) } : {}),
  };
}

async function reviveContainer(sup: Supervisor, c: Container, report: RecoveryReport): Promise<void> {
  // init's is rolled back with its whole container below
  for (const name of c.unrecorded.filter((n) => n !== INIT_PROCESS)) {
    // launch writes process.json right after making the folder, and before conmon runs: nothing was started
    await c.removeProcessFolders(name);
    report.rolledBack.push(`${c.id}/${name}`);
    sup.log.info({ id: c.id, processId: name }, 'rolled back an exec that a crash interrupted before its record');
  }
  for (const p of c.processes.values()) await adoptFromPidFiles(sup, c, p);
  if (!c.init || (c.init.pid === null && c.init.exitStatus === undefined)) {
    sup.log.info({ id: c.id }, 'rolling back a create that a crash interrupted');
    await c.destroyQuietly();
    report.rolledBack.push(c.id);
    return;
  }
  const init = c.init;
  if (init.exitStatus !== undefined && c.record.exitStatus === undefined) {
    // a crash between the two writes of an exit: process.json has it, state.json not yet
    c.noteExit(INIT_PROCESS, init.exitStatus, init.exitReason, init.exitedAt);
    await c.saveExit(INIT_PROCESS);
  }
  sup.adopt(c);
  // execs first, init last: a client sees the container stop after its processes
  const order = [...c.processes.values()].sort((a, b) => (a.id === INIT_PROCESS ? 1 : b.id === INIT_PROCESS ? -1 : 0));
  for (const p of order) await reviveProcess(sup, c, p, report);
}

/**
 * A crash between conmon's answer and the rewrite of process.json leaves the
 * record without a pid although the process runs: conmon's own pid files
 * (same boot only) say which it is, so the process is adopted, not leaked.
 */
async function adoptFromPidFiles(sup: Supervisor, c: Container, p: ProcessRecordT): Promise<void> {
  if (p.pid !== null || p.exitStatus !== undefined || p.bootId !== sup.deps.bootId) return;
  const { layout } = sup.deps;
  const pid = await readPidFile(layout.pidFile(c.id, p.id));
  if (pid <= 0) return;
  const conmonPid = await readPidFile(layout.conmonPidFile(c.id, p.id));
  p.pid = pid;
  p.pidStart = await startTime(pid);
  if (conmonPid > 0) {
    p.conmonPid = conmonPid;
    p.conmonStart = await startTime(conmonPid);
  }
  await c.saveProcess(p);
  sup.log.info({ id: c.id, processId: p.id, processPid: pid, conmonPid }, 'adopted a process whose start a crash interrupted after conmon answered');
}

async function reviveProcess(sup: Supervisor, c: Container, p: ProcessRecordT, report: RecoveryReport): Promise<void> {
  const exit = await c.readExit(p.id);
  const verdict = judgeProcess({
    recorded: p.exitStatus !== undefined,
    exitFile: exit?.status,
    rebooted: p.bootId !== sup.deps.bootId,
    monitorAlive: await isSameProcess(p.conmonPid, p.conmonStart),
    processAlive: await isSameProcess(p.pid, p.pidStart),
    hasPid: p.pid !== null,
  });
  switch (verdict.kind) {
    case 'recorded':
      return;
    case 'exited': {
      const reported = sup.bus.hasExit(c.id, p.id, p.pid);
      // the exit file's time when the verdict is its code; an unknown code ended when corral noticed
      await sup.exits.found(c, p.id, { status: verdict.status, reason: verdict.reason, at: verdict.reason ? undefined : exit?.at }, reported);
      if (!reported) report.exitsWhileAway++;
      if (verdict.reason) sup.log.warn({ id: c.id, processId: p.id, exitStatus: verdict.status, reason: verdict.reason }, 'exit code unknown');
      return;
    }
    case 'live':
      report.live++;
      sup.exits.watch(c, p);
      return;
    case 'unmonitored':
      report.live++;
      sup.exits.markUnmonitored(c, p);
      sup.log.warn({ id: c.id, processId: p.id, processPid: p.pid }, 'monitor (conmon) is gone but the process runs; its exit code will be unknown (255)');
      return;
    case 'incomplete':
      // an exec that never got its pid recorded: roll it back
      c.processes.delete(p.id);
      await c.removeProcessFolders(p.id);
      report.rolledBack.push(`${c.id}/${p.id}`);
      sup.log.info({ id: c.id, processId: p.id }, 'rolled back an exec that a crash interrupted');
      return;
  }
}

async function cleanLeaks(sup: Supervisor, runcStates: Map<string, RuncState>, report: RecoveryReport): Promise<void> {
  const { runtime, layout } = sup.deps;
  for (const id of runcStates.keys()) {
    if (sup.has(id)) continue;
    try {
      await runtime.delete(id, true);
      report.leakedContainers.push(id);
      sup.log.warn({ id }, 'deleted a runc container that corral has no record of (leaked by a crash)');
    } catch (err) {
      sup.log.error({ id, err }, 'cannot delete leaked runc container');
    }
  }
  const owned = new Set<string>();
  for (const c of sup.all()) {
    for (const p of c.processes.values()) if (p.exitStatus === undefined) owned.add(monitorKey(c.id, p.session));
  }
  const killed: { pid: number; start: number | undefined }[] = [];
  for (const m of await findMonitors(layout.runcRoot)) {
    if (!isLeakedMonitor(m, owned)) continue;
    const start = await startTime(m.pid);
    try {
      process.kill(m.pid, SIGKILL);
      killed.push({ pid: m.pid, start });
      report.leakedMonitors.push(m.pid);
      sup.log.warn({ conmonPid: m.pid, id: m.containerId, session: m.session }, 'killed a conmon that corral has no record of (leaked by a crash)');
    } catch {
      // it exited meanwhile
    }
  }
  // a SIGKILL takes effect when the process next runs: restore is done when they are gone, not when they were told
  await waitForEnd(killed, LEAK_KILL_WAIT_MS);
}
