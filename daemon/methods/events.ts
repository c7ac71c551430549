// events.subscribe / events.unsubscribe. A subscription is set up while the
// request is handled (snapshot and replay taken at that instant, live events
// buffered from it), and starts sending once its reply is written, so no event
// is lost, duplicated, or sent before the reply. A subscriber whose unread
// backlog passes the cap gets one events.overflow and is dropped.
import type { EventT } from '../../shared/api.js';
import { errors } from '../../shared/errors.js';
import { HARD_BACKLOG_BYTES, SUBSCRIBER_BACKLOG_BYTES } from '../server/connection.js';
import type { DaemonContext, Handlers } from './types.js';

export function eventMethods({ sup }: DaemonContext): Pick<Handlers, 'events.subscribe' | 'events.unsubscribe'> {
  return {
    'events.subscribe': (p, ctx) => {
      const types = p.types ? new Set<string>(p.types) : undefined;
      const ids = p.ids ? new Set(p.ids) : undefined;
      const wanted = (e: EventT) => (!types || types.has(e.type)) && (!ids || (e.id !== undefined && ids.has(e.id)));
      const seq = sup.bus.lastSeq;
      const first: EventT[] = [];
      if (p.since !== undefined) first.push(...sup.bus.since(p.since).filter(wanted));
      if (p.snapshot) {
        const time = new Date().toISOString();
        for (const c of sup.list()) if (!ids || ids.has(c.id)) first.push({ seq, time, type: 'container.state', id: c.id, container: c });
        first.push({ seq, time, type: 'events.synced' });
      }
      const sub = ctx.conn.addSubscription((subscription) => {
        let live = false;
        let open = true;
        let lastSeq = p.since ?? seq;
        const buffered: EventT[] = [];
        // the replay and snapshot are written at once, however fast the client reads: what they
        // add to the backlog is allowed on top of the cap, which is for a reader that falls behind
        let allowance = 0;
        const send = (event: EventT) => {
          if (!open) return;
          if (ctx.conn.backlog > SUBSCRIBER_BACKLOG_BYTES + allowance) {
            ctx.conn.notify('events.overflow', { subscription, lastSeq });
            ctx.conn.removeSubscription(subscription);
            return;
          }
          if (event.type !== 'container.state' && event.type !== 'events.synced') lastSeq = event.seq;
          ctx.conn.notify('event', { subscription, event });
        };
        const unlisten = sup.bus.listen((e) => {
          if (!wanted(e)) {
            // everything wanted before it has been sent (live sends are synchronous): a resume from
            // here misses nothing, and does not fall out of the history while the filter skips events
            if (live && open) lastSeq = e.seq;
            return;
          }
          if (live) send(e);
          else buffered.push(e);
        });
        return {
          id: subscription,
          activate: () => {
            live = true;
            const before = ctx.conn.backlog;
            // up to half the cut-off backlog: past that a replay overflows (resumable) rather than gets the client cut off
            allowance = HARD_BACKLOG_BYTES / 2 - SUBSCRIBER_BACKLOG_BYTES;
            for (const e of [...first, ...buffered]) send(e);
            buffered.length = 0;
            allowance = Math.max(0, ctx.conn.backlog - before);
          },
          close: () => {
            open = false;
            unlisten();
          },
        };
      });
      return { subscription: sub.id, seq };
    },
    'events.unsubscribe': (p, ctx) => {
      if (!ctx.conn.removeSubscription(p.subscription)) throw errors.notFound(`subscription ${p.subscription} on this connection`, 'subscriptions belong to the connection that made them');
      return {};
    },
  };
}
