// The UI reducer without a terminal: what each action does to the list
// panel, the detail pane and its per-container state, overlays, prompts and
// the key queue, and the pure functions App derives the selection, the
// Processes cursor and the key context from. Tables of cases where the
// rules are a grid. Nothing here starts Ink: the reducer is plain data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from 'ink';
import { splitChunk } from '../../tui/keymap.js';
import {
  TABS,
  contextOf,
  initialUi,
  nextSort,
  processIndex,
  selection,
  step,
  uiReducer as reduce,
  type UiAction,
  type UiState,
} from '../../tui/ui-state.js';
import { container } from './fake-daemon.js';

const typed = (ch: string) => splitChunk(ch)[0];
const special = (name: keyof Key): { input: string; key: Key } => ({ input: '', key: { ...typed('x').key, [name]: true } });
const run = (s: UiState, ...actions: UiAction[]) => actions.reduce(reduce, s);
const withUi = (patch: Partial<UiState>): UiState => ({ ...initialUi, ...patch });
const inDetail = (tab: (typeof TABS)[number], detail: Partial<UiState['detail']> = {}): UiState =>
  withUi({ focus: 'detail', list: { ...initialUi.list, selectedId: 'web' }, detail: { ...initialUi.detail, of: 'web', tab: TABS.indexOf(tab), ...detail } });

test('step: a move lands inside the list, ends go to the first and last row', () => {
  const cases: Array<[number, number, Parameters<typeof step>[2], number]> = [
    [0, 5, 1, 1],
    [4, 5, 1, 4],
    [0, 5, -1, 0],
    [2, 5, 10, 4],
    [2, 5, -10, 0],
    [3, 5, 'top', 0],
    [1, 5, 'bottom', 4],
  ];
  for (const [cur, n, delta, want] of cases) assert.equal(step(cur, n, delta), want, `step(${cur}, ${n}, ${delta})`);
});

test('list panel: select, open, back, filter toggle and sort', () => {
  const cases: Array<{ name: string; from: UiState; act: UiAction[]; want: (s: UiState) => unknown; equals: unknown }> = [
    { name: 'select moves the cursor by id and row', from: initialUi, act: [{ type: 'select', id: 'web', row: 3 }], want: (s) => s.list, equals: { ...initialUi.list, selectedId: 'web', row: 3 } },
    { name: 'open focuses the detail of that container', from: initialUi, act: [{ type: 'open', id: 'db' }], want: (s) => [s.focus, s.list.selectedId], equals: ['detail', 'db'] },
    { name: 'back from the detail returns to the list', from: inDetail('Info'), act: [{ type: 'back', context: 'detail' }], want: (s) => s.focus, equals: 'list' },
    { name: 'a closed detail keeps the selection', from: inDetail('Info'), act: [{ type: 'closeDetail' }], want: (s) => [s.focus, s.list.selectedId], equals: ['list', 'web'] },
    { name: 'a toggles all and running only', from: initialUi, act: [{ type: 'toggleAll' }], want: (s) => s.list.showAll, equals: false },
    { name: 'a twice shows all again', from: initialUi, act: [{ type: 'toggleAll' }, { type: 'toggleAll' }], want: (s) => s.list.showAll, equals: true },
    { name: 'o cycles the sort', from: initialUi, act: [{ type: 'sort' }, { type: 'sort' }], want: (s) => s.list.sort, equals: 'age' },
    { name: 'Esc in the list clears the filter', from: withUi({ list: { ...initialUi.list, filter: 'ngin' } }), act: [{ type: 'clearFilter' }], want: (s) => s.list.filter, equals: '' },
  ];
  for (const c of cases) assert.deepEqual(c.want(run(c.from, ...c.act)), c.equals, c.name);
  assert.equal(nextSort('memory'), 'id', 'the sort wraps around');
});

test('selecting what is already selected changes nothing, so a render can ask freely', () => {
  const s = run(initialUi, { type: 'select', id: 'web', row: 2 });
  assert.equal(reduce(s, { type: 'select', id: 'web', row: 2 }), s);
});

