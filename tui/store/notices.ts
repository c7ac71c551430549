// What the TUI tells the admin besides the data: the one notice of the status
// line (the last thing said, kept with its time so the view can let it fade),
// and the action log (`A`): every request sent, pending until answered, then
// its result in the daemon's words and how long it took. The log keeps the
// last ACTION_LOG_MAX entries. Stats polls are not recorded here, one a second
// per row would bury the rest; the stats model counts them instead.
import { errorText } from '../format.js';
import { Model } from './model.js';

export const ACTION_LOG_MAX = 500;

export interface Notice {
  text: string;
  level: 'info' | 'error';
  at: number;
}

export class Notices extends Model<Notice | null> {
  constructor() {
    super(null);
  }

  notify = (text: string, level: Notice['level'] = 'info'): void => {
    this.set({ text, level, at: Date.now() });
  };
}

export interface ActionEntry {
  n: number;
  at: number;
  method: string;
  params: unknown;
  state: 'pending' | 'ok' | 'error';
  durationMs?: number;
  message?: string;
}

export class ActionLog extends Model<ActionEntry[]> {
  private n = 0;

  constructor() {
    super([]);
  }

  /** Runs `run`, the request `method` with `params`, recording it from now until it is answered. */
  record = async <T>(method: string, params: unknown, run: () => Promise<T>): Promise<T> => {
    const n = ++this.n;
    const at = Date.now();
    this.set([...this.state, { n, at, method, params, state: 'pending' as const }].slice(-ACTION_LOG_MAX));
    const finish = (patch: Partial<ActionEntry>) =>
      this.set(this.state.map((a) => (a.n === n ? { ...a, ...patch, durationMs: Date.now() - at } : a)));
    try {
      const result = await run();
      finish({ state: 'ok' });
      return result;
    } catch (err) {
      finish({ state: 'error', message: errorText(err) });
      throw err;
    }
  };
}
