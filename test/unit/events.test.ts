// The event bus on a real file in a temporary folder: seq grows by one per
// event and listeners see each event as it is emitted; `since` replays exactly
// the later events, answers nothing past the last seq, and refuses with
// invalid_state and data.oldestSeq when the bounded history no longer reaches
// back (never a silent gap); the history keeps the last `capacity` events; a
// new bus on the same file continues the seq with the same history; a torn
// last line (a crash mid-append) and garbage lines are skipped, and appends
// after them land on lines of their own; the file is compacted so it stays
// bounded however many events pass; hasExit answers for the latest instance
// of a process only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventT } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';
import { EventBus, type NewEvent } from '../../daemon/supervisor/events.js';
import { useTempFolder } from './tmp.js';

const tmp = useTempFolder('events');
let n = 0;
/** A fresh history file of its own. */
const newFile = () => path.join(tmp(), `events-${++n}.log`);

function open(file: string, capacity: number): EventBus {
  const bus = new EventBus(file, capacity, (err) => {
    throw err;
  });
  bus.load();
  return bus;
}

const create = (id: string): NewEvent => ({ type: 'container.create', id });
const emitMany = (bus: EventBus, count: number) => {
  for (let i = 0; i < count; i++) bus.emit(create(`c${i}`));
};
const seqs = (events: EventT[]) => events.map((e) => e.seq);
const fileLines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('EventBus', () => {
  test('seq grows by one from 1; each event has a time and its fields; listeners see each', () => {
    const bus = open(newFile(), 100);
    assert.equal(bus.lastSeq, 0);
    const seen: EventT[] = [];
    const stop = bus.listen((e) => seen.push(e));
    const a = bus.emit(create('web'));
    const b = bus.emit({ type: 'process.start', id: 'web', processId: 'init', pid: 42 });
    const c = bus.emit({ type: 'process.exit', id: 'web', processId: 'init', pid: 42, exitStatus: 0 });
    assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
    assert.equal(bus.lastSeq, 3);
    assert.ok(!Number.isNaN(Date.parse(a.time)));
    assert.equal(b.pid, 42);
    assert.deepEqual(seen, [a, b, c]);
    stop();
    bus.emit(create('db'));
    assert.equal(seen.length, 3, 'no events after unlisten');
    bus.close();
  });

  test('since returns the later events, in order', () => {
    const bus = open(newFile(), 100);
    emitMany(bus, 10);
    const cases: [number, number[]][] = [
      [0, range(1, 10)],
      [1, range(2, 10)],
      [7, [8, 9, 10]],
      [9, [10]],
      [10, []],
    ];
    for (const [since, expected] of cases) assert.deepEqual(seqs(bus.since(since)), expected, `since ${since}`);
    bus.close();
  });

  test('since ahead of the history (events.log reset) is invalid_state with data.lastSeq, never a silent gap', () => {
    const bus = open(newFile(), 10);
    assert.deepEqual(bus.since(0), [], '0 on an empty bus: nothing yet');
    emitMany(bus, 3);
    for (const since of [4, 5, 1000]) {
      assert.throws(
        () => bus.since(since),
        (err: unknown) => err instanceof CorralError && err.reason === 'invalid_state' && err.data.lastSeq === 3 && /snapshot: true/.test(err.message),
        `since ${since}`,
      );
    }
    bus.close();
  });

  test('the history is capped at capacity; since older than it is invalid_state with data.oldestSeq', () => {
    const bus = open(newFile(), 5);
    emitMany(bus, 12);
    assert.equal(bus.lastSeq, 12);
    assert.equal(bus.oldestSeq, 8);
    assert.deepEqual(seqs(bus.since(7)), [8, 9, 10, 11, 12], 'the oldest kept is still reachable');
    for (const since of [0, 1, 6]) {
      assert.throws(
        () => bus.since(since),
        (err: unknown) => {
          assert.ok(err instanceof CorralError);
          assert.equal(err.reason, 'invalid_state');
          assert.equal(err.data.oldestSeq, 8);
          assert.match(err.message, new RegExp(`after seq ${since}`));
          assert.match(err.message, /snapshot: true/);
          return true;
        },
        `since ${since}`,
      );
    }
    bus.close();
  });

  test('a new bus on the same file continues the seq and keeps the history', () => {
    const file = newFile();
    const first = open(file, 50);
    emitMany(first, 7);
    const before = first.since(0);
    first.close();
    const second = new EventBus(file, 50);
    assert.deepEqual(second.load(), { loaded: 7, skipped: 0, replacedLink: false });
    assert.equal(second.lastSeq, 7);
    assert.deepEqual(second.since(0), before);
    assert.equal(second.emit(create('next')).seq, 8);
    second.close();
    const third = open(file, 50);
    assert.deepEqual(seqs(third.since(5)), [6, 7, 8]);
    third.close();
  });

  test('a restart with a smaller capacity keeps the latest events only', () => {
    const file = newFile();
    const big = open(file, 100);
    emitMany(big, 30);
    big.close();
    const small = new EventBus(file, 10);
    assert.equal(small.load().loaded, 10);
    assert.equal(small.lastSeq, 30);
    assert.equal(small.oldestSeq, 21);
    assert.ok(fileLines(file).length <= 10, 'compacted on load');
    small.close();
  });

  test('a torn last line (crash mid-append) is skipped; the next event gets a line of its own', () => {
    const file = newFile();
    const bus = open(file, 50);
    emitMany(bus, 4);
    bus.close();
    const torn = JSON.stringify({ seq: 5, time: new Date().toISOString(), type: 'container.create', id: 'torn' }).slice(0, 25);
    fs.appendFileSync(file, torn);
    const again = new EventBus(file, 50);
    assert.deepEqual(again.load(), { loaded: 4, skipped: 1, replacedLink: false });
    assert.equal(again.lastSeq, 4);
    assert.equal(again.emit(create('after')).seq, 5);
    again.close();
    for (const line of fileLines(file)) assert.doesNotThrow(() => JSON.parse(line), line);
    const third = open(file, 50);
    assert.equal(third.lastSeq, 5);
    assert.deepEqual(third.since(3).map((e) => e.id), ['c3', 'after']);
    third.close();
  });

  test('garbage lines, and lines whose seq does not grow, are skipped', () => {
    const file = newFile();
    const good = (seq: number) => JSON.stringify({ seq, time: '2026-11-28T13:00:00.000Z', type: 'container.create', id: `g${seq}` });
    fs.writeFileSync(file, [good(1), 'garbage', good(2), 'null', '42', '{"seq":"3"}', good(2), good(3), '{', good(1), ''].join('\n'));
    const bus = new EventBus(file, 50);
    const r = bus.load();
    assert.equal(r.loaded, 3);
    assert.equal(r.skipped, 7);
    assert.deepEqual(seqs(bus.since(0)), [1, 2, 3]);
    assert.equal(bus.emit(create('x')).seq, 4);
    bus.close();
    assert.deepEqual(
      fileLines(file).map((l) => JSON.parse(l).seq),
      [1, 2, 3, 4],
      'the rewrite left only good lines',
    );
  });

  test('the file stays bounded after many events, and still holds the history', () => {
    const file = newFile();
    const capacity = 20;
    const bus = open(file, capacity);
    let most = 0;
    for (let i = 0; i < 1000; i++) {
      bus.emit(create(`c${i}`));
      if (i % 50 === 0) most = Math.max(most, fileLines(file).length);
    }
    most = Math.max(most, fileLines(file).length);
    assert.ok(most <= capacity * 2 + 1, `at most ${capacity * 2 + 1} lines, saw ${most}`);
    bus.close();
    assert.deepEqual(fs.readdirSync(tmp()).filter((f) => f.includes('compact')), [], 'no compaction temp left');
    const again = open(file, capacity);
    assert.equal(again.lastSeq, 1000);
    assert.deepEqual(seqs(again.since(980)), range(981, 1000));
    again.close();
  });

  test('a bus that was never loaded keeps events in memory and writes no file', () => {
    const file = newFile();
    const bus = new EventBus(file, 5);
    emitMany(bus, 3);
    assert.deepEqual(seqs(bus.since(0)), [1, 2, 3]);
    assert.equal(fs.existsSync(file), false);
  });

  describe('hasExit', () => {
    const bus = new EventBus(path.join(os.tmpdir(), 'never-written'), 100);
    bus.emit({ type: 'process.start', id: 'web', processId: 'init', pid: 10 });
    bus.emit({ type: 'process.exit', id: 'web', processId: 'init', pid: 10, exitStatus: 0 });
    bus.emit({ type: 'process.start', id: 'web', processId: 'sh', pid: 20 });
    bus.emit({ type: 'process.exit', id: 'web', processId: 'sh', pid: 20, exitStatus: 1 });
    // the same process id started again with another pid, not exited yet
    bus.emit({ type: 'process.start', id: 'web', processId: 'sh', pid: 30 });
    bus.emit({ type: 'process.exit', id: 'db', processId: 'init', exitStatus: 255 });
    const cases: [string, string, number | null, boolean][] = [
      ['web', 'init', 10, true],
      ['web', 'init', 11, false],
      ['web', 'sh', 30, false],
      ['web', 'sh', 20, true],
      ['db', 'init', null, true],
      ['db', 'init', 5, false],
      ['web', 'other', 10, false],
      ['nope', 'init', 10, false],
    ];
    for (const [id, processId, pid, expected] of cases) {
      test(`${id}/${processId} pid ${pid}: ${expected}`, () => {
        assert.equal(bus.hasExit(id, processId, pid), expected);
      });
    }
  });
});
