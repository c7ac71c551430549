// The supervisor: corrald's in-memory index of containers and the only writer
// of their lifecycle. Every change to a container runs through that
// container's queue (one writer per container, containers in parallel),
// becomes an event on the bus, and is answered from memory afterwards, so
// list/get never touch runc or the disk. Every exit, whoever finds it (the
// exit file's watch, the reconcile loop, a forced delete, recovery), goes
// through one funnel into that queue: the ExitRecorder (exit-recorder.ts).
import type { Logger } from 'pino';
import type { ContainerStateT, ContainerT, ExitT as Exit, ParsedParamsOf, ProcessT, ResourcesT } from '../../shared/api.js';
import { ImageStore } from '../images/store.js';
import { INIT_PROCESS } from '../../shared/api.js';
import { CorralError, errors } from '../../shared/errors.js';
import type { RuncStats, RuncStatus } from '../oci/runc.js';
import { Container, type RuntimeDeps } from '../runtime/container.js';
import type { ExecOptions } from '../runtime/records.js';
import type { SpecOverrides } from '../runtime/container-spec.js';
import { EXIT_UNKNOWN } from '../runtime/decide.js';
import { SIGKILL, toSignalNumber } from '../runtime/signals.js';
import type { EventBus, NewEvent } from './events.js';
import { ExitRecorder } from './exit-recorder.js';
import { KeyedQueue } from './queue.js';
import { Relays } from '../terminal/relay.js';

/** How long a forced delete waits for init to die after SIGKILL. */
const KILL_WAIT_MS = 15_000;

export class Supervisor {
  /** Entries are added and removed only inside that id's queue task (and by recovery, before serving). */
  private readonly containers = new Map<string, Container>();
  private readonly queue = new KeyedQueue();
  /** Where every exit is recorded; it owns the exits not yet saved. */
  readonly exits: ExitRecorder;
  /** The images containers are made from. */
  readonly images: ImageStore;
  /** corrald's ends of the processes' attach sockets (process.attach, process.input). */
  readonly relays: Relays;

  constructor(
    readonly deps: RuntimeDeps,
    readonly bus: EventBus,
    readonly log: Logger,
  ) {
    this.relays = new Relays((id, processId) => deps.layout.runtimeBundle(id, processId), log);
    this.exits = new ExitRecorder({ layout: deps.layout, queue: this.queue, listed: (id) => this.containers.get(id), emit: (c, e) => this.emit(c, e), log });
    this.images = new ImageStore({
      layout: deps.layout,
      log,
      emit: (type, image) => this.bus.emit({ type, image }),
      users: (digest) => this.imageUsers(digest),
      deleteContainer: (id) => this.delete(id, false),
    });
  }

  close(): void {
    this.exits.owners.forget(undefined, new CorralError('unavailable', 'corrald is shutting down; wait again after it restarts'));
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
  /** EXTRA: what only the CRI gives, beyond container.create's params (a pod's namespaces, mounts, log path). */
  async create(p: ParsedParamsOf<'container.create'>, extra: { overrides?: SpecOverrides; initLog?: string; stdin?: boolean } = {}): Promise<ContainerT> {
    // taken before the queue: an image.remove from now on sees this create and refuses
    const taken = p.image ? this.images.take(p.image) : undefined;
    const overrides = { args: p.args, env: p.env, cwd: p.cwd, user: p.user, resources: p.resources, terminal: p.terminal, ...extra.overrides };
    try {
      return await this.queue.run(p.id, async () => {
        if (this.containers.has(p.id)) throw errors.alreadyExists(`container ${p.id}`);
        const c = await Container.create(this.deps, p.id, { bundle: p.bundle, image: taken?.source, labels: p.labels ?? {}, overrides, initLog: extra.initLog, stdin: extra.stdin });
        // init has not run yet: a relay opened now keeps its first output (a prompt) for the first attach;
        // a stdin pipe's relay holds it open (conmon closes it when corrald's attach goes)
        if (c.init?.spec.terminal || c.init?.stdin) await this.openRelay(c.id, INIT_PROCESS, !c.init.spec.terminal);
        // exits found by the watch queue behind this task, so they are reported after the create
        this.containers.set(c.id, c);
        this.exits.watch(c, c.init!);
        try {
          // without a start, the answer waits for init's record to be on disk (start waits for it itself)
          if (p.start) await c.start();
          else await c.flush();
        } catch (err) {
          this.forget(c.id);
          await c.destroyQuietly();
          throw err;
        }
        this.emit(c, { type: 'container.create' });
        this.log.info({ id: c.id, processPid: c.init?.pid, bundle: c.bundle, image: c.record.image?.ref }, 'container created');
        if (p.start) this.reportStart(c);
        return c.view();
      });
    } finally {
      taken?.release();
    }
  }

  /** The containers made from image DIGEST, for image.remove and prune. */
  imageUsers(digest: string): { id: string; state: ContainerStateT }[] {
    return this.all()
      .filter((c) => c.record.image?.digest === digest)
      .map((c) => ({ id: c.id, state: c.state }));
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
        const appears = this.exits.owners.get(id, INIT_PROCESS)?.fileAppears(KILL_WAIT_MS);
        await c.kill(SIGKILL, true).catch((err) => this.log.warn({ id, err }, 'SIGKILL before delete failed'));
        if ((await c.readExit(INIT_PROCESS)) === undefined) await appears;
        const exit = await c.readExit(INIT_PROCESS).catch(() => undefined);
        await this.exits.record(c, INIT_PROCESS, exit ?? { status: EXIT_UNKNOWN, reason: 'killed by a forced delete; no exit code arrived' });
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
      const p = await c.exec(o, () => this.openRelay(id, o.processId, Boolean(o.stdin && !o.terminal)));
      this.exits.watch(c, p);
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
    return this.exits.wait(c, p, timeoutMs, signal);
  }

  /** runc reports a pause or resume corral did not make: adopted and reported, if runc still says so under the lock. */
  adoptRuncStatus(c: Container): Promise<void> {
    return this.exits.whileListed(c, async () => {
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

  /** A relay opened before its process runs; one that fails costs the early output only, so it is logged, not thrown. */
  private async openRelay(id: string, processId: string, holdsStdin: boolean): Promise<void> {
    await this.relays.get(id, processId, holdsStdin).catch((err) => this.log.warn({ err, id, processId }, 'could not attach before the process started'));
  }

  /** Lists a container restored from disk; recovery calls it before its processes' exits are looked at. */
  adopt(c: Container): void {
    this.containers.set(c.id, c);
  }

  /** Drops a container from memory: its exit owners (their waiters get WHY) and its entry. */
  forget(id: string, why: unknown = errors.notFound(`container ${id}`)): void {
    this.exits.owners.forget(id, why);
    this.containers.delete(id);
  }

  private locked<T>(id: string, task: (c: Container) => Promise<T>): Promise<T> {
    return this.queue.run(id, async () => task(this.find(id)));
  }

  private emit(c: Container, e: Omit<NewEvent, 'id'>, withContainer = true): void {
    this.bus.emit({ ...e, id: c.id, ...(withContainer ? { container: c.view() } : {}) });
  }
}
