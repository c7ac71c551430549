// Formatters, the keymap table and the list filter/sort of the TUI: small pure
// functions whose output the screen is made of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { age, bytes, fit, limit, percent, sparkline, splitArgs } from '../../tui/format.js';
import { bindings, fitHints, helpRows, hints, lookup, splitChunk } from '../../tui/keymap.js';
import { listing, scrollTop } from '../../tui/listing.js';
import { container } from './fake-daemon.js';

test('ages, sizes and percentages read like top', () => {
  const now = Date.parse('2026-11-28T13:00:00Z');
  assert.equal(age('2026-11-28T12:59:55Z', now), '5s');
  assert.equal(age('2026-11-28T12:00:00Z', now), '1h');
  assert.equal(age(undefined, now), '-');
  assert.equal(bytes(512), '512B');
  assert.equal(bytes(3.5 * 1024 * 1024), '3.5M');
  assert.equal(bytes(600 * 1024 * 1024), '600M');
  assert.equal(limit(2 ** 63), '∞');
  assert.equal(percent(1.234), '1.2%');
  assert.equal(percent(undefined), '-');
});

test('fit cuts with an ellipsis and pads to the column', () => {
  assert.equal(fit('abcdef', 4), 'abc…');
  assert.equal(fit('ab', 4), 'ab  ');
  assert.equal(fit('ab', 4, 'right'), '  ab');
});

test('sparkline scales to its maximum and pads to its width', () => {
  assert.equal(sparkline([0, 50, 100], 3, 100), '▁▅█');
  assert.equal(sparkline([1], 3), '  █');
  assert.equal(sparkline([0, 0], 2), '▁▁');
});

test('exec command lines split like a shell', () => {
  assert.deepEqual(splitArgs(`sh -c 'echo "a b"; ls'`), ['sh', '-c', 'echo "a b"; ls']);
  assert.deepEqual(splitArgs('echo a\\ b ""'), ['echo', 'a b', '']);
  assert.throws(() => splitArgs('echo "open'), /unclosed/);
});

test('the keymap has one action per key and context, and read-only hides mutating hints', () => {
  const seen = new Set<string>();
  for (const b of bindings)
    for (const k of b.keys)
      for (const c of b.contexts) {
        assert.ok(!seen.has(`${c}:${k}`), `${k} is bound twice in ${c}`);
        seen.add(`${c}:${k}`);
      }
  assert.equal(lookup('p', 'list')?.action, 'pauseResume');
  assert.equal(lookup('/', 'logs')?.action, 'search');
  assert.ok(hints('list', false).some((h) => h.label === 'kill'));
  assert.ok(!hints('list', true).some((h) => h.label === 'kill'));
  assert.ok(helpRows(true).some((r) => r.disabled && r.help.includes('read-only')));
});

test('a narrow hint bar keeps the acting keys and drops moving first, in table order', () => {
  const all = hints('list', false);
  assert.deepEqual(fitHints(all, 1000), all);
  const narrow = fitHints(all, 60).map((h) => h.label);
  assert.ok(narrow.includes('kill') && narrow.includes('delete'), narrow.join(','));
  assert.ok(!narrow.includes('move'), narrow.join(','));
  const order = all.map((h) => h.label).filter((l) => narrow.includes(l));
  assert.deepEqual(narrow, order);
  const width = narrow.reduce((n, l) => n + l.length + 4, 0);
  assert.ok(width <= 62, `fits: ${width}`);
});

test('a chunk of keys splits into single presses, Enter and Tab included', () => {
  const keys = splitChunk('jK\r\t');
  assert.deepEqual(keys.map((k) => k.input), ['j', 'K', '', '']);
  assert.ok(keys[1].key.shift);
  assert.ok(keys[2].key.return);
  assert.ok(keys[3].key.tab);
});

test('the list filters by id, state and label, hides stopped ones on request, sorts', () => {
  const byId = Object.fromEntries(
    [container('web', { labels: { app: 'nginx' } }), container('db', { state: 'paused' }), container('old', { state: 'stopped' })].map((c) => [c.id, c]),
  );
  const ids = (o: Partial<Parameters<typeof listing>[1]>) => listing(byId, { filter: '', showAll: true, sort: 'id', stats: {}, ...o }).map((c) => c.id);
  assert.deepEqual(ids({}), ['db', 'old', 'web']);
  assert.deepEqual(ids({ filter: 'nginx' }), ['web']);
  assert.deepEqual(ids({ filter: 'paused' }), ['db']);
  assert.deepEqual(ids({ showAll: false }), ['web']);
  assert.deepEqual(ids({ sort: 'state' }), ['web', 'db', 'old']);
});

test('scrollTop keeps the cursor in the window, moving it as little as possible', () => {
  assert.equal(scrollTop(0, 5, 10, 0), 0);
  assert.equal(scrollTop(12, 30, 10, 0), 3);
  assert.equal(scrollTop(5, 30, 10, 3), 3);
  assert.equal(scrollTop(2, 30, 10, 3), 2);
});
