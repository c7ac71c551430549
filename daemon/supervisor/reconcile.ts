// The safety net behind the exit watches, run every few seconds: exit files
// that inotify did not report, monitors that died (the process then runs on
// unmonitored, watched by pid until it ends with an unknown code), exit
// records whose write failed, OOM kills no exit claimed, and, less often,
// pauses and resumes made with runc behind corral's back. It decides what to
// look at; every change it finds goes through the supervisor's own funnels.
import type { Logger } from 'pino';
import type { Container, ProcessRecordT } from '../runtime/container.js';
import { EXIT_UNKNOWN, REASON_MONITOR_LOST } from '../runtime/decide.js';
import { isSameProcess } from '../runtime/procinfo.js';
import type { Supervisor } from './supervisor.js';

/** How often the safety net looks at exit files and monitors that inotify should have reported. */
export const RECONCILE_INTERVAL_MS = 5_000;
/** How often it asks runc for every container's status (catches changes made behind corral's back). */
const RUNC_RECONCILE_INTERVAL_MS = 30_000;

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastRunc = 0;

  constructor(
    private readonly sup: Supervisor,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      // a pass slower than the interval (runc hung on a frozen cgroup) must not pile up more passes behind it
      if (this.running) return;
      this.running = true;
      this.pass()
        .catch((err) => this.log.warn({ err }, 'reconcile failed'))
        .finally(() => (this.running = false));
    }, RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async pass(): Promise<void> {
    await this.sup.exits.retryUnsaved().catch((err) => this.log.warn({ err }, 'still cannot write an exit record'));
    for (const c of this.sup.all()) {
      for (const p of [...c.processes.values()]) {
        if (p.exitStatus !== undefined || p.pid === null) continue;
        try {
          await this.checkProcess(c, p);
        } catch (err) {
          // one unreadable process must not keep the others' exits from being noticed
          this.log.warn({ id: c.id, processId: p.id, err }, 'cannot check process; retrying on the next pass');
        }
      }
      // after the exits: a kill that one of them claims is reported with it, not as nobody's
      if (c.state === 'running' || c.state === 'paused') await this.sup.exits.checkOom(c).catch((err) => this.log.warn({ id: c.id, err }, 'cannot check for OOM kills'));
    }
    if (Date.now() - this.lastRunc >= RUNC_RECONCILE_INTERVAL_MS) {
      this.lastRunc = Date.now();
      await this.checkRunc();
    }
  }

  private async checkProcess(c: Container, p: ProcessRecordT): Promise<void> {
    const exit = await c.readExit(p.id);
    if (exit !== undefined) return this.sup.exits.found(c, p.id, exit);
    if (this.sup.exits.phase(c.id, p.id) === 'unmonitored') {
      if (!(await isSameProcess(p.pid, p.pidStart))) await this.sup.exits.found(c, p.id, { status: EXIT_UNKNOWN, reason: REASON_MONITOR_LOST });
      return;
    }
    if (p.conmonPid && !(await isSameProcess(p.conmonPid, p.conmonStart))) {
      // conmon writes the exit file before it exits: look once more before calling it lost
      const late = await c.readExit(p.id);
      if (late !== undefined) await this.sup.exits.found(c, p.id, late);
      else if (await isSameProcess(p.pid, p.pidStart)) {
        this.sup.exits.markUnmonitored(c, p);
        this.log.warn({ id: c.id, processId: p.id, processPid: p.pid }, 'monitor (conmon) died; the process runs on unmonitored and its exit code will be unknown');
      } else await this.sup.exits.found(c, p.id, { status: EXIT_UNKNOWN, reason: REASON_MONITOR_LOST });
    }
  }

  /** runc's states against corral's: a pause or resume made behind corral's back is adopted and reported. */
  private async checkRunc(): Promise<void> {
    const states = new Map((await this.sup.deps.runtime.list()).map((s) => [s.id, s.status]));
    for (const c of this.sup.all()) {
      const status = states.get(c.id);
      if (c.state === 'stopped' || !status || status === 'stopped' || status === c.runcStatus) continue;
      await this.sup.adoptRuncStatus(c);
    }
  }
}
