// The one owner of each live process's exit. A ProcessExit holds everything
// corrald keeps about an exit that has not been recorded yet: the inotify
// watch on the monitor's exit folder (the main path: conmon writes its exit
// file there), whether the monitor died and the process runs on unwatched,
// whether the record is being written or could not be, and who waits for
// it. The supervisor records an exit through one funnel (Supervisor's
// recordExit, under the container's queue); this module only says "look
// now", tells the waiters, and lets a forced delete wait for the exit file
// without polling.
import fs from 'node:fs';
import type { ExitT as Exit } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';

/** The key of one process: ids never hold a NUL. */
const processKey = (id: string, processId: string): string => `${id}\0${processId}`;

type Waiter = { resolve: (e: Exit) => void; reject: (e: unknown) => void };

/**
 * Where an exit stands. 'watching': conmon will write its exit file;
 * 'unmonitored': conmon died, the process runs on and its exit will be
 * unknown; 'saving': the exit is known and its record is being written
 * (waiters are answered once it is); 'unsaved': the write failed, the
 * reconcile loop retries it. The owner is dropped once the record is saved.
 */
export type ExitPhase = 'watching' | 'unmonitored' | 'saving' | 'unsaved';

export class ProcessExit {
  phase: ExitPhase = 'watching';
  private watch: fs.FSWatcher | undefined;
  private readonly waiters = new Set<Waiter>();
  /** Callbacks for "the exit file is there" (a forced delete waiting for its SIGKILL to land). */
  private readonly seen = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly processId: string,
  ) {}

  /** Watches DIR, where the monitor writes the exit file; ONCHANGE is "look now". A folder already gone is left to the reconcile loop. */
  startWatching(dir: string, onChange: () => void): void {
    if (this.watch) return;
    try {
      this.watch = fs.watch(dir, { persistent: false }, onChange);
      this.watch.on('error', () => this.stopWatching());
    } catch {
      // deleted meanwhile; the reconcile loop will notice
    }
  }

  stopWatching(): void {
    this.watch?.close();
    this.watch = undefined;
  }

  get watching(): boolean {
    return this.watch !== undefined;
  }

  /** Someone read the exit file and found a code: wake whoever waits for it to appear. */
  fileSeen(): void {
    for (const f of [...this.seen]) f();
  }

  /** Resolves when fileSeen is called or after TIMEOUTMS, whichever comes first. */
  fileAppears(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.seen.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.seen.add(done);
    });
  }

  /** Waits for the recorded exit; SIGNAL withdraws the wait, TIMEOUTMS fails it with timeout. */
  wait(timeoutMs: number | undefined, signal: AbortSignal | undefined, what: string): Promise<Exit> {
    return new Promise<Exit>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(w);
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
      const onAbort = () => w.reject(new CorralError('unavailable', `the wait for ${what} was withdrawn`));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => w.reject(new CorralError('timeout', `${what} was still running after ${timeoutMs} ms; wait again or kill it`)), timeoutMs);
      }
      this.waiters.add(w);
    });
  }

  /** The exit is on disk (or known and retried): every waiter gets it. */
  answer(exit: Exit): void {
    for (const w of [...this.waiters]) w.resolve(exit);
  }

  /** The process is gone without an exit to give (its container deleted, corrald stopping). */
  fail(err: unknown): void {
    for (const w of [...this.waiters]) w.reject(err);
  }
}

/** The owners of the exits not yet saved, one per process; the supervisor changes it only inside the container's queue. */
export class ExitOwners {
  private readonly owners = new Map<string, ProcessExit>();

  get(id: string, processId: string): ProcessExit | undefined {
    return this.owners.get(processKey(id, processId));
  }

  /** The owner of a process's exit, made on first need. */
  of(id: string, processId: string): ProcessExit {
    const key = processKey(id, processId);
    let owner = this.owners.get(key);
    if (!owner) this.owners.set(key, (owner = new ProcessExit(id, processId)));
    return owner;
  }

  /** Its exit is on disk: the owner's job is done. */
  drop(owner: ProcessExit): void {
    const key = processKey(owner.id, owner.processId);
    if (this.owners.get(key) === owner) this.owners.delete(key);
  }

  /** Exits whose records could not be written, for the reconcile loop's retry. */
  unsaved(): ProcessExit[] {
    return [...this.owners.values()].filter((o) => o.phase === 'unsaved');
  }

  /** Ends the owners of container ID (or all): no more watching, and their waiters get WHY. */
  forget(id: string | undefined, why: unknown): void {
    for (const [key, owner] of [...this.owners]) {
      if (id !== undefined && owner.id !== id) continue;
      owner.stopWatching();
      owner.fail(why);
      this.owners.delete(key);
    }
  }
}
