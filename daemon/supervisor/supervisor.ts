// The supervisor: corrald's in-memory index of containers and the only writer
// of their lifecycle. Every change to a container runs through that
// container's queue (one writer per container, containers in parallel),
// becomes an event on the bus, and is answered from memory afterwards, so
// list/get never touch runc or the disk. Every exit, whoever finds it (the
// exit file's watch, the reconcile loop, a forced delete, recovery), goes
// through one funnel, exitFound, into that queue; each live process's exit has
// one owner (ProcessExit) holding its watch, its waiters and whether its
// record is saved.
import type { Logger } from 'pino';
import type { ContainerStateT, ContainerT, ExitT as Exit, ProcessT, ResourcesT } from '../../shared/api.js';
import { INIT_PROCESS } from '../../shared/api.js';
import { CorralError, errors } from '../../shared/errors.js';
import type { RuncStats, RuncStatus } from '../oci/runc.js';
import { Container, type RuntimeDeps } from '../runtime/container.js';
import type { ExecOptions, ProcessRecordT } from '../runtime/records.js';
import { EXIT_UNKNOWN, REASON_MONITOR_DISK_FULL, REASON_MONITOR_LOST } from '../runtime/decide.js';
import { diskFull } from '../runtime/files.js';
import { SIGKILL, toSignalNumber } from '../runtime/signals.js';
import type { EventBus, NewEvent } from './events.js';
import { ExitOwners, type ProcessExit } from './exits.js';
import { oomToReport } from './oom.js';
import { KeyedQueue } from './queue.js';

/** How long a forced delete waits for init to die after SIGKILL. */
const KILL_WAIT_MS = 15_000;

export class Supervisor {
  /** Entries are added and removed only inside that id's queue task (and by recovery, before serving). */
  private readonly containers = new Map<string, Container>();
  private readonly queue = new KeyedQueue();
  /** One owner per process whose exit is not yet saved; changed only inside its container's queue. */
  private readonly exits = new ExitOwners();

  constructor(
    readonly deps: RuntimeDeps,
    readonly bus: EventBus,
    readonly log: Logger,
  ) {}

  close(): void {
    this.exits.forget(undefined, new CorralError('unavailable', 'corrald is shutting down; wait again after it restarts'));
  }

  // ---- reading -----------------------------------------------------------

  find(id: string): Container {
    const c = this.containers.get(id);
    if (!c) throw errors.notFound(`container ${id}`);
    return c;
  }

  get(id: string): ContainerT {
    return this.find(id).view();
  }

  /** The containers now listed, for loops that must not see the map change under them. */
  all(): Container[] {
    return [...this.containers.values()];
  }

  has(id: string): boolean {
    return this.containers.has(id);
  }

  get size(): number {
    return this.containers.size;
  }

