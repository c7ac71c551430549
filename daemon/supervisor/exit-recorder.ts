// Recording exits: containerd's processExits → handleProcessExit → send →
// forward, for corral. Every exit, whoever sees it (the exit file's watch,
// the reconcile loop, a forced delete, restore), comes in through found(),
// is queued behind its container's other changes, and is recorded once by
// record(), which fixes the order of what follows it. The owners of the
// exits not yet saved (exits.ts) live here and nowhere else.
import type { Logger } from 'pino';
import { INIT_PROCESS, type ExitT as Exit } from '../../shared/api.js';
import type { Container } from '../runtime/container.js';
import { REASON_MONITOR_DISK_FULL, REASON_MONITOR_LOST } from '../runtime/decide.js';
import { diskFull } from '../runtime/files.js';
import type { Layout } from '../runtime/layout.js';
import type { ProcessRecordT } from '../runtime/records.js';
import type { NewEvent } from './events.js';
import { ExitOwners, type ProcessExit } from './exits.js';
import { oomToReport } from './oom.js';
import type { KeyedQueue } from './queue.js';
import { trace } from '../trace.js';

/** An exit as found: its code, when it happened (from the exit file; now when unknown), and why the code is unknown, if it is. */
export interface ExitSeen {
  status: number;
  at?: string;
  reason?: string;
}

export interface ExitRecorderDeps {
  layout: Layout;
  /** The supervisor's per-container queue: one writer per container. */
  queue: KeyedQueue;
  /** The container listed under ID now, if any. */
  listed: (id: string) => Container | undefined;
  emit: (c: Container, e: Omit<NewEvent, 'id'>) => void;
  log: Logger;
}

export class ExitRecorder {
  /** Changed only inside the owning container's queue. */
  readonly owners = new ExitOwners();

  constructor(private readonly d: ExitRecorderDeps) {}

