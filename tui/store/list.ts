// The containers as corrald reports them. On each connection it subscribes
// to the daemon's events with a snapshot — from `since` after a drop, so
// nothing is missed, and afresh when the daemon no longer holds events that
// far back — and resubscribes the same way when corrald dropped it for
// reading too slowly. Every event goes through the containers reducer
// (containers.ts), which takes the whole container every event carries, and
// moves the connection's seq. A change's answer is put in here at once,
// without waiting for its event.
import { isCorralError } from '../../shared/errors.js';
import type { EventT, NotificationOf, ParamsOf } from '../../shared/api.js';
import { errorText } from '../format.js';
import { containersReducer, initialContainers, type ContainersAction, type ContainersState } from './containers.js';
import type { Link } from './link.js';
import { Model, type Notify, type Send } from './model.js';

/** What the list needs of the link: the seq to resume from, and a say in the connection's phase. */
export type ListLink = Pick<Link, 'connected' | 'generation' | 'dispatch' | 'getState' | 'hangUp'>;

export class ContainerList extends Model<ContainersState> {
  /** Our events subscription; events of any other are left over from an earlier one. */
  private subscription: string | null = null;

  constructor(
    private readonly link: ListLink,
    private readonly send: Send,
    private readonly notify: Notify,
  ) {
    super(initialContainers);
  }

  apply(action: ContainersAction): void {
    this.set(containersReducer(this.state, action));
  }

  /** Subscribes to the events, with a snapshot of the list. */
  async sync(): Promise<void> {
    if (!this.link.connected) return;
    const generation = this.link.generation;
    const since = this.link.getState().conn.lastSeq;
    this.apply({ type: 'subscribe' });
    this.subscription = null;
    try {
      const params: ParamsOf<'events.subscribe'> = since === undefined ? { snapshot: true } : { snapshot: true, since };
      const r = await this.send('events.subscribe', params);
      this.subscription = r.subscription;
      this.link.dispatch({ type: 'subscribed', seq: r.seq });
    } catch (err) {
      if (!this.link.connected || this.link.generation !== generation) return;
      if (since !== undefined && (isCorralError(err, 'invalid_state') || isCorralError(err, 'invalid_params'))) {
        // the daemon no longer holds events since then: a full snapshot is the truth
        this.link.dispatch({ type: 'history-lost' });
        this.notify(`events after #${since} were lost while disconnected; reloaded the full list`, 'info');
        await this.sync();
        return;
      }
      this.notify(`cannot subscribe to events: ${errorText(err)}`, 'error');
      this.link.hangUp();
    }
  }

  /** The connection went, and with it the subscription. */
  down(): void {
    this.subscription = null;
  }

  /** Applies an `event` notification; returns the event when it was ours. */
  take(p: NotificationOf<'event'>): EventT | undefined {
    if (this.subscription !== null && p.subscription !== this.subscription) return undefined;
    const ev: EventT = p.event;
    this.apply({ type: 'event', event: ev });
    if (ev.type === 'events.synced') this.link.dispatch({ type: 'synced', seq: ev.seq });
    else if (ev.type !== 'container.state') this.link.dispatch({ type: 'event', seq: ev.seq });
    return ev;
  }

  /** corrald ended our subscription because we read too slowly: subscribe again from the last seq. */
  overflowed(p: NotificationOf<'events.overflow'>): void {
    if (p.subscription !== this.subscription) return;
    this.link.dispatch({ type: 'overflow', lastSeq: p.lastSeq, now: Date.now() });
    this.notify('the daemon dropped our event stream (too slow): resubscribing', 'info');
    void this.sync();
  }
}
