// The supervisor: corrald's in-memory index of containers and the only writer
// of their lifecycle. Every change to a container runs through that
// container's queue (one writer per container, containers in parallel),
// becomes an event on the bus, and is answered from memory afterwards, so
// list/get never touch runc or the disk. Exits arrive from the exit watcher
// (inotify) and a slow reconcile loop, and each is recorded and reported once.
import type { Logger } from 'pino';
import type { ContainerStateT, ContainerT, ExitT as Exit, ProcessT, ResourcesT } from '../../shared/api.js';
import { INIT_PROCESS } from '../../shared/api.js';
import { CorralError, errors } from '../../shared/errors.js';
import type { RuncStats } from '../oci/runc.js';
import { Container, type ExecOptions, type ProcessRecordT, type RuntimeDeps } from '../runtime/container.js';
import { decideOom, EXIT_UNKNOWN, REASON_MONITOR_DISK_FULL, REASON_MONITOR_LOST, type OomFacts } from '../runtime/decide.js';
import { diskFull } from '../runtime/files.js';
import { isSameProcess } from '../runtime/procinfo.js';
import { SIGKILL, toSignalNumber } from '../runtime/signals.js';
import type { EventBus, NewEvent } from './events.js';
import { ExitWatcher, processKey } from './exits.js';
import { KeyedQueue } from './queue.js';

/** The exit status of a process ended by SIGKILL, as the OOM killer ends its victims. */
const EXIT_SIGKILL = 128 + SIGKILL;

/** How often the safety net looks at exit files and monitors that inotify should have reported. */
export const RECONCILE_INTERVAL_MS = 5_000;
/** How often the safety net asks runc for every container's status (catches changes made behind corral's back). */
export const RUNC_RECONCILE_INTERVAL_MS = 30_000;
/** How long a forced delete waits for init to die after SIGKILL. */
export const KILL_WAIT_MS = 15_000;

type Waiter = { resolve: (e: Exit) => void; reject: (e: unknown) => void };

export class Supervisor {
  readonly containers = new Map<string, Container>();
  readonly queue = new KeyedQueue();
  readonly watcher: ExitWatcher;
  /** Processes whose conmon died while they still run: watched by pid in the reconcile loop. */
  readonly unmonitored = new Set<string>();
  private waiters = new Map<string, Set<Waiter>>();
  private exitSeen = new Map<string, Set<() => void>>();
  /** Exits noted in memory whose records are being written. */
  private saving = new Set<string>();
  /** Exits whose records could not be written (disk full, I/O error): retried by reconcile. */
  private unsaved = new Map<string, { id: string; processId: string }>();
  private reconciling = false;
  private timers: NodeJS.Timeout[] = [];
  private lastRuncReconcile = 0;

  constructor(
    readonly deps: RuntimeDeps,
    readonly bus: EventBus,
    readonly log: Logger,
  ) {
    this.watcher = new ExitWatcher((id, processId) => this.onExitSignal(id, processId));
  }