  /** Waits for the exit of a process: at once if it is recorded and on disk, else when it is. */
  wait(c: Container, p: ProcessRecordT, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<Exit> {
    const owner = this.owners.get(c.id, p.id);
    // an exit still being written is answered once it is on disk, so no answer outruns the record
    if (p.exitStatus !== undefined && owner?.phase !== 'saving') return Promise.resolve(exitOf(p));
    return this.owners.of(c.id, p.id).wait(timeoutMs, signal, `process ${p.id} of ${c.id}`);
  }

  /** Gives a live process its exit owner and watches for its exit file (which may already be there). */
  watch(c: Container, p: ProcessRecordT): void {
    if (p.exitStatus !== undefined) return;
    this.owners.of(c.id, p.id).startWatching(this.d.layout.monitorExitDir(c.id, p.id), () => this.lookForExit(c, p.id));
    this.lookForExit(c, p.id);
  }

  /** The monitor of a live process died: the process runs on, watched by pid in the reconcile loop. */
  markUnmonitored(c: Container, p: ProcessRecordT): void {
    const owner = this.owners.of(c.id, p.id);
    owner.phase = 'unmonitored';
    owner.stopWatching();
  }

  phase(id: string, processId: string): ProcessExit['phase'] | undefined {
    return this.owners.get(id, processId)?.phase;
  }

  /** Reads the exit file of a watched process and, if it is there, records the exit. */
  private lookForExit(c: Container, processId: string): void {
    const owner = this.owners.get(c.id, processId);
    if (!owner || c.processes.get(processId)?.exitStatus !== undefined) return;
    void c
      .readExit(processId)
      .then((exit) => (exit === undefined ? undefined : this.found(c, processId, exit)))
      .catch((err) => this.d.log.warn({ id: c.id, processId, err }, 'cannot record exit'));
  }

  /**
   * The funnel every exit goes through, whoever found it: queued behind the
   * container's other changes, then recorded once (later finds of the same
   * exit are no-ops). REPORTED: the process.exit event is already in the
   * history (recovery after a crash between publishing and saving).
   */
  async found(c: Container, processId: string, exit: ExitSeen, reported = false): Promise<void> {
    trace('exit.seen', c.id);
    // a forced delete waiting for this exit's file learns of it now, not when the queue reaches it
    this.owners.get(c.id, processId)?.fileSeen();
    await this.whileListed(c, () => this.record(c, processId, exit, reported, true));
  }

  /** Runs TASK in C's queue if C is then still the container listed under its id (not deleted, nor replaced by a new one). */
  whileListed(c: Container, task: () => Promise<void>): Promise<void> {
    return this.d.queue.run(c.id, async () => {
      if (this.d.listed(c.id) === c) await task();
    });
  }

  /**
   * Records one exit; only from inside C's queue task (found and a forced
   * delete are the callers). The order is fixed here:
   * container.oom (if the kernel's kill counter rose) before process.exit, so
   * a killed process's report precedes its exit; the event is published
   * before the record is written (a crash in between is found by recovery in
   * the event history), and waiters are answered only after the write, so an
   * answer never outruns the disk. A failed write is retried by the
   * reconcile loop; conmon's exit file keeps the code meanwhile.
   * RELEASE: runc's record of a stopped container may go as soon as init's
   * exit is noted (not when a forced delete records it: that delete forces).
   */
  async record(c: Container, processId: string, exit: ExitSeen, reported = false, release = false): Promise<void> {
    const { status, at } = exit;
    let reason = exit.reason;
    const p = c.processes.get(processId);
    if (!p || p.exitStatus !== undefined) return;
    const owner = this.owners.of(c.id, p.id);
    const pid = p.pid;
    if (reason === REASON_MONITOR_LOST && (await diskFull(this.d.layout.containerDir(c.id)))) reason = REASON_MONITOR_DISK_FULL;
    if (!reported) await this.reportOom(c, { processId, status });
    c.noteExit(processId, status, reason, at);
    if (!reported) this.d.emit(c, { type: 'process.exit', processId, pid: pid ?? undefined, exitStatus: status, ...(reason ? { exitReason: reason } : {}) });
    owner.stopWatching();
    owner.phase = 'saving';
    // the records are in the page cache and their fsyncs on the thread pool when this returns
    const saved = this.saveExit(c, owner);
    // runc's part of a stopped container goes now: its fork and run overlap the fsyncs' wait for
    // the disk, and it is in nobody's answer (container.delete awaits it)
    if (release && processId === INIT_PROCESS && this.d.listed(c.id) === c) {
      c.releaseSoon().catch((err) => this.d.log.debug({ id: c.id, err }, 'runc delete after the exit failed; container.delete will force it'));
    }
    await saved;
    trace('exit.recorded', c.id);
    const log = reason ? this.d.log.warn.bind(this.d.log) : this.d.log.info.bind(this.d.log);
    log({ id: c.id, processId, processPid: pid, exitStatus: status, reason }, 'process exited');
    owner.answer(exitOf(p));
  }

  /** Writes a noted exit; the owner goes once it is on disk, or stays 'unsaved' for the reconcile loop. */
  private async saveExit(c: Container, owner: ProcessExit): Promise<boolean> {
    try {
      await c.saveExit(owner.processId);
      this.owners.drop(owner);
      return true;
    } catch (err) {
      owner.phase = 'unsaved';
      this.d.log.error({ id: c.id, processId: owner.processId, err }, 'cannot write the exit record; the reconcile loop retries');
      return false;
    }
  }

  /** Retries the writes of exits whose records could not be written (disk full, I/O error). */
  async retryUnsaved(): Promise<void> {
    for (const owner of this.owners.unsaved()) {
      const c = this.d.listed(owner.id);
      if (!c) continue;
      await this.whileListed(c, async () => {
        if (owner.phase === 'unsaved' && (await this.saveExit(c, owner))) this.d.log.info({ id: owner.id, processId: owner.processId }, 'exit record written on retry');
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
    this.d.emit(c, { type: 'container.oom', ...(report.victim ? { processId: report.victim } : {}) });
    await c.noteOomReported(report.kills).catch((err) => this.d.log.warn({ id: c.id, err }, 'cannot record that the OOM kill was reported; a restart may report it again'));
    this.d.log.warn({ id: c.id, processId: report.victim }, 'the kernel killed a process of the container for lack of memory');
  }
}

function exitOf(p: ProcessRecordT): Exit {
  return { exitStatus: p.exitStatus!, exitedAt: p.exitedAt!, ...(p.exitReason ? { exitReason: p.exitReason } : {}) };
}
