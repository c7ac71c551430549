// The event reducer of the containers table: snapshots are staged and swapped
// in whole, live events patch rows (whole container when given, a patch and a
// refetch otherwise), replays of what the snapshot holds never roll a row back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventT } from '../../shared/api.js';
import { containersReducer as reduce, initialContainers, type ContainersState } from '../../tui/store/containers.js';
import { container } from './fake-daemon.js';

const T = '2026-11-28T13:00:00.000Z';
const ev = (seq: number, e: Omit<EventT, 'seq' | 'time'>): EventT => ({ seq, time: T, ...e });

function synced(cs = [container('web'), container('db', { state: 'paused' })], seq = 10): ContainersState {
  let s = reduce(initialContainers, { type: 'subscribe' });
  for (const c of cs) s = reduce(s, { type: 'event', event: ev(seq, { type: 'container.state', id: c.id, container: c }) });
  return reduce(s, { type: 'event', event: ev(seq, { type: 'events.synced' }) });
}

test('a snapshot is staged and replaces the list only at events.synced', () => {
  let s = synced([container('old')], 1);
  s = reduce(s, { type: 'subscribe' });
  s = reduce(s, { type: 'event', event: ev(5, { type: 'container.state', id: 'web', container: container('web') }) });
  assert.deepEqual(Object.keys(s.byId), ['old'], 'half a snapshot is never shown');
  s = reduce(s, { type: 'event', event: ev(5, { type: 'events.synced' }) });
  assert.deepEqual(Object.keys(s.byId), ['web'], 'a container gone while away disappears');
  assert.ok(s.synced);
  assert.equal(s.snapshotSeq, 5);
  assert.equal(s.timeline.length, 0, 'snapshot entries are not events of the timeline');
});

test('an event with the whole container replaces the row', () => {
  const paused = container('web', { state: 'paused' });
  const s = reduce(synced(), { type: 'event', event: ev(11, { type: 'container.pause', id: 'web', container: paused }) });
  assert.equal(s.byId.web.state, 'paused');
  assert.equal(s.timeline.at(-1)?.seq, 11);
  assert.deepEqual(s.refetch, []);
});

test('events without the container patch the row', () => {
  let s = synced();
  s = reduce(s, { type: 'event', event: ev(11, { type: 'container.pause', id: 'web' }) });
  assert.equal(s.byId.web.state, 'paused');
  s = reduce(s, { type: 'event', event: ev(12, { type: 'container.resume', id: 'web' }) });
  assert.equal(s.byId.web.state, 'running');
  s = reduce(s, { type: 'event', event: ev(13, { type: 'process.exit', id: 'web', processId: 'init', exitStatus: 137 }) });
  assert.equal(s.byId.web.state, 'stopped');
  assert.equal(s.byId.web.exitStatus, 137);
  assert.equal(s.byId.web.pid, null);
  assert.equal(s.byId.web.processes.find((p) => p.id === 'init')?.state, 'exited');
  assert.deepEqual(s.refetch, []);
});

test('an exec exit updates that process only', () => {
  let s = synced();
  s = reduce(s, { type: 'event', event: ev(11, { type: 'process.start', id: 'web', processId: 'x1', pid: 77 }) });
  assert.deepEqual(s.refetch, ['web'], 'the args of a new process are only known to container.get');
  s = reduce(s, { type: 'event', event: ev(12, { type: 'process.exit', id: 'web', processId: 'x1', exitStatus: 3 }) });
  assert.equal(s.byId.web.state, 'running');
  const x1 = s.byId.web.processes.find((p) => p.id === 'x1');
  assert.equal(x1?.exitStatus, 3);
  assert.equal(x1?.state, 'exited');
});

test('create and update without a container ask for a refetch; the fetch fills the row', () => {
  let s = reduce(synced(), { type: 'event', event: ev(11, { type: 'container.create', id: 'new' }) });
  assert.equal(s.byId.new, undefined);
  assert.deepEqual(s.refetch, ['new']);
  s = reduce(s, { type: 'refetched', ids: ['new'] });
  assert.deepEqual(s.refetch, []);
  s = reduce(s, { type: 'container', container: container('new', { state: 'created' }) });
  assert.equal(s.byId.new.state, 'created');
  s = reduce(s, { type: 'event', event: ev(12, { type: 'container.update', id: 'new' }) });
  assert.deepEqual(s.refetch, ['new']);
});

test('delete removes the row and any pending refetch', () => {
  let s = reduce(synced(), { type: 'event', event: ev(11, { type: 'container.update', id: 'web' }) });
  s = reduce(s, { type: 'event', event: ev(12, { type: 'container.delete', id: 'web' }) });
  assert.equal(s.byId.web, undefined);
  assert.deepEqual(s.refetch, []);
  assert.equal(reduce(s, { type: 'gone', id: 'nothing' }).byId, s.byId);
});

test('replayed events at or below the snapshot seq join the timeline but never roll rows back', () => {
  // a resubscription with since: the snapshot says running, a replay says it was paused earlier
  let s = synced([container('web')], 20);
  s = reduce(s, { type: 'event', event: ev(15, { type: 'container.pause', id: 'web', container: container('web', { state: 'paused' }) }) });
  assert.equal(s.byId.web.state, 'running');
  assert.equal(s.timeline.at(-1)?.seq, 15);
});

test('events replayed while the snapshot is staged (corrald sends them first) only join the timeline', () => {
  let s = synced([container('web')], 5);
  s = reduce(s, { type: 'subscribe' });
  s = reduce(s, { type: 'event', event: ev(6, { type: 'container.pause', id: 'web', container: container('web', { state: 'paused' }) }) });
  s = reduce(s, { type: 'event', event: ev(7, { type: 'container.resume', id: 'web', container: container('web') }) });
  s = reduce(s, { type: 'event', event: ev(7, { type: 'container.state', id: 'web', container: container('web') }) });
  s = reduce(s, { type: 'event', event: ev(7, { type: 'events.synced' }) });
  assert.equal(s.byId.web.state, 'running');
  assert.deepEqual(s.timeline.map((e) => e.seq), [6, 7]);
  // and the same replay a second time is not listed twice
  s = reduce(s, { type: 'event', event: ev(7, { type: 'container.resume', id: 'web', container: container('web') }) });
  assert.deepEqual(s.timeline.map((e) => e.seq), [6, 7]);
});

test('an event for a container the list does not hold asks for it', () => {
  const s = reduce(synced(), { type: 'event', event: ev(11, { type: 'container.pause', id: 'ghost' }) });
  assert.deepEqual(s.refetch, ['ghost']);
});

test('the timeline is bounded', () => {
  let s = synced();
  for (let i = 0; i < 1100; i++) s = reduce(s, { type: 'event', event: ev(11 + i, { type: 'container.oom', id: 'web' }) });
  assert.equal(s.timeline.length, 1000);
  assert.equal(s.timeline[0].seq, 111);
});
