// events.subscribe / events.unsubscribe. A subscription is set up while the
// request is handled (snapshot and replay taken at that instant, live events
// buffered from it), and starts sending once its reply is written, so no event
// is lost, duplicated, or sent before the reply. A subscriber that falls
// behind (the connection judges) gets one events.overflow carrying the last
// seq it was sent, to resume from, and is dropped.
import type { EventT } from '../../shared/api.js';
import { errors } from '../../shared/errors.js';
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
      const subscription = ctx.conn.addSubscription((out) => {
        let live = false;
        let lastSeq = p.since ?? seq;
        const buffered: EventT[] = [];
        const send = (event: EventT) => {
          if (!out.send('event', { event })) return;
          if (event.type !== 'container.state' && event.type !== 'events.synced') lastSeq = event.seq;
        };
        const unlisten = sup.bus.listen((e) => {
          if (!wanted(e)) {
            // everything wanted before it has been sent (live sends are synchronous): a resume from
            // here misses nothing, and does not fall out of the history while the filter skips events
            if (live) lastSeq = e.seq;
            return;
          }
          if (live) send(e);
          else buffered.push(e);
        });
        return {
          activate: () => {
            live = true;
            for (const e of [...first, ...buffered]) send(e);
            buffered.length = 0;
          },
          close: unlisten,
          overflow: () => ({ method: 'events.overflow', params: { lastSeq } }),
        };
      });
      return { subscription, seq };
    },
    'events.unsubscribe': (p, ctx) => {
      if (!ctx.conn.removeSubscription(p.subscription)) throw errors.notFound(`subscription ${p.subscription} on this connection`, 'subscriptions belong to the connection that made them');
      return {};
    },
  };
}
