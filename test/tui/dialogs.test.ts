// The dialogs' keys as a pure function: the delete confirmation's safety rules
// (Enter cancels, only y deletes, a running container needs its id typed and
// is deleted with force), the signal picker, and the checks exec and create
// make before anything is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from 'ink';
import { dialogKey, type Dialog } from '../../tui/dialogs.js';
import { splitChunk } from '../../tui/keymap.js';

const press = (d: Dialog, k: string) => {
  const [{ input, key }] = splitChunk(k);
  return dialogKey(d, input, key);
};
const special = (name: keyof Key): { input: string; key: Key } => ({ input: '', key: { ...splitChunk('x')[0].key, [name]: true } });
const pressSpecial = (d: Dialog, name: keyof Key) => {
  const { input, key } = special(name);
  return dialogKey(d, input, key);
};
/** Types `text` into a dialog key by key, as the App does. */
const typeInto = (d: Dialog, text: string) => [...text].reduce<Dialog>((cur, ch) => press(cur, ch).dialog ?? cur, d);

test('delete of a stopped container: Enter, n, Esc and any other key cancel; only y deletes, without force', () => {
  const d: Dialog = { kind: 'delete', id: 'web', running: false, typed: '' };
  for (const out of [press(d, '\r'), press(d, 'n'), pressSpecial(d, 'escape'), press(d, 'Y'), press(d, ' ')]) {
    assert.equal(out.dialog, null);
    assert.equal(out.act, undefined);
    assert.equal(out.notice, 'web not deleted');
  }
  assert.deepEqual(press(d, 'y'), { dialog: null, act: { kind: 'delete', id: 'web', force: false } });
});

test('delete of a running container: y is just a letter; only the typed id and Enter delete, with force', () => {
  const d: Dialog = { kind: 'delete', id: 'web', running: true, typed: '' };
  const afterY = press(d, 'y');
  assert.equal(afterY.act, undefined);
  assert.equal((afterY.dialog as { typed: string }).typed, 'y');
  assert.equal(press(d, '\r').act, undefined, 'Enter on an empty answer cancels');
  assert.match(press(typeInto(d, 'we'), '\r').notice ?? '', /did not match/);
  assert.deepEqual(press(typeInto(d, 'web'), '\r').act, { kind: 'delete', id: 'web', force: true });
  assert.equal(pressSpecial(typeInto(d, 'web'), 'escape').act, undefined);
  const fixed = pressSpecial(typeInto(d, 'wex'), 'backspace').dialog!;
  assert.deepEqual(press(typeInto(fixed, 'b'), '\r').act, { kind: 'delete', id: 'web', force: true });
});

test('the signal picker starts at TERM, moves within its list, sends on y only, to init or to one process', () => {
  const d: Dialog = { kind: 'kill', id: 'web', index: 0 };
  assert.deepEqual(press(d, 'y').act, { kind: 'kill', id: 'web', signal: 'SIGTERM', processId: undefined });
  assert.equal((press(d, 'k').dialog as { index: number }).index, 0);
  let cur: Dialog = d;
  for (let i = 0; i < 10; i++) cur = press(cur, 'j').dialog!;
  assert.deepEqual(press(cur, 'y').act, { kind: 'kill', id: 'web', signal: 'SIGUSR2', processId: undefined });
  const toProcess = press(press({ kind: 'kill', id: 'web', processId: 'sh1', index: 0 }, 'j').dialog!, 'y');
  assert.deepEqual(toProcess.act, { kind: 'kill', id: 'web', signal: 'SIGINT', processId: 'sh1' });
  for (const out of [press(cur, '\r'), pressSpecial(cur, 'escape'), press(cur, 'n'), press(cur, 'q')]) {
    assert.equal(out.dialog, null, 'Enter, Esc, n and q cancel: a reflexive Enter kills nothing');
    assert.equal(out.act, undefined);
  }
  assert.equal(press(d, 'Y').act, undefined, 'only a lower-case y sends');
});

test('exec splits the command like a shell and refuses an empty or unbalanced one', () => {
  const d: Dialog = { kind: 'exec', id: 'web', text: '' };
  assert.match((press(d, '\r').dialog as { error: string }).error, /type a command/);
  assert.match((press(typeInto(d, 'echo "hi'), '\r').dialog as { error: string }).error, /unclosed/);
  assert.deepEqual(press(typeInto(d, `sh -c 'echo hi'`), '\r'), {
    dialog: { kind: 'execOutput' },
    act: { kind: 'exec', id: 'web', args: ['sh', '-c', 'echo hi'] },
  });
});

test('create checks the id and that the bundle is an absolute path; Tab moves, Space toggles start', () => {
  let d: Dialog = { kind: 'create', id: '', bundle: '', start: true, field: 0 };
  d = typeInto(d, '-bad');
  assert.match((press(d, '\r').dialog as { error: string }).error, /^id:/);
  d = { kind: 'create', id: 'web', bundle: '', start: true, field: 0 };
  d = press(d, '\t').dialog!;
  d = typeInto(d, 'rel/path');
  assert.match((press(d, '\r').dialog as { error: string }).error, /^bundle:/);
  d = { ...(d as Extract<Dialog, { kind: 'create' }>), bundle: '/srv/b' };
  d = press(press(d, '\t').dialog!, ' ').dialog!;
  assert.deepEqual(press(d, '\r').act, { kind: 'create', id: 'web', bundle: '/srv/b', start: false });
});
