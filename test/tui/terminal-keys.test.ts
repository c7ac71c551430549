// The pure parts of the terminal client: the detach-key scanner (Ctrl-P
// Ctrl-Q, a held Ctrl-P sent on when anything else follows, across chunk
// boundaries) and how a session's end becomes the command's exit status.
// `corral exec`'s flags are the verb table's (test/cli/parse.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CTRL_P, CTRL_Q, DetachKeys } from '../../tui/terminal/detach-keys.js';
import { sessionExitCode } from '../../tui/terminal/session.js';

const b = (...xs: (number | string)[]) => Buffer.concat(xs.map((x) => (typeof x === 'number' ? Buffer.from([x]) : Buffer.from(x))));

test('detach keys: Ctrl-P Ctrl-Q detaches, in one chunk or across two, and sends what came before', () => {
  let k = new DetachKeys();
  assert.deepEqual(k.feed(b('ls', CTRL_P, CTRL_Q, 'rest')), { forward: b('ls'), detach: true });
  k = new DetachKeys();
  assert.deepEqual(k.feed(b('a', CTRL_P)), { forward: b('a'), detach: false });
  assert.deepEqual(k.feed(b(CTRL_Q)), { forward: b(), detach: true });
});

test('detach keys: a Ctrl-P followed by anything else reaches the process, one key late', () => {
  const k = new DetachKeys();
  assert.deepEqual(k.feed(b(CTRL_P)), { forward: b(), detach: false });
  assert.deepEqual(k.feed(b('x')), { forward: b(CTRL_P, 'x'), detach: false });
  assert.deepEqual(k.feed(b(CTRL_P, CTRL_P, 'y')), { forward: b(CTRL_P, CTRL_P, 'y'), detach: false });
  assert.deepEqual(k.feed(b(CTRL_P, CTRL_P, CTRL_Q)), { forward: b(CTRL_P), detach: true });
  // Ctrl-Q alone and Ctrl-C are data
  assert.deepEqual(new DetachKeys().feed(b(CTRL_Q, 3)), { forward: b(CTRL_Q, 3), detach: false });
});

test("a session's end is the command's exit status, as docker and podman make it", () => {
  assert.equal(sessionExitCode({ reason: 'exit', exitStatus: 3 }), 3);
  assert.equal(sessionExitCode({ reason: 'exit', exitStatus: 130 }), 130);
  assert.equal(sessionExitCode({ reason: 'exit' }), 255);
  assert.equal(sessionExitCode({ reason: 'detached' }), 0);
  assert.equal(sessionExitCode({ reason: 'signal', signal: 'SIGINT' }), 130);
  assert.equal(sessionExitCode({ reason: 'signal', signal: 'SIGTERM' }), 143);
  assert.equal(sessionExitCode({ reason: 'lost', message: 'x' }), 125);
  assert.equal(sessionExitCode({ reason: 'overflow' }), 125);
});
