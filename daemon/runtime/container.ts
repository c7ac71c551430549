// A container on disk and in the runtime: create, load, start, pause,
// resume, state, delete and its processes, built on the OCI runtime
// interface (runc and conmon in production). It
// owns the records (state.json, one process.json per process) and keeps them
// consistent with what it asked runc to do; it never decides policy (the
// supervisor serialises calls per container and reports events) and never
// assumes a state it did not read from runc or an exit file.
import { mkdirSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { ContainerT, ContainerStateT, ProcessT, ResourcesT } from '../../shared/api.js';
import { CONTAINER_OWN_NAMES, INIT_PROCESS } from '../../shared/api.js';
import { CorralError, errors } from '../../shared/errors.js';
import type { RuncStats, RuncStatus } from '../oci/runc.js';
import type { OciRuntime } from '../oci/runtime.js';
import { loadBundle, type OciProcessT, type OciSpecT } from '../oci/spec.js';
import { containerView, processView } from './view.js';
import { ContainerRecord, ProcessRecord, runtimeConfig, type ContainerRecordT, type ExecOptions, type ProcessRecordT } from './records.js';

export type { ContainerRecordT, ExecOptions, ProcessRecordT } from './records.js';
import { checkTransition, containerState, type Operation } from './decide.js';
import { makeDurable, readJsonSync, removeAside, removeTree, renameAside, writeJsonAtomic } from './files.js';
import type { Layout } from './layout.js';
import { readExitFile, type ExitFile } from './exit-file.js';
import { oomCounterFile, startTime, waitForEnd } from './procinfo.js';

export type { ExitFile } from './exit-file.js';
import { SIGKILL } from './signals.js';
import { applyOverrides, specFromImage, type ImageSource, type SpecOverrides } from './container-spec.js';
import { mountOverlay } from './mounts.js';
import { trace } from '../trace.js';

/** What a new container is made from: a bundle or a taken image, and the request's own fields over its spec. */
export interface CreateOptions {
  bundle?: string;
  image?: ImageSource;
  labels: Record<string, string>;
  overrides: SpecOverrides;
  /** Where init's output goes instead of its folder's log (a CRI container's log_path); its folder must exist. */
  initLog?: string;
  /** Init's stdin is a pipe fed through the attach socket (a CRI container's stdin without tty). */
  stdin?: boolean;
}

const OWN_NAMES = new Set<string>(Object.values(CONTAINER_OWN_NAMES));

export interface RuntimeDeps {
  layout: Layout;
  /** runc and conmon, or a stand-in in unit tests. */
  runtime: OciRuntime;
  bootId: string;
}

const now = () => new Date().toISOString();

/** rows and cols size a terminal: anything else is the caller's mistake, said before any side effect. */
function checkTerminalOptions(o: ExecOptions): void {
  const bad = (path: string, message: string) => new CorralError('invalid_params', `invalid params: ${path}: ${message}`, { data: { issues: [{ path, message }] } });
  if (!o.terminal && (o.rows !== undefined || o.cols !== undefined)) throw bad(o.rows !== undefined ? 'rows' : 'cols', 'sizes a terminal: add terminal: true');
}

/** How long a delete waits for its processes' monitors to write their exit files and end, after runc killed the processes. */
const MONITOR_EXIT_WAIT_MS = 5_000;

export class Container {
  /** runc's last known word on the container while init has not exited. */
  runcStatus: RuncStatus;
  readonly processes = new Map<string, ProcessRecordT>();
  /** Process folders load found without a process.json: a launch cut off before its record (recovery rolls them back). */
  readonly unrecorded: string[] = [];
  /** runc no longer knows the container: releaseRuntime removed it after init's exit was recorded. */
  private runtimeReleased = false;
  /** The fsyncs of init's record with its pid, left running by create (see launch). */
  private unsynced: Promise<void> | undefined;
  /** releaseSoon's runc delete, once started. */
  private releasing: Promise<void> | undefined;
  /** Process folders whose process.json is there but unreadable: not corral's writing (recovery rebuilds or sets them aside). */
  readonly unreadable: string[] = [];

  constructor(
    private readonly deps: RuntimeDeps,
    public record: ContainerRecordT,
    runcStatus: RuncStatus,
  ) {
    this.runcStatus = runcStatus;
  }

  get id(): string {
    return this.record.id;
  }
  get layout(): Layout {
    return this.deps.layout;
  }
  get bundle(): string {
    return this.record.bundle;
  }
  get init(): ProcessRecordT | undefined {
    return this.processes.get(INIT_PROCESS);
  }
  get state(): ContainerStateT {
    const init = this.init;
    return containerState(!init || init.exitStatus !== undefined, this.runcStatus);
  }

  check(op: Operation): void {
    checkTransition(op, this.id, this.state);
  }

  /**
   * New: builds the spec (the bundle's, or one from the image), writes
   * state.json, mounts an image's overlay, then has conmon run `runc create`,
   * and records init's pid before answering. A failure removes everything it
   * wrote (the mount too), so a retry starts clean.
   */
  static async create(deps: RuntimeDeps, id: string, o: CreateOptions): Promise<Container> {
    const { layout } = deps;
    const spec = o.image ? await specFromImage(id, o.image, o.overrides) : applyOverrides(await loadBundle(o.bundle!), o.overrides);
    const bundle = o.image ? layout.containerDir(id) : o.bundle!;
    try {
      mkdirSync(layout.containerDir(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw errors.alreadyExists(`container ${id}`);
      throw err;
    }
    const image = o.image ? { ref: o.image.ref, digest: o.image.digest } : undefined;
    const c = new Container(deps, { id, bundle, ...(image ? { image } : {}), labels: o.labels, createdAt: now(), bootId: deps.bootId }, 'creating');
    // state.json must be on disk before the answer, not before conmon: written now (a crash of corrald
    // finds it in the page cache), its fsyncs run while conmon and runc create work
    let durable: Promise<void> | undefined;
    try {
      await c.saveRecord(false);
      durable = makeDurable(layout.stateFile(id));
      durable.catch(() => {}); // awaited below; a launch that fails first must not leave it unhandled
      if (o.image) {
        // only a crash of corrald in this boot can find these before init's record: recovery removes the folder
        await writeJsonAtomic(layout.imageConfigFile(id), spec, false);
        await c.mountRootfs();
        trace('rootfs.mounted', id);
      }
      await c.launch(INIT_PROCESS, spec.process, runtimeConfig(spec, bundle), { logFile: o.initLog, stdin: o.stdin && !spec.process.terminal, deferSync: true });
      await durable;
      trace('create.recorded', id);
      c.runcStatus = 'created';
      return c;
    } catch (err) {
      await c.destroyQuietly();
      throw err;
    }
  }

  /** The overlay of a container from an image: the image's tree below, its own upper/work; a no-op if mounted. */
  private async mountRootfs(): Promise<void> {
    const { layout } = this.deps;
    const digest = this.record.image?.digest;
    if (!digest) return;
    await mountOverlay({ lower: layout.unpackedRootfs(digest), upper: layout.overlayUpper(this.id), work: layout.overlayWork(this.id), target: layout.rootfsDir(this.id) });
  }

  /**
   * Reads the records of container ID; throws when state.json is unreadable.
   * Only restore calls it, before corrald serves anyone: the reads are
   * synchronous, a tenth of the cost of fs.promises' four thread-pool round
   * trips per file, which 1,000 containers' records made most of a restore.
   */
  static async load(deps: RuntimeDeps, id: string, runcStatus: RuncStatus | undefined): Promise<Container> {
    const record = ContainerRecord.parse(readJsonSync(deps.layout.stateFile(id)));
    if (record.id !== id) throw new Error(`state.json names container ${record.id}, not ${id}`);
    // runc could not be asked (or has forgotten it): the last state corral itself recorded, until runc answers
    const c = new Container(deps, record, runcStatus ?? (record.startedAt ? 'running' : 'created'));
    const entries = readdirSync(deps.layout.containerDir(id), { withFileTypes: true });
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.') || OWN_NAMES.has(e.name)) continue;
      let raw: unknown;
      try {
        raw = readJsonSync(deps.layout.processFile(id, e.name));
      } catch (err) {
        raw = err;
      }
      if (raw instanceof Error && (raw as NodeJS.ErrnoException).code === 'ENOENT') {
        c.unrecorded.push(e.name);
        continue;
      }
      const parsed = ProcessRecord.safeParse(raw);
      if (parsed.success && parsed.data.id === e.name) c.processes.set(e.name, parsed.data);
      else c.unreadable.push(e.name);
    }
    return c;
  }

  /**
   * Runs conmon for PROCESSID and records its pid. The record is written
   * before conmon starts (pid null), so a crash in between leaves a record
   * recovery can finish or roll back. DEFERSYNC: the record with the pid is
   * written, but its fsyncs are left running for flush() (start runs them
   * beside `runc start`); whoever answers must flush first.
   */
  private async launch(
    processId: string,
    spec: OciProcessT,
    config?: OciSpecT,
    io: { stdin?: boolean; attachReady?: () => Promise<void>; logFile?: string; deferSync?: boolean } = {},
  ): Promise<ProcessRecordT> {
    const { layout } = this.deps;
    const id = this.id;
    try {
      // not recursive: a folder already there holds a record corral cannot read, never reused (recovery
      // has rolled back the ones a crash cut off before their record)
      mkdirSync(layout.processDir(id, processId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw errors.alreadyExists(`process ${processId} in container ${id}`);
      throw err;
    }
    const rec: ProcessRecordT = {
      id: processId,
      session: `${id}.${processId}`,
      spec,
      bootId: this.deps.bootId,
      startedAt: now(),
      pid: null,
      ...(io.logFile ? { logFile: io.logFile } : {}),
      ...(io.stdin ? { stdin: true } : {}),
    };
    // registered at once: the folder is this record's, and a failed exec removes both
    this.processes.set(processId, rec);
    mkdirSync(layout.runtimeBundle(id, processId), { recursive: true });
    mkdirSync(layout.monitorExitDir(id, processId), { recursive: true });
    // only a crash of corrald in this boot can find this pid-less record: no need to wait for the disk
    await writeJsonAtomic(layout.processFile(id, processId), rec, false);
    const exec = processId !== INIT_PROCESS;
    if (exec) await writeJsonAtomic(layout.execSpecFile(id, processId), spec, false);
    if (config) await writeJsonAtomic(layout.runtimeConfigFile(id, processId), config, false);
    const launched = await this.deps.runtime.launch({
      containerId: id,
      session: rec.session,
      bundle: layout.runtimeBundle(id, processId),
      pidFile: layout.pidFile(id, processId),
      conmonPidFile: layout.conmonPidFile(id, processId),
      exitDir: layout.monitorExitDir(id, processId),
      persistDir: layout.processDir(id, processId),
      logFile: this.logFile(processId),
      socketDir: layout.runtimeDir(id, processId),
      runcLogFile: layout.runcLogFile(id, processId),
      execSpecFile: exec ? layout.execSpecFile(id, processId) : undefined,
      terminal: spec.terminal === true,
      stdin: io.stdin === true,
    }, io.attachReady);
    rec.pid = launched.pid;
    rec.pidStart = await startTime(launched.pid);
    if (launched.conmonPid) {
      rec.conmonPid = launched.conmonPid;
      rec.conmonStart = await startTime(launched.conmonPid);
    }
    if (!io.deferSync) {
      await writeJsonAtomic(layout.processFile(id, processId), rec);
      return rec;
    }
    await writeJsonAtomic(layout.processFile(id, processId), rec, false);
    this.unsynced = makeDurable(layout.processFile(id, processId));
    this.unsynced.catch(() => {}); // flush() reports it
    return rec;
  }

  /** Waits for the fsyncs a create left running (see launch); a no-op when there are none. */
  async flush(): Promise<void> {
    const pending = this.unsynced;
    this.unsynced = undefined;
    await pending;
  }

  async start(): Promise<void> {
    this.check('start');
    // after a reboot, or an admin's umount, the host's view of the rootfs is gone: the container's own survives in its namespace
    await this.mountRootfs();
    // init's record with its pid reaches the disk while runc starts it
    await Promise.all([this.deps.runtime.start(this.id), this.flush()]);
    trace('runc.start', this.id);
    this.runcStatus = 'running';
    const oomCounter = this.init?.pid ? await oomCounterFile(this.init.pid) : undefined;
    this.record = { ...this.record, startedAt: now(), ...(oomCounter ? { oomCounter } : {}) };
    // init's own record keeps its create time; its start time is the container's (see processView).
    // Not fsync'd: a crash of corrald keeps the page cache, and after a power loss the container is
    // stopped by the reboot whatever this said; the exit's record, which is, carries startedAt too.
    await this.saveRecord(false);
    trace('start.recorded', this.id);
  }

  async pause(): Promise<void> {
    this.check('pause');
    await this.deps.runtime.pause(this.id);
    this.runcStatus = 'paused';
  }

  async resume(): Promise<void> {
    this.check('resume');
    await this.deps.runtime.resume(this.id);
    this.runcStatus = 'running';
  }

  async kill(signal: number, all: boolean): Promise<void> {
    this.check('kill');
    const init = this.init;
    await this.deps.runtime.kill(this.id, signal, all, init?.pid && init.pidStart !== undefined ? { pid: init.pid, start: init.pidStart } : undefined);
  }

  /** Signals one process; an exec's pid is checked against its start time so a reused pid is never hit. */
  async killProcess(processId: string, signal: number): Promise<void> {
    const p = this.getProcess(processId);
    if (processId === INIT_PROCESS) return this.kill(signal, false);
    if (p.exitStatus !== undefined || !p.pid) throw errors.invalidState(`process ${processId} of ${this.id} has already exited (status ${p.exitStatus})`);
    const st = await startTime(p.pid);
    if (st === undefined || (p.pidStart !== undefined && st !== p.pidStart)) {
      throw errors.invalidState(`process ${processId} of ${this.id} is no longer running; its exit is being recorded`);
    }
    try {
      process.kill(p.pid, signal);
    } catch (err) {
      throw new CorralError('runtime_error', `cannot signal process ${processId} (pid ${p.pid}): ${(err as Error).message}`, { cause: err });
    }
  }

  /** ATTACHREADY: for a terminal or stdin, called before the process runs (see OciRuntime.launch). */
  async exec(o: ExecOptions, attachReady?: () => Promise<void>): Promise<ProcessRecordT> {
    this.check('exec');
    if (this.processes.has(o.processId)) throw errors.alreadyExists(`process ${o.processId} in container ${this.id}`);
    checkTerminalOptions(o);
    const base = this.init!.spec;
    const { consoleSize: _inherited, ...rest } = base;
    const spec: OciProcessT = {
      ...rest,
      terminal: o.terminal === true,
      // runc sizes the new pty from consoleSize before the process starts
      ...(o.terminal && (o.rows || o.cols) ? { consoleSize: { height: o.rows ?? 24, width: o.cols ?? 80 } } : {}),
      args: o.args,
      env: o.env ?? base.env,
      cwd: o.cwd ?? base.cwd,
      user: o.user ?? base.user,
    };
    try {
      return await this.launch(o.processId, spec, undefined, { stdin: o.stdin && !o.terminal, attachReady });
    } catch (err) {
      // launch registers the process only once it owns the folder: anything else is not ours to remove
      if (this.processes.get(o.processId)?.pid === null) {
        this.processes.delete(o.processId);
        await this.removeProcessFolders(o.processId).catch(() => {});
      }
      throw err;
    }
  }

  async stats(): Promise<RuncStats> {
    this.check('stats');
    return this.deps.runtime.stats(this.id);
  }

  async update(resources: ResourcesT): Promise<void> {
    this.check('update');
    await this.deps.runtime.update(this.id, resources);
  }

  /** The exit conmon recorded for PROCESSID, or undefined while it runs (exit-file.ts). */
  readExit(processId: string): Promise<ExitFile | undefined> {
    return readExitFile(this.deps.layout, this.id, processId);
  }

  /** Marks OOM kills up to KILLS as reported and writes it down, so a restart does not report them again. */
  async noteOomReported(kills: number): Promise<void> {
    this.record = { ...this.record, oomReportedAt: now(), oomKills: kills };
    await this.saveRecord();
  }

  /** Writes state.json from the record in memory; DURABLE false skips the fsyncs (see files.ts). */
  async saveRecord(durable = true): Promise<void> {
    await writeJsonAtomic(this.deps.layout.stateFile(this.id), this.record, durable);
  }


  /** Marks an exit in memory; saveExit then writes it. Split so the event can be emitted in between. */
  noteExit(processId: string, status: number, reason?: string, exitedAt: string = now()): ProcessRecordT {
    const p = this.getProcess(processId);
    Object.assign(p, { exitStatus: status, exitedAt, exitReason: reason });
    if (processId === INIT_PROCESS) {
      this.runcStatus = 'stopped';
      this.record = { ...this.record, exitStatus: status, exitedAt, exitReason: reason };
    }
    return p;
  }

  /** Writes an exit to process.json and, for init, to state.json (survives the exit file's loss and a reboot). */
  async saveExit(processId: string): Promise<void> {
    await Promise.all([
      this.saveProcess(this.getProcess(processId)),
      processId === INIT_PROCESS ? this.saveRecord() : undefined,
    ]);
  }

  async saveProcess(p: ProcessRecordT): Promise<void> {
    await writeJsonAtomic(this.deps.layout.processFile(this.id, p.id), p);
  }

  /** Forgets an exited exec process: its record, log and runtime folder. */
  async deleteProcess(processId: string): Promise<void> {
    const p = this.getProcess(processId);
    if (processId === INIT_PROCESS) throw errors.invalidState(`the init process cannot be deleted on its own; delete container ${this.id}`);
    if (p.exitStatus === undefined) throw errors.invalidState(`process ${processId} of ${this.id} is still running; kill it first (process.kill)`);
    await this.removeProcessFolders(processId);
    this.processes.delete(processId);
  }

  async removeProcessFolders(processId: string): Promise<void> {
    await removeAside(this.deps.layout.processDir(this.id, processId));
    await removeAside(this.deps.layout.runtimeDir(this.id, processId));
  }

  /**
   * Once init's exit is recorded, runc's record of the container and its
   * cgroup serve nothing (a stopped container is never started, paused,
   * updated or read again): they go now, off the path of the container.delete
   * that comes next, instead of in it. Best effort: one that fails (a process
   * still in the cgroup) is left for delete, which forces.
   */
  async releaseRuntime(): Promise<void> {
    if (this.runtimeReleased || this.init?.exitStatus === undefined) return;
    try {
      await this.deps.runtime.delete(this.id, false);
    } catch (err) {
      if (!(err instanceof CorralError && err.reason === 'not_found')) throw err;
    }
    this.runtimeReleased = true;
  }

  /**
   * releaseRuntime, started by the writer that records init's exit as soon
   * as it is noted (runc start is done by then: the exit is queued behind
   * it), so the fork and runc run while the record is fsync'd and the client
   * asks for the delete. Not awaited by the queue; delete awaits it. A crash
   * before the record is on disk loses nothing: the exit file holds the code.
   */
  releaseSoon(): Promise<void> {
    this.releasing ??= this.releaseRuntime();
    return this.releasing;
  }

  /**
   * Deletes the container: runc forgets it, its monitors end (they write
   * into both folders until then), and the commit, its folder renamed aside,
   * after which it is gone for recovery too (which finishes the removal after
   * a crash); both folders are then removed (an image's overlay unmounted).
   * When every process's exit is recorded, as after a run to its end, the
   * monitors have written all they will, so the commit and the removal of
   * the container's folder need not wait for runc: they run beside `runc
   * delete`. The caller has made sure init has exited (or forces).
   */
  async delete(): Promise<void> {
    const { layout } = this.deps;
    // a deleted container leaves nothing running: each monitor writes its exit file, then exits
    const monitors = [...this.processes.values()].filter((p) => p.conmonPid).map((p) => ({ pid: p.conmonPid!, start: p.conmonStart }));
    const ended = [...this.processes.values()].every((p) => p.exitStatus !== undefined);
    let removing: Promise<void> | undefined;
    if (ended) {
      await waitForEnd(monitors, MONITOR_EXIT_WAIT_MS);
      removing = this.commitDelete();
    }
    try {
      await this.removeRuntime();
    } finally {
      await removing?.catch(() => undefined); // its own failure is reported below, after runc's
    }
    trace('runc.delete', this.id);
    if (!ended) {
      await waitForEnd(monitors, MONITOR_EXIT_WAIT_MS);
      removing = this.commitDelete();
    }
    // runc's and conmon's folder is never a mount point's parent: no mountinfo to read
    const runtime = renameAside(layout.runtimeContainerDir(this.id));
    await Promise.all([runtime && fs.rm(runtime, { recursive: true, force: true }), removing]);
    trace('delete.done', this.id);
  }

  /** The commit of a delete, the container's folder renamed aside, then its removal (off the main thread). */
  private commitDelete(): Promise<void> {
    const own = renameAside(this.deps.layout.containerDir(this.id));
    trace('delete.committed', this.id);
    return own ? removeTree(own) : Promise.resolve();
  }

  private async removeRuntime(): Promise<void> {
    const gone = (err: unknown) => err instanceof CorralError && err.reason === 'not_found';
    // its failure is this one's to handle: it forces
    await this.releasing?.catch(() => undefined);
    if (this.runtimeReleased) return;
    try {
      // a stopped container needs no force; a created one does (its init waits in runc's exec fifo)
      await this.deps.runtime.delete(this.id, this.state !== 'stopped');
    } catch (err) {
      // runc disagrees with our record (e.g. a process outlived its lost monitor): make it so
      if (!gone(err)) {
        await this.deps.runtime.delete(this.id, true).catch((again) => {
          if (!gone(again)) throw again;
        });
      }
    }
  }

  /** Best-effort teardown after a failed create: nothing may be left behind. */
  async destroyQuietly(): Promise<void> {
    const st = await this.deps.runtime.state(this.id).catch(() => undefined);
    if (st) await this.deps.runtime.delete(this.id, true).catch(() => {});
    const monitors = [...this.processes.values()].filter((p) => p.conmonPid).map((p) => ({ pid: p.conmonPid!, start: p.conmonStart }));
    for (const m of monitors) {
      try {
        process.kill(m.pid, SIGKILL);
      } catch {
        // already gone
      }
    }
    await waitForEnd(monitors, MONITOR_EXIT_WAIT_MS);
    await removeAside(this.deps.layout.containerDir(this.id)).catch(() => {});
    await removeAside(this.deps.layout.runtimeContainerDir(this.id)).catch(() => {});
  }

  /** Where PROCESSID's output is: its folder's log, or the file its record names (a CRI log_path). */
  logFile(processId: string): string {
    return this.processes.get(processId)?.logFile ?? this.deps.layout.logFile(this.id, processId);
  }

  getProcess(processId: string): ProcessRecordT {
    const p = this.processes.get(processId);
    if (!p) throw errors.notFound(`process ${processId} in container ${this.id}`, 'list them with process.list');
    return p;
  }

  processView(p: ProcessRecordT): ProcessT {
    return processView(this, p);
  }

  view(): ContainerT {
    return containerView(this);
  }
}
