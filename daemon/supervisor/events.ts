// The event bus: every lifecycle change becomes an event with a seq that
// grows by one, kept in a bounded history for `events.subscribe {since}` and
// appended to <root>/events.log so the seq and the history survive a restart,
// even a SIGKILL (an appended line is in the page cache the moment write(2)
// returns). Listeners are called synchronously; buffering per client is the
// server's business.
import fs from 'node:fs';
import path from 'node:path';
import type { EventT } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';

/** Append, create, and never through a symlink (ELOOP instead). */
const APPEND_NOFOLLOW = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;

export type NewEvent = Omit<EventT, 'seq' | 'time'>;
export type Listener = (e: EventT) => void;

export class EventBus {
  private history: EventT[] = [];
  private seq = 0;
  private listeners = new Set<Listener>();
  private fd: number | undefined;
  private linesInFile = 0;

  constructor(
    private readonly file: string,
    readonly capacity: number,
    private readonly onWriteError: (err: unknown) => void = () => {},
  ) {}

  /** Loads the history from disk; a torn or garbage line (a crash mid-append) is skipped. */
  load(): { loaded: number; skipped: number; replacedLink: boolean } {
    // a symlink planted in place of the history would have events appended wherever it points
    const replacedLink = fs.lstatSync(this.file, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    if (replacedLink) fs.unlinkSync(this.file);
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let skipped = 0;
    const events: EventT[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as EventT;
        if (typeof e.seq === 'number' && e.seq > (events.at(-1)?.seq ?? 0)) events.push(e);
        else skipped++;
      } catch {
        skipped++;
      }
    }
    this.history = events.slice(-this.capacity);
    this.seq = events.at(-1)?.seq ?? 0;
    this.linesInFile = events.length;
    if (skipped || events.length > this.capacity) this.compact();
    this.fd = fs.openSync(this.file, APPEND_NOFOLLOW, 0o600);
    return { loaded: this.history.length, skipped, replacedLink };
  }

  get lastSeq(): number {
    return this.seq;
  }
  get oldestSeq(): number {
    return this.history[0]?.seq ?? this.seq + 1;
  }

  emit(partial: NewEvent): EventT {
    const event = { seq: ++this.seq, time: new Date().toISOString(), ...partial } as EventT;
    this.history.push(event);
    if (this.history.length > this.capacity) this.history.splice(0, this.history.length - this.capacity);
    this.persist(event);
    for (const l of this.listeners) l(event);
    return event;
  }

  /**
   * Events with a seq greater than SINCE; invalid_state when the history no
   * longer reaches back that far, or when SINCE is ahead of it (a history
   * lost with events.log starts again at 1: the client would skip every new
   * event until the count caught up).
   */
  since(since: number): EventT[] {
    if (since > this.seq) {
      throw new CorralError('invalid_state', `since ${since} is ahead of corrald's history (the last seq is ${this.seq}; its events.log was reset); subscribe with snapshot: true to start over`, {
        data: { lastSeq: this.seq },
      });
    }
    if (since < this.oldestSeq - 1) {
      throw new CorralError('invalid_state', `events after seq ${since} are no longer kept (the oldest is ${this.oldestSeq}); subscribe with snapshot: true to start over`, {
        data: { oldestSeq: this.oldestSeq },
      });
    }
    const start = this.history.findIndex((e) => e.seq > since);
    return start < 0 ? [] : this.history.slice(start);
  }

  /** Whether a process.exit for this process instance was already emitted (recovery's dedupe). */
  hasExit(id: string, processId: string, pid: number | null): boolean {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const e = this.history[i];
      if (e.type === 'process.exit' && e.id === id && e.processId === processId && e.pid === (pid ?? undefined)) return true;
      if (e.type === 'process.start' && e.id === id && e.processId === processId && e.pid === (pid ?? undefined)) return false;
    }
    return false;
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private persist(event: EventT): void {
    if (this.fd === undefined) return;
    try {
      fs.writeSync(this.fd, JSON.stringify(event) + '\n');
      if (++this.linesInFile > this.capacity * 2) this.compact();
    } catch (err) {
      this.onWriteError(err);
    }
  }

  /** Rewrites the file with the history alone (atomic rename), so it stays bounded. */
  private compact(): void {
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.compact.tmp`);
    fs.rmSync(tmp, { force: true });
    fs.writeFileSync(tmp, this.history.map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600, flag: 'wx' });
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = fs.openSync(this.file, APPEND_NOFOLLOW, 0o600);
    }
    this.linesInFile = this.history.length;
  }
}
