// The event reducer of the containers table: snapshots are staged and swapped
// in whole, a live event replaces its row with the container it carries (a
// delete removes it), replays of what the snapshot holds never roll a row back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event, type EventT } from '../../shared/api.js';
import { containersReducer as reduce, initialContainers, type ContainersState } from '../../tui/store/containers.js';
import { container, type NewEvent } from './fake-daemon.js';

const T = '2026-11-28T13:00:00.000Z';
/** An event as corrald would send it: the schema refuses any other. */
function ev(seq: number, e: NewEvent): EventT {
  const event = { seq, time: T, ...e } as EventT;
  Event.parse(event);
  return event;
}

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

test('an event replaces the row with the container it carries', () => {
  const paused = container('web', { state: 'paused' });
  let s = reduce(synced(), { type: 'event', event: ev(11, { type: 'container.pause', id: 'web', container: paused }) });
  assert.equal(s.byId.web.state, 'paused');
  assert.equal(s.timeline.at(-1)?.seq, 11);
  const stopped = container('web', { state: 'stopped', exitStatus: 137 });
  s = reduce(s, { type: 'event', event: ev(12, { type: 'process.exit', id: 'web', processId: 'init', exitStatus: 137, container: stopped }) });
  assert.equal(s.byId.web, stopped);
});

test('an event for a container the list does not hold adds it', () => {
  const fresh = container('new', { state: 'created' });
  const s = reduce(synced(), { type: 'event', event: ev(11, { type: 'container.create', id: 'new', container: fresh }) });
  assert.equal(s.byId.new, fresh);
});

test('delete removes the row', () => {
  const s = reduce(synced(), { type: 'event', event: ev(11, { type: 'container.delete', id: 'web' }) });
  assert.equal(s.byId.web, undefined);
  assert.equal(s.timeline.at(-1)?.type, 'container.delete');
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

test('the timeline is bounded', () => {
  let s = synced();
  for (let i = 0; i < 1100; i++) s = reduce(s, { type: 'event', event: ev(11 + i, { type: 'container.oom', id: 'web', container: container('web') }) });
  assert.equal(s.timeline.length, 1000);
  assert.equal(s.timeline[0].seq, 111);
});