  list(filter: { state?: ContainerStateT; labels?: Record<string, string> } = {}): ContainerT[] {
    const out: ContainerT[] = [];
    for (const c of this.containers.values()) {
      if (filter.state && c.state !== filter.state) continue;
      if (filter.labels && !Object.entries(filter.labels).every(([k, v]) => c.record.labels[k] === v)) continue;
      out.push(c.view());
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  counts(): Record<ContainerStateT | 'total', number> {
    const n = { total: 0, created: 0, running: 0, paused: 0, stopped: 0 };
    for (const c of this.containers.values()) {
      n.total++;
      n[c.state]++;
    }
    return n;
  }

  // ---- lifecycle ---------------------------------------------------------

  /** With start: true the call is all or nothing: a start that fails removes what the create made. */
  async create(p: { id: string; bundle: string; labels?: Record<string, string>; start?: boolean }): Promise<ContainerT> {
    return this.queue.run(p.id, async () => {
      if (this.containers.has(p.id)) throw errors.alreadyExists(`container ${p.id}`);
      const c = await Container.create(this.deps, p.id, p.bundle, p.labels ?? {});
      // exits found by the watch queue behind this task, so they are reported after the create
      this.containers.set(c.id, c);
      this.watchProcess(c, c.init!);
      if (p.start) {
        try {
          await c.start();
        } catch (err) {
          this.forget(c.id);
          await c.destroyQuietly();
          throw err;
        }
      }
      this.emit(c, { type: 'container.create' });
      this.log.info({ id: c.id, processPid: c.init?.pid, bundle: c.bundle }, 'container created');
      if (p.start) this.reportStart(c);
      return c.view();
    });
  }

  start(id: string): Promise<ContainerT> {
    return this.locked(id, async (c) => {
      await this.startLocked(c);
      return c.view();
    });
  }

  private async startLocked(c: Container): Promise<void> {
    const before = c.state;
    try {
      await c.start();
    } catch (err) {
      // runc started it but its start time could not be written (a full disk): it runs, so say so and report it
      if (before !== 'created' || c.state !== 'running') throw err;
      this.log.warn({ id: c.id, err }, 'container started, but its start time could not be recorded');
    }
    this.reportStart(c);
  }

  private reportStart(c: Container): void {
    this.emit(c, { type: 'container.start', processId: INIT_PROCESS, pid: c.init?.pid ?? undefined });
    this.emit(c, { type: 'process.start', processId: INIT_PROCESS, pid: c.init?.pid ?? undefined });
    this.log.info({ id: c.id, processPid: c.init?.pid }, 'container started');
  }

  pause(id: string): Promise<ContainerT> {
    return this.locked(id, async (c) => {
      await c.pause();
      this.emit(c, { type: 'container.pause' });
      this.log.info({ id }, 'container paused');
      return c.view();
    });
  }

  resume(id: string): Promise<ContainerT> {
    return this.locked(id, async (c) => {
      await c.resume();
      this.emit(c, { type: 'container.resume' });
      this.log.info({ id }, 'container resumed');
      return c.view();
    });
  }

  kill(id: string, signal: string | number | undefined, all: boolean): Promise<void> {
    const n = toSignalNumber(signal);
    return this.locked(id, async (c) => {
      await c.kill(n, all);
      this.log.info({ id, signal: n, all }, 'container signalled');
    });
  }

  update(id: string, resources: ResourcesT): Promise<ContainerT> {
    return this.locked(id, async (c) => {
      await c.update(resources);
      this.emit(c, { type: 'container.update' });
      this.log.info({ id, resources }, 'container updated');
      return c.view();
    });
  }

  stats(id: string): Promise<RuncStats> {
    return this.find(id).stats();
  }

  delete(id: string, force: boolean): Promise<void> {
    return this.locked(id, async (c) => {
      c.check(force ? 'forceDelete' : 'delete');
      if (c.state !== 'stopped' && c.state !== 'created') {
        if (c.state === 'paused') await c.resume().catch(() => {});
        // asked before the kill, so the exit file's arrival cannot slip between the kill and the wait
        const appears = this.exits.get(id, INIT_PROCESS)?.fileAppears(KILL_WAIT_MS);
        await c.kill(SIGKILL, true).catch((err) => this.log.warn({ id, err }, 'SIGKILL before delete failed'));
        if ((await c.readExit(INIT_PROCESS)) === undefined) await appears;
        const status = await c.readExit(INIT_PROCESS).catch(() => undefined);
        await this.recordExit(c, INIT_PROCESS, status ?? EXIT_UNKNOWN, status === undefined ? 'killed by a forced delete; no exit code arrived' : undefined);
      }
      await c.delete();
      this.forget(id, errors.notFound(`container ${id} (deleted while waiting)`));
      this.emit(c, { type: 'container.delete' }, false);
      this.log.info({ id }, 'container deleted');
    });
  }

  // ---- processes ---------------------------------------------------------

  processes(id: string): ProcessT[] {
    return this.get(id).processes;
  }

  exec(id: string, o: ExecOptions): Promise<ProcessT> {
    return this.locked(id, async (c) => {
      const p = await c.exec(o);
      this.watchProcess(c, p);
      this.emit(c, { type: 'process.start', processId: p.id, pid: p.pid ?? undefined });
      this.log.info({ id, processId: p.id, processPid: p.pid }, 'process started');
      return c.processView(p);
    });
  }

  killProcess(id: string, processId: string, signal: string | number | undefined): Promise<void> {
    const n = toSignalNumber(signal);
    return this.locked(id, async (c) => {
      await c.killProcess(processId, n);
      this.log.info({ id, processId, signal: n }, 'process signalled');
    });
  }

  deleteProcess(id: string, processId: string): Promise<void> {
    return this.locked(id, async (c) => {
      await c.deleteProcess(processId);
      this.emit(c, { type: 'process.delete', processId });
      this.log.info({ id, processId }, 'process deleted');
    });
  }

  /**
   * Resolves with the exit of a process: at once if it has exited, else when
   * it does. SIGNAL withdraws the wait (a log follower closed by its client),
   * so no waiter outlives the one who asked.
   */
  wait(id: string, processId: string, timeoutMs?: number, signal?: AbortSignal): Promise<Exit> {
    const c = this.find(id);
    const p = c.getProcess(processId);
    const owner = this.exits.get(id, processId);
    // an exit still being written is answered once it is on disk, so no answer outruns the record
    if (p.exitStatus !== undefined && owner?.phase !== 'saving') return Promise.resolve(exitOf(p));
    return this.exits.of(c.id, p.id).wait(timeoutMs, signal, `process ${processId} of ${id}`);
  }

  // ---- exits -------------------------------------------------------------

  /** Gives a live process its exit owner and watches for its exit file (which may already be there). */
  watchProcess(c: Container, p: ProcessRecordT): void {
    if (p.exitStatus !== undefined) return;
    this.exits.of(c.id, p.id).startWatching(this.deps.layout.monitorExitDir(c.id, p.id), () => this.lookForExit(c, p.id));
    this.lookForExit(c, p.id);
  }

  /** The monitor of a live process died: the process runs on, watched by pid in the reconcile loop. */
  markUnmonitored(c: Container, p: ProcessRecordT): void {
    const owner = this.exits.of(c.id, p.id);
    owner.phase = 'unmonitored';
    owner.stopWatching();
  }

  exitPhase(id: string, processId: string): ProcessExit['phase'] | undefined {
    return this.exits.get(id, processId)?.phase;
  }

  /** Reads the exit file of a watched process and, if it is there, records the exit. */
  private lookForExit(c: Container, processId: string): void {
    const owner = this.exits.get(c.id, processId);
    if (!owner || c.processes.get(processId)?.exitStatus !== undefined) return;
    void c
      .readExit(processId)
      .then((status) => (status === undefined ? undefined : this.exitFound(c, processId, status)))
      .catch((err) => this.log.warn({ id: c.id, processId, err }, 'cannot record exit'));
  }

  /**
   * The funnel every exit goes through, whoever found it: queued behind the
   * container's other changes, then recorded once (later finds of the same
   * exit are no-ops). REPORTED: the process.exit event is already in the
   * history (recovery after a crash between publishing and saving).
   */
  async exitFound(c: Container, processId: string, status: number, reason?: string, reported = false): Promise<void> {
    // a forced delete waiting for this exit's file learns of it now, not when the queue reaches it
    this.exits.get(c.id, processId)?.fileSeen();
    await this.whileListed(c, () => this.recordExit(c, processId, status, reason, reported));
  }

  /** Runs TASK in C's queue if C is then still the container listed under its id (not deleted, nor replaced by a new one). */
  private whileListed(c: Container, task: () => Promise<void>): Promise<void> {
    return this.queue.run(c.id, async () => {
      if (this.containers.get(c.id) === c) await task();
    });
  }

  /**
   * Records one exit, inside the container's queue. The order is fixed here:
   * container.oom (if the kernel's kill counter rose) before process.exit, so
   * a killed process's report precedes its exit; the event is published
   * before the record is written (a crash in between is found by recovery in
   * the event history), and waiters are answered only after the write, so an
   * answer never outruns the disk. A failed write is retried by the
   * reconcile loop; conmon's exit file keeps the code meanwhile.
   */
  private async recordExit(c: Container, processId: string, status: number, reason?: string, reported = false): Promise<void> {
    const p = c.processes.get(processId);
    if (!p || p.exitStatus !== undefined) return;
    const owner = this.exits.of(c.id, p.id);
    const pid = p.pid;
    if (reason === REASON_MONITOR_LOST && (await diskFull(this.deps.layout.containerDir(c.id)))) reason = REASON_MONITOR_DISK_FULL;
    if (!reported) await this.reportOom(c, { processId, status });
    // conmon wrote the code when the process exited: that, not now, is when it did (it may have been hours ago, while corrald was down)
    c.noteExit(processId, status, reason, reason ? undefined : await c.exitTime(processId));
    if (!reported) this.emit(c, { type: 'process.exit', processId, pid: pid ?? undefined, exitStatus: status, ...(reason ? { exitReason: reason } : {}) });
    owner.stopWatching();
    owner.phase = 'saving';
    await this.saveExit(c, owner);
    const log = reason ? this.log.warn.bind(this.log) : this.log.info.bind(this.log);
    log({ id: c.id, processId, processPid: pid, exitStatus: status, reason }, 'process exited');
    owner.answer(exitOf(p));
  }

  /** Writes a noted exit; the owner goes once it is on disk, or stays 'unsaved' for the reconcile loop. */
  private async saveExit(c: Container, owner: ProcessExit): Promise<boolean> {
    try {
      await c.saveExit(owner.processId);
      this.exits.drop(owner);
      return true;
    } catch (err) {
      owner.phase = 'unsaved';
      this.log.error({ id: c.id, processId: owner.processId, err }, 'cannot write the exit record; the reconcile loop retries');
      return false;
    }
  }

  /** Retries the writes of exits whose records could not be written (disk full, I/O error). */
  async retryUnsaved(): Promise<void> {
    for (const owner of this.exits.unsaved()) {
      const c = this.containers.get(owner.id);
      if (!c) continue;
      await this.whileListed(c, async () => {
        if (owner.phase === 'unsaved' && (await this.saveExit(c, owner))) this.log.info({ id: owner.id, processId: owner.processId }, 'exit record written on retry');
      });
    }
  }

  /** container.oom for kills the kernel counted since the last report (the reconcile loop's entry: no exit claims them). */
  checkOom(c: Container): Promise<void> {
    return this.whileListed(c, () => this.reportOom(c));
  }

  /** container.oom for the kills the kernel counted and corral has not reported (oom.ts decides), before EXIT is published. */
  private async reportOom(c: Container, exit?: { processId: string; status: number }): Promise<void> {
    const report = await oomToReport(c, exit);
    if (!report) return;
    this.emit(c, { type: 'container.oom', ...(report.victim ? { processId: report.victim } : {}) });
    await c.noteOomReported(report.kills).catch((err) => this.log.warn({ id: c.id, err }, 'cannot record that the OOM kill was reported; a restart may report it again'));
    this.log.warn({ id: c.id, processId: report.victim }, 'the kernel killed a process of the container for lack of memory');
  }

  /** runc reports a pause or resume corral did not make: adopted and reported, if runc still says so under the lock. */
  adoptRuncStatus(c: Container): Promise<void> {
    return this.whileListed(c, async () => {
      // the caller's word is a snapshot: a create, start, pause or resume may have run since; only runc's word now counts
      if (c.state === 'stopped') return;
      const now: RuncStatus | undefined = (await this.deps.runtime.state(c.id).catch(() => undefined))?.status;
      if (!now || now === 'stopped' || now === c.runcStatus) return;
      const before = c.state;
      c.runcStatus = now;
      if (c.state !== before) {
        this.log.warn({ id: c.id, was: before, now: c.state }, 'runc reports a state change corral did not make');
        this.emit(c, { type: c.state === 'paused' ? 'container.pause' : 'container.resume' });
      }
    });
  }

  // ---- helpers -----------------------------------------------------------

  /** Lists a container restored from disk; recovery calls it before its processes' exits are looked at. */
  adopt(c: Container): void {
    this.containers.set(c.id, c);
  }

  /** Drops a container from memory: its exit owners (their waiters get WHY) and its entry. */
  forget(id: string, why: unknown = errors.notFound(`container ${id}`)): void {
    this.exits.forget(id, why);
    this.containers.delete(id);
  }

  private locked<T>(id: string, task: (c: Container) => Promise<T>): Promise<T> {
    return this.queue.run(id, async () => task(this.find(id)));
  }

  private emit(c: Container, e: Omit<NewEvent, 'id'>, withContainer = true): void {
    this.bus.emit({ ...e, id: c.id, ...(withContainer ? { container: c.view() } : {}) });
  }
}

function exitOf(p: ProcessRecordT): Exit {
  return { exitStatus: p.exitStatus!, exitedAt: p.exitedAt!, ...(p.exitReason ? { exitReason: p.exitReason } : {}) };
}
