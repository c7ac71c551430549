// KeyedQueue, driven by hand-released gates instead of timers: tasks on one
// key start strictly one after another in the order they were queued, also
// when one of them rejects or throws synchronously, and each caller gets its
// own task's value or error; tasks on different keys run at the same time;
// `busy` counts the keys with work and returns to 0 once all is settled.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedQueue } from '../../daemon/supervisor/queue.js';

/** A promise released by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('KeyedQueue', () => {
  test('one key: strictly serial, in order, through a rejection and a synchronous throw', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const task = (i: number, outcome: 'ok' | 'reject' | 'throw') => () => {
      log.push(`start ${i}`);
      if (outcome === 'throw') {
        log.push(`end ${i}`);
        throw new Error(`thrown ${i}`);
      }
      return gates[i].opened.then(() => {
        log.push(`end ${i}`);
        if (outcome === 'reject') throw new Error(`rejected ${i}`);
        return `value ${i}`;
      });
    };
    const p0 = q.run('web', task(0, 'ok'));
    const p1 = q.run('web', task(1, 'reject'));
    const p2 = q.run('web', task(2, 'throw'));
    const p3 = q.run('web', task(3, 'ok'));
    const results = Promise.allSettled([p0, p1, p2, p3]);

    await settle();
    assert.deepEqual(log, ['start 0']);
    assert.equal(q.busy, 1);
    gates[3].open(); // releasing a later task first changes nothing
    await settle();
    assert.deepEqual(log, ['start 0']);
    gates[0].open();
    await settle();
    assert.deepEqual(log, ['start 0', 'end 0', 'start 1']);
    gates[1].open();
    await settle();
    assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);

    const [r0, r1, r2, r3] = await results;
    assert.deepEqual(r0, { status: 'fulfilled', value: 'value 0' });
    assert.equal(r1.status, 'rejected');
    assert.equal((r1 as PromiseRejectedResult).reason.message, 'rejected 1');
    assert.equal(r2.status, 'rejected');
    assert.equal((r2 as PromiseRejectedResult).reason.message, 'thrown 2');
    assert.deepEqual(r3, { status: 'fulfilled', value: 'value 3' });
    await settle();
    assert.equal(q.busy, 0);
  });

  test('different keys overlap; each key stays serial', async () => {
    const q = new KeyedQueue();
    const running = new Set<string>();
    let most = 0;
    const gates = new Map<string, ReturnType<typeof gate>>();
    const task = (name: string) => () => {
      running.add(name);
      most = Math.max(most, running.size);
      const g = gate();
      gates.set(name, g);
      return g.opened.then(() => {
        running.delete(name);
        return name;
      });
    };
    const all = [q.run('a', task('a1')), q.run('b', task('b1')), q.run('c', task('c1')), q.run('a', task('a2')), q.run('b', task('b2'))];
    await settle();
    assert.deepEqual([...running].sort(), ['a1', 'b1', 'c1'], 'one task per key at once');
    assert.equal(q.busy, 3);
    gates.get('a1')!.open();
    await settle();
    assert.deepEqual([...running].sort(), ['a2', 'b1', 'c1']);
    gates.get('c1')!.open();
    await settle();
    assert.equal(q.busy, 2, 'a key with nothing left is forgotten');
    for (const name of ['a2', 'b1']) gates.get(name)!.open();
    await settle();
    gates.get('b2')!.open();
    assert.deepEqual(await Promise.all(all), ['a1', 'b1', 'c1', 'a2', 'b2']);
    assert.equal(most, 3);
    await settle();
    assert.equal(q.busy, 0);
  });

  test('busy is 0 on a new queue and after a key\'s only task rejects', async () => {
    const q = new KeyedQueue();
    assert.equal(q.busy, 0);
    await assert.rejects(q.run('x', async () => Promise.reject(new Error('no'))), /no/);
    await settle();
    assert.equal(q.busy, 0);
  });

  test('a key used again after it was forgotten starts at once', async () => {
    const q = new KeyedQueue();
    assert.equal(await q.run('k', async () => 1), 1);
    await settle();
    assert.equal(q.busy, 0);
    let started = false;
    const g = gate();
    const p = q.run('k', () => {
      started = true;
      return g.opened.then(() => 2);
    });
    await settle();
    assert.ok(started);
    assert.equal(q.busy, 1);
    g.open();
    assert.equal(await p, 2);
  });
});