test('back closes an overlay first, then a log search, then the detail', () => {
  let s = run(inDetail('Logs', { search: 'oops' }), { type: 'overlay', kind: 'actions' });
  s = reduce(s, { type: 'back', context: 'overlay' });
  assert.equal(s.overlay, null);
  assert.equal(s.focus, 'detail');
  s = reduce(s, { type: 'back', context: 'logs' });
  assert.equal(s.detail.search, '');
  assert.equal(s.focus, 'detail');
  s = reduce(s, { type: 'back', context: 'logs' });
  assert.equal(s.focus, 'list');
  // a search outside the Logs tab is not what Esc clears
  assert.equal(reduce(inDetail('Info', { search: 'x' }), { type: 'back', context: 'detail' }).focus, 'list');
});

test('Tab and Shift-Tab cycle the detail tabs both ways', () => {
  const cases: Array<[number, 1 | -1, number]> = [
    [0, 1, 1],
    [TABS.length - 1, 1, 0],
    [0, -1, TABS.length - 1],
    [2, -1, 1],
  ];
  for (const [from, by, want] of cases) {
    assert.equal(reduce(withUi({ detail: { ...initialUi.detail, tab: from } }), { type: 'tab', step: by }).detail.tab, want, `${from} ${by}`);
  }
});

test('overlays: ? toggles help, A and E open theirs, each from its start', () => {
  let s = reduce(initialUi, { type: 'overlay', kind: 'help' });
  assert.deepEqual(s.overlay, { kind: 'help', offset: 0 });
  s = reduce(s, { type: 'overlay', kind: 'help' });
  assert.equal(s.overlay, null);
  s = run(initialUi, { type: 'overlay', kind: 'actions' }, { type: 'scrollOverlay', delta: -3, most: 10 }, { type: 'overlay', kind: 'help' });
  assert.deepEqual(s.overlay, { kind: 'help', offset: 0 }, 'help over the action log opens help');
  assert.deepEqual(reduce(s, { type: 'overlay', kind: 'events' }).overlay, { kind: 'events', offset: 0 });
});

test('overlay scrolling: help reads down from the top, the action log and events up from the newest', () => {
  const help = reduce(initialUi, { type: 'overlay', kind: 'help' });
  const log = reduce(initialUi, { type: 'overlay', kind: 'actions' });
  const cases: Array<[string, UiState, UiAction[], number]> = [
    ['help: j scrolls down', help, [{ type: 'scrollOverlay', delta: 1, most: 5 }], 1],
    ['help: G goes to the end', help, [{ type: 'scrollOverlay', delta: 'bottom', most: 5 }], 5],
    ['help: g back to the top', help, [{ type: 'scrollOverlay', delta: 'bottom', most: 5 }, { type: 'scrollOverlay', delta: 'top', most: 5 }], 0],
    ['help: not past its end', help, [{ type: 'scrollOverlay', delta: 50, most: 5 }], 5],
    ['log: k goes back in time', log, [{ type: 'scrollOverlay', delta: -2, most: 5 }], 2],
    ['log: g to the oldest', log, [{ type: 'scrollOverlay', delta: 'top', most: 5 }], 5],
    ['log: j below the newest stays there', log, [{ type: 'scrollOverlay', delta: 1, most: 5 }], 0],
  ];
  for (const [name, from, acts, want] of cases) assert.equal(run(from, ...acts).overlay?.offset, want, name);
  assert.equal(reduce(initialUi, { type: 'scrollOverlay', delta: 1, most: 5 }), initialUi, 'no overlay, nothing to scroll');
});

