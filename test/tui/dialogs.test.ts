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

test('create checks the id, takes an absolute path as a bundle and anything else as an image ref, splits args; Tab moves, Space toggles start', () => {
  const blank: Dialog = { kind: 'create', id: '', source: '', args: '', start: true, field: 0 };
  assert.match((press(typeInto(blank, '-bad'), '\r').dialog as { error: string }).error, /^id:/);
  let d: Dialog = { ...blank, id: 'web' };
  assert.match((press(d, '\r').dialog as { error: string }).error, /^from: an image ref/);
  d = press(d, '\t').dialog!;
  assert.match((press(typeInto(d, './rel'), '\r').dialog as { error: string }).error, /^from: a bundle path must be absolute/);
  assert.match((press(typeInto(d, 'Bad:Ref!'), '\r').dialog as { error: string }).error, /^from: "Bad:Ref!" is not an image reference/);
  assert.deepEqual(press(typeInto(d, 'debian:12'), '\r').act, { kind: 'create', id: 'web', image: 'debian:12', start: true });
  d = typeInto(d, '/srv/b');
  d = press(d, '\t').dialog!;
  d = typeInto(d, `sh -c 'echo hi`);
  assert.match((press(d, '\r').dialog as { error: string }).error, /^args: unclosed/);
  d = typeInto(d, "'");
  d = press(press(d, '\t').dialog!, ' ').dialog!;
  assert.deepEqual(press(d, '\r').act, { kind: 'create', id: 'web', bundle: '/srv/b', start: false, args: ['sh', '-c', 'echo hi'] });
  assert.equal((press(d, '\t').dialog as { field: number }).field, 0, 'Tab from the last field goes back to the first');
});

test("pull checks the ref with corrald's parser before sending; Tab reaches the insecure toggle", () => {
  const blank: Dialog = { kind: 'pull', ref: '', insecure: false, field: 0 };
  assert.match((press(blank, '\r').dialog as { error: string }).error, /type an image ref/);
  assert.match((press(typeInto(blank, 'Busybox'), '\r').dialog as { error: string }).error, /"Busybox" must be lowercase/);
  let d = typeInto(blank, '127.0.0.1:5000/corral/two:1');
  d = press(press(d, '\t').dialog!, ' ').dialog!;
  assert.equal((typeInto(d, 'x') as { ref: string }).ref, '127.0.0.1:5000/corral/two:1', 'typing on the toggle does not edit the ref');
  assert.deepEqual(press(d, '\r'), { dialog: { kind: 'pulling' }, act: { kind: 'pull', ref: '127.0.0.1:5000/corral/two:1', insecure: true } });
  assert.deepEqual(pressSpecial({ kind: 'pulling' }, 'escape'), { dialog: null, act: { kind: 'closePull' } });
  assert.deepEqual(press({ kind: 'pulling' }, 'j'), { dialog: { kind: 'pulling' } }, 'other keys leave the progress open');
});

test('remove and prune of images: only y confirms; force is asked for by the second confirmation alone', () => {
  const d = { kind: 'removeImage' as const, digest: 'sha256:ab', ref: 'docker.io/library/busybox:latest', label: 'busybox:latest', names: ['docker.io/library/busybox:latest'] };
  for (const out of [press(d, '\r'), press(d, 'n'), pressSpecial(d, 'escape'), press(d, 'Y')]) assert.deepEqual(out, { dialog: null, notice: 'busybox:latest not removed' });
  assert.deepEqual(press(d, 'y').act, { kind: 'removeImage', digest: 'sha256:ab', ref: 'docker.io/library/busybox:latest', label: 'busybox:latest', force: false });
  assert.deepEqual(press({ ...d, force: { containers: ['web'] } }, 'y').act, { kind: 'removeImage', digest: 'sha256:ab', ref: 'docker.io/library/busybox:latest', label: 'busybox:latest', force: true });
  assert.deepEqual(press({ kind: 'prune' }, '\r'), { dialog: null, notice: 'prune cancelled' });
  assert.deepEqual(press({ kind: 'prune' }, 'y'), { dialog: null, act: { kind: 'prune' } });
  assert.deepEqual(press({ kind: 'imageRefused', title: 't', message: 'm' }, 'y'), { dialog: null }, 'a refusal shown closes on any key, doing nothing');
});