  startReconciling(): void {
    const t = setInterval(() => {
      // a pass slower than the interval (runc hung on a frozen cgroup) must not pile up more passes behind it
      if (this.reconciling) return;
      this.reconciling = true;
      this.reconcile()
        .catch((err) => this.log.warn({ err }, 'reconcile failed'))
        .finally(() => (this.reconciling = false));
    }, RECONCILE_INTERVAL_MS);
    t.unref();
    this.timers.push(t);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.watcher.close();
    for (const set of this.waiters.values()) for (const w of set) w.reject(new CorralError('unavailable', 'corrald is shutting down; wait again after it restarts'));
    this.waiters.clear();
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
      this.log.info({ id: c.id, pid: c.init?.pid, bundle: c.bundle }, 'container created');
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
    this.log.info({ id: c.id, pid: c.init?.pid }, 'container started');
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
        await c.kill(SIGKILL, true).catch((err) => this.log.warn({ id, err }, 'SIGKILL before delete failed'));
        const status = await this.waitForExitFile(c, INIT_PROCESS, KILL_WAIT_MS);
        await this.recordExitLocked(c, INIT_PROCESS, status ?? EXIT_UNKNOWN, status === undefined ? 'killed by a forced delete; no exit code arrived' : undefined);
      }
      this.watcher.unwatchContainer(id);
      await c.delete();
      this.forget(id);
      for (const p of c.processes.values()) this.rejectWaiters(id, p.id, errors.notFound(`container ${id} (deleted while waiting)`));
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
      this.log.info({ id, processId: p.id, pid: p.pid }, 'process started');
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
    // an exit still being written is answered once it is on disk, so no answer outruns the record
    if (p.exitStatus !== undefined && !this.saving.has(processKey(id, processId))) return Promise.resolve(exitOf(p));
    return new Promise<Exit>((resolve, reject) => {
      const key = processKey(id, processId);
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        resolve: (e) => {
          settle();
          resolve(e);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      };
      const withdraw = (err: unknown) => {
        const set = this.waiters.get(key);
        set?.delete(w);
        if (set?.size === 0) this.waiters.delete(key);
        w.reject(err);
      };
      const onAbort = () => withdraw(new CorralError('unavailable', `the wait for process ${processId} of ${id} was withdrawn`));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => withdraw(errors.timeout(`process ${processId} of ${id} was still running after ${timeoutMs} ms; wait again or kill it`)), timeoutMs);
      }
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      set.add(w);
    });
  }

  // ---- exits -------------------------------------------------------------

  watchProcess(c: Container, p: ProcessRecordT): void {
    if (p.exitStatus !== undefined) return;
    this.watcher.watch(c.id, p.id, this.deps.layout.monitorExitDir(c.id, p.id));
    // the exit may have happened before the watch was set
    this.onExitSignal(c.id, p.id);
  }

  private onExitSignal(id: string, processId: string): void {
    const c = this.containers.get(id);
    const p = c?.processes.get(processId);
    if (!c || !p || p.exitStatus !== undefined) return;
    void c.readExit(processId).then((status) => {
      if (status === undefined) return;
      const seen = this.exitSeen.get(processKey(id, processId));
      if (seen) for (const f of seen) f();
      return this.queue.run(id, () => this.recordExitLocked(c, processId, status));
    }).catch((err) => this.log.warn({ id, processId, err }, 'cannot record exit'));
  }

  /** Records and reports one exit; idempotent, so the watcher, reconcile and delete may all call it. */
  async recordExitLocked(c: Container, processId: string, status: number, reason?: string, alreadyReported = false): Promise<void> {
    if (this.containers.get(c.id) !== c) return;
    const p = c.processes.get(processId);
    if (!p || p.exitStatus !== undefined) return;
    const pid = p.pid;
    if (reason === REASON_MONITOR_LOST && (await diskFull(this.deps.layout.containerDir(c.id)))) reason = REASON_MONITOR_DISK_FULL;
    // the OOM killer's SIGKILL ends its victim with 137; any other exit just happens to see the oom file
    if (!alreadyReported) await this.reportOomLocked(c, { processId, status });
    // conmon wrote the code when the process exited: that, not now, is when it did (it may have been hours ago, while corrald was down)
    c.noteExit(processId, status, reason, reason ? undefined : await c.exitTime(processId));
    if (!alreadyReported) {
      // reported before it is written: a crash in between is found by recovery in the history (bus.hasExit)
      this.emit(c, { type: 'process.exit', processId, pid: pid ?? undefined, exitStatus: status, ...(reason ? { exitReason: reason } : {}) });
    }
    const key = processKey(c.id, processId);
    this.saving.add(key);
    try {
      await c.saveExit(processId);
    } catch (err) {
      // the exit is known: waiters get it now; conmon's exit file keeps it for a restart, and reconcile retries the write
      this.unsaved.set(key, { id: c.id, processId });
      this.log.error({ id: c.id, processId, err }, 'cannot write the exit record; the reconcile loop retries');
    } finally {
      this.saving.delete(key);
    }
    this.watcher.unwatch(c.id, processId);
    this.unmonitored.delete(processKey(c.id, processId));
    const log = reason ? this.log.warn.bind(this.log) : this.log.info.bind(this.log);
    log({ id: c.id, processId, pid, exitStatus: status, reason }, 'process exited');
    const set = this.waiters.get(key);
    this.waiters.delete(key);
    if (set) for (const w of set) w.resolve(exitOf(p));
  }

  /**
   * container.oom for kills the kernel counted in the container's cgroup and
   * corral has not reported yet (decideOom). Called with every exit, before
   * it is published, so a killed process's report comes first and names it;
   * and by the reconcile loop for kills of processes that are not corral's.
   */
  private async reportOomLocked(c: Container, exit?: { processId: string; status: number }): Promise<void> {
    if (this.containers.get(c.id) !== c) return;
    const claimsIt = exit?.status === EXIT_SIGKILL;
    const kills = await c.oomKills();
    const facts: OomFacts = {
      kills,
      reportedKills: c.record.oomKills,
      reportedBefore: c.record.oomReportedAt !== undefined,
      oomFile: kills === undefined && (await c.oomKilled(exit?.processId ?? INIT_PROCESS)),
      victimPending: false,
      claimsIt,
    };
    let d = decideOom(facts);
    // only a report that would go out unclaimed needs the look at the other processes
    if (d.report && !claimsIt) d = decideOom({ ...facts, victimPending: await c.hasUnrecordedDeath(exit?.processId) });
    if (!d.report) return;
    this.emit(c, { type: 'container.oom', ...(claimsIt ? { processId: exit!.processId } : {}) });
    await c.noteOomReported(d.kills).catch((err) => this.log.warn({ id: c.id, err }, 'cannot record that the OOM kill was reported; a restart may report it again'));
    this.log.warn({ id: c.id, processId: claimsIt ? exit!.processId : undefined }, 'the kernel killed a process of the container for lack of memory');
  }

  private waitForExitFile(c: Container, processId: string, timeoutMs: number): Promise<number | undefined> {
    const key = processKey(c.id, processId);
    return new Promise((resolve) => {
      let set = this.exitSeen.get(key);
      if (!set) this.exitSeen.set(key, (set = new Set()));
      // an unreadable exit file is not an exit: the next poll, or the timeout, decides
      const poll = setInterval(() => void c.readExit(processId).then((s) => s !== undefined && done(), () => {}), 250);
      const timer = setTimeout(() => done(), timeoutMs);
      const done = () => {
        clearInterval(poll);
        clearTimeout(timer);
        set!.delete(done);
        if (set!.size === 0) this.exitSeen.delete(key);
        void c.readExit(processId).then(resolve, () => resolve(undefined));
      };
      set.add(done);
    });
  }

  private rejectWaiters(id: string, processId: string, err: unknown): void {
    const key = processKey(id, processId);
    const set = this.waiters.get(key);
    this.waiters.delete(key);
    if (set) for (const w of set) w.reject(err);
  }

  /** The safety net: exits inotify missed, monitors that died, runc states changed behind corral's back. */
  async reconcile(): Promise<void> {
    await this.retryUnsaved();
    for (const c of [...this.containers.values()]) {
      for (const p of [...c.processes.values()]) {
        if (p.exitStatus !== undefined || p.pid === null) continue;
        try {
          await this.reconcileProcess(c, p);
        } catch (err) {
          // one unreadable process must not keep the others' exits from being noticed
          this.log.warn({ id: c.id, processId: p.id, err }, 'cannot check process; retrying on the next pass');
        }
      }
      // after the exits: a kill that one of them claims is reported with it, not as nobody's
      if (c.state !== 'stopped') await this.queue.run(c.id, () => this.reportOomLocked(c)).catch((err) => this.log.warn({ id: c.id, err }, 'cannot check for OOM kills'));
    }
    if (Date.now() - this.lastRuncReconcile >= RUNC_RECONCILE_INTERVAL_MS) {
      this.lastRuncReconcile = Date.now();
      await this.reconcileRunc();
    }
  }

  private async retryUnsaved(): Promise<void> {
    for (const [key, { id, processId }] of [...this.unsaved]) {
      const c = this.containers.get(id);
      if (!c?.processes.has(processId)) {
        this.unsaved.delete(key);
        continue;
      }
      await this.queue.run(id, async () => {
        if (this.containers.get(id) !== c || !c.processes.has(processId)) return;
        await c.saveExit(processId);
        this.unsaved.delete(key);
        this.log.info({ id, processId }, 'exit record written on retry');
      }).catch((err) => this.log.warn({ id, processId, err }, 'still cannot write the exit record'));
    }
  }

  private async reconcileProcess(c: Container, p: ProcessRecordT): Promise<void> {
    const status = await c.readExit(p.id);
    if (status !== undefined) {
      await this.queue.run(c.id, () => this.recordExitLocked(c, p.id, status));
      return;
    }
    const key = processKey(c.id, p.id);
    if (this.unmonitored.has(key)) {
      if (!(await isSameProcess(p.pid, p.pidStart))) await this.queue.run(c.id, () => this.recordExitLocked(c, p.id, EXIT_UNKNOWN, REASON_MONITOR_LOST));
      return;
    }
    if (p.conmonPid && !(await isSameProcess(p.conmonPid, p.conmonStart))) {
      // conmon writes the exit file before it exits: look once more before calling it lost
      const late = await c.readExit(p.id);
      if (late !== undefined) await this.queue.run(c.id, () => this.recordExitLocked(c, p.id, late));
      else if (await isSameProcess(p.pid, p.pidStart)) {
        this.unmonitored.add(key);
        this.log.warn({ id: c.id, processId: p.id, pid: p.pid }, 'monitor (conmon) died; the process runs on unmonitored and its exit code will be unknown');
      } else await this.queue.run(c.id, () => this.recordExitLocked(c, p.id, EXIT_UNKNOWN, REASON_MONITOR_LOST));
    }
  }

  /** runc's states against corral's: a pause or resume made behind corral's back is adopted and reported. */
  private async reconcileRunc(): Promise<void> {
    const states = new Map((await this.deps.runc.list()).map((s) => [s.id, s.status]));
    for (const c of [...this.containers.values()]) {
      const status = states.get(c.id);
      if (c.state === 'stopped' || !status || status === 'stopped' || status === c.runcStatus) continue;
      await this.queue.run(c.id, async () => {
        // the list is a snapshot: a create, start, pause or resume may have run since; only runc's word now counts
        if (this.containers.get(c.id) !== c || c.state === 'stopped') return;
        const now = (await this.deps.runc.state(c.id).catch(() => undefined))?.status;
        if (!now || now === 'stopped' || now === c.runcStatus) return;
        const before = c.state;
        c.runcStatus = now;
        if (c.state !== before) {
          this.log.warn({ id: c.id, was: before, now: c.state }, 'runc reports a state change corral did not make');
          this.emit(c, { type: c.state === 'paused' ? 'container.pause' : 'container.resume' });
        }
      });
    }
  }

  // ---- helpers -----------------------------------------------------------

  /** Drops a container from memory: its watches, its unmonitored processes, its entry. */
  forget(id: string): void {
    this.watcher.unwatchContainer(id);
    for (const key of [...this.unmonitored]) if (key.startsWith(processKey(id, ''))) this.unmonitored.delete(key);
    this.containers.delete(id);
  }

  private locked<T>(id: string, task: (c: Container) => Promise<T>): Promise<T> {
    return this.queue.run(id, async () => task(this.find(id)));
  }

  emit(c: Container, e: Omit<NewEvent, 'id'>, withContainer = true): void {
    this.bus.emit({ ...e, id: c.id, ...(withContainer ? { container: c.view() } : {}) });
  }
}

function exitOf(p: ProcessRecordT): Exit {
  return { exitStatus: p.exitStatus!, exitedAt: p.exitedAt!, ...(p.exitReason ? { exitReason: p.exitReason } : {}) };
}
