// The CRI streaming server's pure parts: the remotecommand protocol (the
// subprotocol picked, frames, client messages read, the metav1.Status JSON
// kubelet writes) and the one-time tokens with their expiry on a fake clock.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exitStatus, frame, internalStatus, parseIncoming, pickProtocol, statusFrame, successStatus } from '../../daemon/cri/remotecommand.js';
import { StreamTokens } from '../../daemon/cri/stream-tokens.js';
import { CorralError } from '../../shared/errors.js';

describe('remotecommand', () => {
  test('the best offered subprotocol: v5, then v4, else none', () => {
    assert.equal(pickProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io']), 'v5.channel.k8s.io');
    assert.equal(pickProtocol([' v4.channel.k8s.io', 'channel.k8s.io']), 'v4.channel.k8s.io');
    assert.equal(pickProtocol(['channel.k8s.io', 'base64.channel.k8s.io']), undefined);
    assert.equal(pickProtocol([]), undefined);
  });

  test('a frame is the channel byte, then the bytes', () => {
    assert.deepEqual([...frame(1)], [1]);
    assert.deepEqual([...frame(2, 'ab')], [2, 97, 98]);
    assert.deepEqual([...frame(0, Buffer.from([255]))], [0, 255]);
  });

  const msg = (...bytes: (number | string)[]) => Buffer.concat(bytes.map((b) => (typeof b === 'number' ? Buffer.from([b]) : Buffer.from(b))));
  const cases: [string, Buffer, 'v5.channel.k8s.io' | 'v4.channel.k8s.io', ReturnType<typeof parseIncoming>][] = [
    ['stdin', msg(0, 'ls\r'), 'v5.channel.k8s.io', { kind: 'stdin', data: Buffer.from('ls\r') }],
    ['a resize', msg(4, '{"Width":120,"Height":40}'), 'v4.channel.k8s.io', { kind: 'resize', rows: 40, cols: 120 }],
    ['v5 closes stdin', msg(255, 0), 'v5.channel.k8s.io', { kind: 'close', channel: 0 }],
    ['v4 has no close channel', msg(255, 0), 'v4.channel.k8s.io', { kind: 'ignored', why: "the close channel is v5's, not v4.channel.k8s.io's" }],
    ['a close naming two channels', msg(255, 0, 1), 'v5.channel.k8s.io', { kind: 'ignored', why: 'a close message names exactly one channel' }],
    ['a resize that is not JSON', msg(4, '80x24'), 'v5.channel.k8s.io', { kind: 'ignored', why: 'a resize that is not JSON' }],
    ['a resize of zero', msg(4, '{"Width":0,"Height":24}'), 'v5.channel.k8s.io', { kind: 'ignored', why: 'a resize without a Width and Height from 1 to 65535' }],
    ['a resize in lower case', msg(4, '{"width":80,"height":24}'), 'v5.channel.k8s.io', { kind: 'ignored', why: 'a resize without a Width and Height from 1 to 65535' }],
    ['stdout from a client', msg(1, 'x'), 'v5.channel.k8s.io', { kind: 'ignored', why: 'channel 1 carries nothing from a client' }],
    ['an empty message', Buffer.alloc(0), 'v5.channel.k8s.io', { kind: 'ignored', why: 'an empty message' }],
  ];
  for (const [name, m, protocol, expected] of cases) {
    test(`client message: ${name}`, () => assert.deepEqual(parseIncoming(m, protocol), expected));
  }

  test("statuses as kubelet's remotecommand server writes them", () => {
    assert.equal(JSON.stringify(successStatus()), '{"metadata":{},"status":"Success"}');
    assert.deepEqual(exitStatus(0), successStatus());
    assert.equal(
      JSON.stringify(exitStatus(137)),
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 137","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"137"}]}}',
    );
    assert.deepEqual(internalStatus('boom'), { metadata: {}, status: 'Failure', message: 'Internal error occurred: boom', reason: 'InternalError', details: { causes: [{ message: 'boom' }] }, code: 500 });
    const f = statusFrame(successStatus());
    assert.equal(f[0], 3);
    assert.deepEqual(JSON.parse(f.subarray(1).toString()), successStatus());
  });
});

describe('stream tokens', () => {
  test('a token is taken once', () => {
    const t = new StreamTokens<string>();
    const token = t.issue('exec 1');
    assert.match(token, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(t.take(token), 'exec 1');
    assert.equal(t.take(token), undefined);
    assert.equal(t.take('never-issued'), undefined);
  });

  test('an unused token expires after its time', () => {
    let now = 1_000;
    const t = new StreamTokens<string>(60_000, () => now);
    const early = t.issue('early');
    now += 30_000;
    const late = t.issue('late');
    now += 30_000;
    assert.equal(t.take(early), undefined, 'a minute old');
    assert.equal(t.take(late), 'late', 'half a minute old');
  });

  test('at most 1000 wait at once, and expired ones make room', () => {
    let now = 0;
    const t = new StreamTokens<number>(60_000, () => now);
    for (let i = 0; i < 1000; i++) t.issue(i);
    assert.throws(
      () => t.issue(1000),
      (err: unknown) => err instanceof CorralError && err.reason === 'limit_exceeded',
    );
    now += 60_000;
    assert.doesNotThrow(() => t.issue(1001));
  });
});
