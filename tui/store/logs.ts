// One log follow: the Logs tab's lines of one process of one container, a
// tail of LOG_TAIL lines and then every new one, keeping the last
// LOG_LINES_MAX. Only the latest opening counts: an answer to an earlier one
// (a quick Tab away and back) ends its follow unused. Lines that arrive as
// notifications before the answer are newer than its tail and go after it.
// The follow resumes on reconnect, starts again from a fresh tail when
// corrald ended it for falling behind, and follows anew when its ended
// process starts again. Also the bookkeeping a follow's end needs, shared
// with the exec session: the lines still in flight for a follow being ended
// belong to no one.
import type { EventT, LogLineT, NotificationOf } from '../../shared/api.js';
import { errorText } from '../format.js';
import { Model, type Send } from './model.js';

export const LOG_LINES_MAX = 5000;
export const LOG_TAIL = 1000;

export interface LogView {
  /** One per opening: an answer to an older one is not this view's. */
  gen: number;
  containerId: string;
  processId: string;
  /** The last LOG_LINES_MAX lines. */
  lines: LogLineT[];
  /** Lines received since the log was opened, trimmed ones included: a pause holds on this count. */
  received: number;
  loading: boolean;
  /** The process exited or the container went away: no more lines will come. */
  ended: boolean;
  error?: string;
  subscription?: string;
}

/** Ends follows, and knows which are ending: corrald answers the unsubscribe after its last line. */
export class Follows {
  private ending = new Set<string>();

  constructor(private readonly send: Send) {}

  isEnding(subscription: string): boolean {
    return this.ending.has(subscription);
  }

  async end(subscription: string): Promise<void> {
    this.ending.add(subscription);
    try {
      await this.send('events.unsubscribe', { subscription });
    } catch {
      // it ended on its own (the process exited) or the connection went: either way it is gone
    } finally {
      this.ending.delete(subscription);
    }
  }
}

/** Whether a process.log notification belongs to a follow: by its subscription, or by its process while the answer is awaited. */
export function belongs(v: { containerId: string; processId: string; subscription?: string }, p: NotificationOf<'process.log'>): boolean {
  return v.subscription === p.subscription || (!v.subscription && v.containerId === p.id && v.processId === p.processId);
}

export interface LogFollowDeps {
  send: Send;
  connected: () => boolean;
  follows: Follows;
}

export class LogFollow extends Model<LogView | null> {
  private gen = 0;

  constructor(private readonly deps: LogFollowDeps) {
    super(null);
  }

  async open(containerId: string, processId = 'init'): Promise<void> {
    const prev = this.state;
    if (prev?.subscription) void this.deps.follows.end(prev.subscription);
    // two openings of the same log (a quick Tab and back) may both be answered: only the last one's counts
    const gen = ++this.gen;
    const fresh: LogView = { gen, containerId, processId, lines: [], received: 0, loading: true, ended: false };
    this.set(fresh);
    if (!this.deps.connected()) {
      const kept = prev?.lines ?? [];
      this.set({ ...fresh, lines: kept, received: kept.length, loading: false, error: 'not connected: the log loads on reconnect' });
      return;
    }
    try {
      const r = await this.deps.send('process.logs', { id: containerId, processId, tail: LOG_TAIL, follow: true });
      const cur = this.state;
      if (cur?.gen !== gen) {
        if (r.subscription) void this.deps.follows.end(r.subscription);
        return;
      }
      // lines (and the end) that came as notifications before the answer are newer than the answer's tail
      const lines = [...r.lines, ...cur.lines].slice(-LOG_LINES_MAX);
      this.set({ ...cur, lines, received: cur.received + r.lines.length, loading: false, subscription: r.subscription, ended: cur.ended || !r.subscription });
    } catch (err) {
      const cur = this.state;
      if (cur?.gen === gen) this.set({ ...cur, loading: false, error: errorText(err) });
    }
  }

  close(): void {
    const sub = this.state?.subscription;
    if (sub) void this.deps.follows.end(sub);
    if (this.state) this.set(null);
  }

  /** Takes a process.log notification if it is this follow's; says whether it was. */
  take(p: NotificationOf<'process.log'>): boolean {
    const logs = this.state;
    if (!logs || !belongs(logs, p)) return false;
    if (p.overflow) {
      // corrald ended the follow because this UI fell behind a chatty log: start again from a fresh tail
      void this.open(logs.containerId, logs.processId);
      return true;
    }
    const lines = p.line ? [...logs.lines, p.line].slice(-LOG_LINES_MAX) : logs.lines;
    this.set({ ...logs, lines, received: logs.received + (p.line ? 1 : 0), ended: logs.ended || Boolean(p.end) });
    return true;
  }

  /** A connection is up again: a follow that had not ended goes on. */
  resume(): void {
    if (this.state && !this.state.ended) void this.open(this.state.containerId, this.state.processId);
  }

  down(): void {
    const logs = this.state;
    if (logs && !logs.ended) this.set({ ...logs, subscription: undefined, error: 'connection lost: the log resumes on reconnect' });
  }

  /** An event that starts anew the process of a log that had ended follows it again. */
  restartOn(ev: EventT): void {
    const logs = this.state;
    if (!logs?.ended || ev.id !== logs.containerId) return;
    const again = ev.type === 'process.start' ? (ev.processId ?? 'init') === logs.processId : ev.type === 'container.start' && logs.processId === 'init';
    if (again) void this.open(logs.containerId, logs.processId);
  }
}