test('the log: scrolling up pauses it where it is, G at the bottom follows again, f toggles', () => {
  const logs = inDetail('Logs');
  const cases: Array<[string, UiState, UiAction[], { frozenAt: number | null; logOffset: number }]> = [
    ['k pauses at the count received and scrolls one up', logs, [{ type: 'scrollLog', delta: -1, most: 10, received: 40 }], { frozenAt: 40, logOffset: 1 }],
    ['g goes to the first line', logs, [{ type: 'scrollLog', delta: 'top', most: 10, received: 40 }], { frozenAt: 40, logOffset: 10 }],
    ['k stops at the first line', logs, [{ type: 'scrollLog', delta: -50, most: 10, received: 40 }], { frozenAt: 40, logOffset: 10 }],
    ['a pause holds while lines come', logs, [{ type: 'scrollLog', delta: -1, most: 10, received: 40 }, { type: 'scrollLog', delta: -1, most: 10, received: 45 }], { frozenAt: 40, logOffset: 2 }],
    ['j back to the bottom of a paused log stays paused', logs, [{ type: 'scrollLog', delta: -1, most: 10, received: 40 }, { type: 'scrollLog', delta: 1, most: 10, received: 40 }], { frozenAt: 40, logOffset: 0 }],
    ['G follows again', logs, [{ type: 'scrollLog', delta: -3, most: 10, received: 40 }, { type: 'scrollLog', delta: 'bottom', most: 10, received: 41 }], { frozenAt: null, logOffset: 0 }],
    ['f pauses at the count received', logs, [{ type: 'follow', received: 7 }], { frozenAt: 7, logOffset: 0 }],
    ['f again follows, at the bottom', logs, [{ type: 'follow', received: 7 }, { type: 'scrollLog', delta: -2, most: 10, received: 7 }, { type: 'follow', received: 9 }], { frozenAt: null, logOffset: 0 }],
  ];
  for (const [name, from, acts, want] of cases) {
    const { frozenAt, logOffset } = run(from, ...acts).detail;
    assert.deepEqual({ frozenAt, logOffset }, want, name);
  }
});

test('the Events tab scrolls up from the newest event', () => {
  const ev = inDetail('Events');
  assert.equal(run(ev, { type: 'scrollEvents', delta: -2, most: 4 }).detail.eventsOffset, 2);
  assert.equal(run(ev, { type: 'scrollEvents', delta: 'top', most: 4 }).detail.eventsOffset, 4);
  assert.equal(run(ev, { type: 'scrollEvents', delta: -9, most: 4 }, { type: 'scrollEvents', delta: 'bottom', most: 4 }).detail.eventsOffset, 0);
});

test('l opens the Logs tab on a process, following from the bottom', () => {
  const s = run(inDetail('Processes', { frozenAt: 3, logOffset: 2 }), { type: 'logs', id: 'web', processId: 'sh1' });
  assert.equal(TABS[s.detail.tab], 'Logs');
  assert.equal(s.focus, 'detail');
  assert.equal(s.detail.logProcess, 'sh1');
  assert.deepEqual([s.detail.frozenAt, s.detail.logOffset], [null, 0]);
});

test('the detail state belongs to one container and the log view to one opening of its log', () => {
  const busy = inDetail('Logs', { logGen: 1, proc: { id: 'p3', row: 3 }, logProcess: 'p3', search: 'oops', eventsOffset: 4, frozenAt: 20, logOffset: 5 });
  assert.equal(reduce(busy, { type: 'showing', id: 'web', logGen: 1 }), busy, 'the same container and log: nothing changes');

  const reopened = reduce(busy, { type: 'showing', id: 'web', logGen: 2 });
  assert.deepEqual([reopened.detail.frozenAt, reopened.detail.logOffset], [null, 0], 'a new opening of the log follows from the bottom');
  assert.deepEqual([reopened.detail.proc, reopened.detail.logProcess, reopened.detail.search, reopened.detail.eventsOffset], [{ id: 'p3', row: 3 }, 'p3', 'oops', 4]);

  const other = reduce(busy, { type: 'showing', id: 'db', logGen: 1 });
  assert.deepEqual(other.detail, { ...initialUi.detail, tab: busy.detail.tab, of: 'db', logGen: 1 }, 'another container starts afresh, on the same tab');
});

test('prompts: typed keys edit the filter or the search, Enter keeps, Esc clears', () => {
  const typeAll = (s: UiState, text: string) => [...text].reduce((cur, ch) => reduce(cur, { type: 'type', ...typed(ch) }), s);
  let s = typeAll(reduce(initialUi, { type: 'prompt', prompt: 'filter' }), 'ngin');
  assert.equal(s.list.filter, 'ngin');
  assert.equal(s.editing, 'filter');
  s = reduce(s, { type: 'type', ...special('backspace') });
  assert.equal(s.list.filter, 'ngi');
  s = reduce(s, { type: 'type', ...special('return') });
  assert.deepEqual([s.editing, s.list.filter], [null, 'ngi']);

  let l = typeAll(reduce(inDetail('Logs'), { type: 'prompt', prompt: 'search' }), 'oops');
  assert.equal(l.detail.search, 'oops');
  assert.equal(l.list.filter, '', 'the search is not the filter');
  l = reduce(l, { type: 'type', ...special('escape') });
  assert.deepEqual([l.editing, l.detail.search], [null, '']);

  assert.equal(reduce(initialUi, { type: 'type', ...typed('x') }), initialUi, 'without a prompt, typing changes nothing');
});

