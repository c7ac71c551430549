// The event reducer behind the containers table: a pure function from the
// current list and one daemon event to the next list. A snapshot
// (container.state events, then events.synced) is staged and replaces the list
// at once, so the table never shows half a snapshot; a live event replaces
// its row with the whole container it carries (every event but
// container.delete and events.synced does), and container.delete removes
// it. Events the snapshot already includes (seq at or below it, as a
// resubscription with `since` replays them) only join the timeline.
import { isImageEvent, type ContainerT, type EventT } from '../../shared/api.js';

/** How many events the timeline keeps (global events view, per-container Events tab). */
const TIMELINE_MAX = 1000;

export interface ContainersState {
  byId: Readonly<Record<string, ContainerT>>;
  /** A snapshot being received; null when none is in progress. */
  staging: Record<string, ContainerT> | null;
  /** Whether a snapshot has completed at least once. */
  synced: boolean;
  /** The seq the last snapshot was taken at; events at or below it are already in byId. */
  snapshotSeq: number;
  /** Daemon events, oldest first, without the snapshot's container.state entries. */
  timeline: EventT[];
}

export const initialContainers: ContainersState = {
  byId: {},
  staging: null,
  synced: false,
  snapshotSeq: -1,
  timeline: [],
};

export type ContainersAction =
  | { type: 'subscribe' }
  | { type: 'event'; event: EventT }
  /** A mutation's result brought the whole container. */
  | { type: 'container'; container: ContainerT }
  /** A delete succeeded. */
  | { type: 'gone'; id: string };

export function containersReducer(state: ContainersState, action: ContainersAction): ContainersState {
  switch (action.type) {
    case 'subscribe':
      return { ...state, staging: {} };
    case 'container':
      return { ...state, byId: { ...state.byId, [action.container.id]: action.container } };
    case 'gone':
      return { ...state, byId: without(state.byId, action.id) };
    case 'event':
      return applyEvent(state, action.event);
  }
}

function applyEvent(state: ContainersState, ev: EventT): ContainersState {
  if (ev.type === 'container.state') {
    if (state.staging) return { ...state, staging: { ...state.staging, [ev.container.id]: ev.container } };
    return { ...state, byId: { ...state.byId, [ev.container.id]: ev.container } };
  }
  if (ev.type === 'events.synced') {
    return { ...state, byId: state.staging ?? state.byId, staging: null, synced: true, snapshotSeq: ev.seq };
  }
  const timeline = appendTimeline(state.timeline, ev);
  // the snapshot already holds what these did; a replay must not roll rows back
  if (state.staging || ev.seq <= state.snapshotSeq) return { ...state, timeline };
  if (isImageEvent(ev)) return { ...state, timeline };
  if (ev.type === 'container.delete') return { ...state, timeline, byId: without(state.byId, ev.id) };
  return { ...state, timeline, byId: { ...state.byId, [ev.id]: ev.container } };
}

function appendTimeline(timeline: EventT[], ev: EventT): EventT[] {
  // a resubscription with `since` may replay what we already hold
  const last = timeline[timeline.length - 1];
  if (last && ev.seq <= last.seq && timeline.some((e) => e.seq === ev.seq && e.type === ev.type)) return timeline;
  const next = timeline.length >= TIMELINE_MAX ? timeline.slice(timeline.length - TIMELINE_MAX + 1) : timeline.slice();
  next.push(ev);
  return next;
}

function without<T>(rec: Readonly<Record<string, T>>, id: string): Record<string, T> {
  if (!(id in rec)) return rec as Record<string, T>;
  const { [id]: _gone, ...rest } = rec;
  return rest;
}
