// What every model of the TUI's store shares, after k9s's internal/model: a
// model holds the state of one concern as an immutable value, replaces it
// whole on a change and tells its listeners at once; the Store is the one
// listener that tells the views, batched. Also the two functions models are
// handed instead of the models behind them, so that each can be driven by a
// test with a stand-in: sending a request (recorded in the action log) and
// showing a notice.
import type { MethodName, ParamsOf, ResultOf } from '../../shared/api.js';

export type Listener = () => void;

export class Model<S> {
  private readonly listeners = new Set<Listener>();

  constructor(protected state: S) {}

  getState = (): S => this.state;

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  };

  protected set(next: S): void {
    if (Object.is(next, this.state)) return;
    this.state = next;
    for (const fn of this.listeners) fn();
  }
}

/** Sends one request to corrald; rejects with a CorralError, `unavailable` when not connected. */
export type Send = <M extends MethodName>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>>;

export type Notify = (text: string, level?: 'info' | 'error') => void;
