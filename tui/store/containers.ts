// The event reducer behind the containers table: a pure function from the
// current list and one daemon event to the next list. A snapshot
// (container.state events, then events.synced) is staged and replaces the list
// at once, so the table never shows half a snapshot; live events patch rows,
// taking the whole container from the event when it carries one. Events the
// snapshot already includes (seq at or below it, as a resubscription with
// `since` replays them) only join the timeline. When an event cannot be
// applied fully (no container in it), the id is put on `refetch` so the
// store asks container.get.
import type { ContainerT, EventT, ProcessT } from '../../shared/api.js';

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
  /** Ids whose row needs a container.get because an event did not say enough. */
  refetch: string[];
}

export const initialContainers: ContainersState = {
  byId: {},
  staging: null,
  synced: false,
  snapshotSeq: -1,
  timeline: [],
  refetch: [],
};

export type ContainersAction =
  | { type: 'subscribe' }
  | { type: 'event'; event: EventT }
  /** A container.get (or a mutation's result) brought the whole container. */
  | { type: 'container'; container: ContainerT }
  /** container.get said not_found. */
  | { type: 'gone'; id: string }
  | { type: 'refetched'; ids: string[] };

export function containersReducer(state: ContainersState, action: ContainersAction): ContainersState {
  switch (action.type) {
    case 'subscribe':
      return { ...state, staging: {} };
    case 'container':
      return { ...state, byId: { ...state.byId, [action.container.id]: action.container } };
    case 'gone':
      return { ...state, byId: without(state.byId, action.id) };
    case 'refetched':
      return { ...state, refetch: state.refetch.filter((id) => !action.ids.includes(id)) };
    case 'event':
      return applyEvent(state, action.event);
  }
}

function applyEvent(state: ContainersState, ev: EventT): ContainersState {
  if (ev.type === 'container.state') {
    if (!ev.container) return state;
    if (state.staging) return { ...state, staging: { ...state.staging, [ev.container.id]: ev.container } };
    return { ...state, byId: { ...state.byId, [ev.container.id]: ev.container } };
  }
  if (ev.type === 'events.synced') {
    const byId = state.staging ?? state.byId;
    const known = new Set(Object.keys(byId));
    return {
      ...state,
      byId,
      staging: null,
      synced: true,
      snapshotSeq: ev.seq,
      refetch: state.refetch.filter((id) => known.has(id)),
    };
  }
  const timeline = appendTimeline(state.timeline, ev);
  // the snapshot already holds what these did; a replay must not roll rows back
  if (state.staging || ev.seq <= state.snapshotSeq || !ev.id) return { ...state, timeline };
  const byId = state.byId;
  const id = ev.id;
  if (ev.type === 'container.delete') {
    return { ...state, timeline, byId: without(byId, id), refetch: state.refetch.filter((r) => r !== id) };
  }
  if (ev.container) return { ...state, timeline, byId: { ...byId, [id]: ev.container } };
  const current = byId[id];
  const patched = current ? patch(current, ev) : undefined;
  const next = { ...state, timeline };
  if (patched) next.byId = { ...byId, [id]: patched.container };
  if (!patched || patched.incomplete) next.refetch = state.refetch.includes(id) ? state.refetch : [...state.refetch, id];
  return next;
}

/** Applies an event without a container to a row; `incomplete` when a fetch must fill in the rest. */
function patch(c: ContainerT, ev: EventT): { container: ContainerT; incomplete: boolean } | undefined {
  switch (ev.type) {
    case 'container.start':
      return {
        container: {
          ...c,
          state: 'running',
          pid: ev.pid ?? c.pid,
          startedAt: ev.time,
          processes: upsertProcess(c.processes, 'init', { pid: ev.pid ?? null, state: 'running', startedAt: ev.time }),
        },
        incomplete: ev.pid === undefined,
      };
    case 'container.pause':
      return { container: { ...c, state: 'paused' }, incomplete: false };
    case 'container.resume':
      return { container: { ...c, state: 'running' }, incomplete: false };
    case 'process.start': {
      const processId = ev.processId ?? 'init';
      const known = c.processes.some((p) => p.id === processId);
      return {
        container: { ...c, processes: upsertProcess(c.processes, processId, { pid: ev.pid ?? null, state: 'running', startedAt: ev.time }) },
        incomplete: !known, // its args are only known to container.get
      };
    }
    case 'process.exit': {
      const processId = ev.processId ?? 'init';
      const exited: Partial<ProcessT> = { pid: null, state: 'exited', exitStatus: ev.exitStatus, exitReason: ev.exitReason, exitedAt: ev.time };
      const processes = upsertProcess(c.processes, processId, exited);
      if (processId !== 'init') return { container: { ...c, processes }, incomplete: false };
      return {
        container: { ...c, processes, state: 'stopped', pid: null, exitStatus: ev.exitStatus, exitReason: ev.exitReason, exitedAt: ev.time },
        incomplete: false,
      };
    }
    case 'process.delete':
      return { container: { ...c, processes: c.processes.filter((p) => p.id !== ev.processId) }, incomplete: false };
    case 'container.oom':
      return { container: c, incomplete: false };
    default:
      // container.create and container.update without the container: only a fetch knows
      return { container: c, incomplete: true };
  }
}

function upsertProcess(list: ProcessT[], id: string, fields: Partial<ProcessT>): ProcessT[] {
  const i = list.findIndex((p) => p.id === id);
  if (i < 0) return [...list, { id, pid: null, args: [], state: 'running', startedAt: new Date(0).toISOString(), ...fields }];
  const next = list.slice();
  next[i] = { ...list[i], ...fields };
  return next;
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