test('dialogs are plain data held as they are given', () => {
  const s = reduce(initialUi, { type: 'dialog', dialog: { kind: 'kill', id: 'web', index: 0 } });
  assert.deepEqual(s.dialog, { kind: 'kill', id: 'web', index: 0 });
  assert.equal(reduce(s, { type: 'dialog', dialog: null }).dialog, null);
});

test('keys queue in order; handling one leaves those that came meanwhile', () => {
  let s = reduce(initialUi, { type: 'keys', keys: splitChunk('ab') });
  s = reduce(s, { type: 'keys', keys: splitChunk('c') });
  assert.deepEqual(s.keys.map((k) => k.input), ['a', 'b', 'c']);
  s = reduce(s, { type: 'keyDone' });
  assert.deepEqual(s.keys.map((k) => k.input), ['b', 'c']);
  const kept = reduce(s, { type: 'toggleAll' });
  assert.equal(kept.keys, s.keys, 'other actions keep the queue itself: App handles a key when the queue changes, and a copy would handle one twice');
});

test('selection: the cursor follows its container, stays on its row when it goes, and the pane pins its own', () => {
  const [a, b, c] = ['a', 'b', 'c'].map((id) => container(id));
  const byId = { a, b, c };
  const at = (selectedId: string | null, row: number, focus: UiState['focus'] = 'list') => withUi({ focus, list: { ...initialUi.list, selectedId, row } });
  const cases: Array<[string, UiState, typeof a[], { index: number; selected?: string; hidden: boolean }]> = [
    ['by id, wherever it sorts', at('c', 0), [a, b, c], { index: 2, selected: 'c', hidden: false }],
    ['gone from the list: the same row', at('x', 1), [a, b, c], { index: 1, selected: 'b', hidden: false }],
    ['gone past the end: the last row', at('x', 5), [a, b], { index: 1, selected: 'b', hidden: false }],
    ['nothing selected yet: the first row', at(null, 0), [a, b, c], { index: 0, selected: 'a', hidden: false }],
    ['an empty list: nothing', at('a', 0), [], { index: -1, selected: undefined, hidden: false }],
    ['the pane keeps its container when the filter hides it', at('c', 2, 'detail'), [a, b], { index: -1, selected: 'c', hidden: true }],
    ['the pane of a deleted container shows nothing', at('x', 1, 'detail'), [a, b], { index: 1, selected: undefined, hidden: false }],
  ];
  for (const [name, s, rows, want] of cases) {
    const got = selection(s, rows, byId);
    assert.deepEqual({ index: got.index, selected: got.selected?.id, hidden: got.hidden }, want, name);
  }
});

test('the Processes cursor follows its process by id, and keeps its row when that one goes', () => {
  const procs = ['init', 'p1', 'p2', 'p3'].map((id) => ({ ...container('w').processes[0], id }));
  const at = (id: string | null, row: number) => withUi({ detail: { ...initialUi.detail, proc: { id, row } } });
  assert.equal(processIndex(at('p3', 3), procs.filter((p) => p.id !== 'p1')), 2, 'p3 moved up a row');
  assert.equal(processIndex(at('gone', 2), procs), 2);
  assert.equal(processIndex(at('gone', 9), procs), 3);
  assert.equal(processIndex(at(null, 0), []), 0);
});

test('where keys go: an overlay, else the list, else the tab of the detail', () => {
  const web = container('web');
  const cases: Array<[string, UiState, typeof web | undefined, string]> = [
    ['overlay over all', reduce(inDetail('Logs'), { type: 'overlay', kind: 'help' }), web, 'overlay'],
    ['the list', initialUi, web, 'list'],
    ['a detail without its container is the list', inDetail('Logs'), undefined, 'list'],
    ['Logs', inDetail('Logs'), web, 'logs'],
    ['Processes', inDetail('Processes'), web, 'processes'],
    ['Info', inDetail('Info'), web, 'detail'],
    ['Stats', inDetail('Stats'), web, 'detail'],
    ['Events', inDetail('Events'), web, 'detail'],
  ];
  for (const [name, s, selected, want] of cases) assert.equal(contextOf(s, selected), want, name);
});
