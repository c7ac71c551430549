// The TUI's connection state machine, without sockets or timers: what each
// outcome of the socket does to the phase, the attempt count, the back-off,
// "stale since" and the seq a resubscription starts from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoff, canMutate, connectionReducer as reduce, initialConnection, isStale, type ConnectionState } from '../../tui/store/connection.js';

const live = (): ConnectionState => {
  let s = reduce(initialConnection, { type: 'attempt' });
  s = reduce(s, { type: 'connected' });
  s = reduce(s, { type: 'subscribed', seq: 10 });
  return reduce(s, { type: 'synced', seq: 10 });
};

test('a first connection goes connecting → syncing → live and is not stale', () => {
  let s = reduce(initialConnection, { type: 'attempt' });
  assert.equal(s.phase, 'connecting');
  s = reduce(s, { type: 'connected' });
  assert.equal(s.phase, 'syncing');
  assert.ok(canMutate(s));
  s = reduce(s, { type: 'synced', seq: 7 });
  assert.equal(s.phase, 'live');
  assert.equal(s.lastSeq, 7);
  assert.equal(isStale(s), false);
});

test('without a daemon it waits, counting attempts and backing off, never stale (there is no data)', () => {
  let s = reduce(initialConnection, { type: 'attempt' });
  s = reduce(s, { type: 'lost', error: 'ENOENT', now: 1000 });
  assert.equal(s.phase, 'waiting');
  assert.equal(s.attempt, 1);
  assert.equal(s.retryAt, 1000 + backoff(1));
  assert.equal(isStale(s), false);
  s = reduce(s, { type: 'attempt' });
  assert.equal(s.phase, 'waiting', 'the badge does not flicker to "connecting" during a retry');
  s = reduce(s, { type: 'lost', error: 'ENOENT', now: 2000 });
  assert.equal(s.attempt, 2);
  assert.equal(s.retryAt, 2000 + backoff(2));
  assert.equal(s.lastError, 'ENOENT');
  assert.equal(canMutate(s), false);
});

test('a drop makes the data stale since the drop, and the time stays while attempts fail', () => {
  let s = live();
  s = reduce(s, { type: 'lost', error: 'closed', now: 5000 });
  assert.equal(s.phase, 'reconnecting');
  assert.equal(s.staleSince, 5000);
  assert.equal(s.attempt, 1);
  s = reduce(s, { type: 'attempt' });
  s = reduce(s, { type: 'lost', error: 'ECONNREFUSED', now: 9000 });
  assert.equal(s.staleSince, 5000);
  assert.equal(s.attempt, 2);
  assert.equal(canMutate(s), false);
});

test('reconnecting resubscribes from the last seq seen, and a new snapshot ends staleness and resets attempts', () => {
  let s = live();
  s = reduce(s, { type: 'event', seq: 11 });
  s = reduce(s, { type: 'event', seq: 12 });
  s = reduce(s, { type: 'lost', error: 'closed', now: 1 });
  assert.equal(s.lastSeq, 12);
  s = reduce(s, { type: 'connected' });
  assert.equal(s.phase, 'syncing');
  assert.ok(isStale(s), 'still stale until the snapshot is in');
  s = reduce(s, { type: 'subscribed', seq: 15 });
  s = reduce(s, { type: 'synced', seq: 15 });
  assert.equal(s.phase, 'live');
  assert.equal(s.attempt, 0);
  assert.equal(s.staleSince, undefined);
  assert.equal(s.lastSeq, 15);
});

test('a daemon that restarted with fresh numbering forgets the old seq', () => {
  let s = live();
  s = reduce(s, { type: 'event', seq: 40 });
  s = reduce(s, { type: 'lost', error: 'closed', now: 1 });
  s = reduce(s, { type: 'connected' });
  s = reduce(s, { type: 'subscribed', seq: 3 });
  assert.equal(s.lastSeq, undefined);
});

test('events do not move lastSeq backwards', () => {
  let s = reduce(live(), { type: 'event', seq: 20 });
  s = reduce(s, { type: 'event', seq: 18 });
  assert.equal(s.lastSeq, 20);
});

test('overflow keeps the connection, marks data stale and remembers where to resume', () => {
  let s = reduce(live(), { type: 'overflow', lastSeq: 33, now: 777 });
  assert.equal(s.phase, 'syncing');
  assert.equal(s.staleSince, 777);
  assert.equal(s.lastSeq, 33);
  assert.ok(canMutate(s));
  s = reduce(s, { type: 'synced', seq: 34 });
  assert.equal(isStale(s), false);
});

test('history-lost drops since so the next subscription is a plain snapshot', () => {
  const s = reduce(reduce(live(), { type: 'event', seq: 11 }), { type: 'history-lost' });
  assert.equal(s.lastSeq, undefined);
});

test('retry-now brings the next attempt forward only while disconnected', () => {
  const down = reduce(live(), { type: 'lost', error: 'x', now: 100 });
  assert.equal(reduce(down, { type: 'retry-now', now: 150 }).retryAt, 150);
  const up = live();
  assert.equal(reduce(up, { type: 'retry-now', now: 150 }), up);
});

test('back-off doubles from 250 ms and stops at 5 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoff(n)), [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  assert.equal(backoff(0), 0);
});
