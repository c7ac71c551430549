// The store's models one at a time, without a socket: each is given a
// stand-in `send` whose answers the test releases in the order it wants, so
// the races the component tests can only provoke (a wait answered before
// the log, two openings of one log answered out of order) are played here
// step by step. Also the Store's promise to the views: one snapshot that
// changes only with a model, announced once per turn of the event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLineT, MethodName, NotificationOf } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';
import { ExecSession } from '../../tui/store/exec.js';
import { ImageChanges } from '../../tui/store/image-changes.js';
import { ImageList } from '../../tui/store/images.js';
import { Follows, LogFollow, LOG_TAIL } from '../../tui/store/logs.js';
import type { Send } from '../../tui/store/model.js';
import { Mutations } from '../../tui/store/mutations.js';
import { ACTION_LOG_MAX, ActionLog, Notices } from '../../tui/store/notices.js';
import { PullSession } from '../../tui/store/pull.js';
import { Stats } from '../../tui/store/stats.js';
import { Store } from '../../tui/store/store.js';
import { container, image } from './fake-daemon.js';

interface Call {
  method: string;
  params: Record<string, unknown>;
  answer: (v: unknown) => void;
  fail: (e: unknown) => void;
  settled: boolean;
}

/** A `send` that holds every request until the test answers it. */
function daemon() {
  const calls: Call[] = [];
  const send = ((method: MethodName, params: Record<string, unknown>) =>
    new Promise((resolve, reject) => {
      const call: Call = { method, params, settled: false, answer: (v) => ((call.settled = true), resolve(v)), fail: (e) => ((call.settled = true), reject(e)) };
      calls.push(call);
    })) as unknown as Send;
  const pending = (method: string) => {
    const c = calls.find((x) => x.method === method && !x.settled);
    assert.ok(c, `a pending ${method}`);
    return c;
  };
  return { send, calls, pending, sent: (method: string) => calls.filter((c) => c.method === method) };
}

const turn = () => new Promise((r) => setImmediate(r));
const line = (text: string): LogLineT => ({ time: '2026-11-28T12:00:00.000Z', stream: 'stdout', text });
const log = (p: Partial<NotificationOf<'process.log'>>): NotificationOf<'process.log'> => ({ subscription: 's', id: 'web', processId: 'init', ...p });

test('exec: the exit code waits for the end of the output, whichever answer comes first', async () => {
  const d = daemon();
  const exec = new ExecSession({ send: d.send, mayMutate: () => true, follows: new Follows(d.send) });
  const done = exec.run('web', ['sh', '-c', 'hi']);
  assert.equal(exec.getState()?.state, 'starting');
  d.pending('process.exec').answer({});
  await done;
  const processId = exec.getState()!.processId;
  assert.match(processId, /^exec-/);
  d.pending('process.wait').answer({ exitStatus: 4, exitedAt: '2026-11-28T12:00:01.000Z' });
  await turn();
  assert.equal(exec.getState()?.state, 'running', 'no exit code before the output');
  d.pending('process.logs').answer({ lines: [line('hello')], subscription: 'l1' });
  await turn();
  assert.equal(exec.getState()?.state, 'running', 'the follow has not ended yet');
  assert.equal(exec.take(log({ subscription: 'l1', processId, line: line('more') })), true);
  assert.equal(exec.take(log({ subscription: 'l1', processId, end: true })), true);
  await turn();
  assert.deepEqual(
    { state: exec.getState()?.state, exit: exec.getState()?.exitStatus, lines: exec.getState()?.lines.map((l) => l.text) },
    { state: 'exited', exit: 4, lines: ['hello', 'more'] },
  );
});

test('exec: refused, it sends nothing; a follow answered after its session closed is ended', async () => {
  const d = daemon();
  const refused = new ExecSession({ send: d.send, mayMutate: () => false, follows: new Follows(d.send) });
  await refused.run('web', ['ls']);
  assert.equal(refused.getState(), null);
  assert.equal(d.calls.length, 0);

  const exec = new ExecSession({ send: d.send, mayMutate: () => true, follows: new Follows(d.send) });
  const done = exec.run('web', ['ls']);
  d.pending('process.exec').answer({});
  await done;
  exec.close();
  d.pending('process.logs').answer({ lines: [], subscription: 'late' });
  await turn();
  assert.deepEqual(d.sent('events.unsubscribe').map((c) => c.params), [{ subscription: 'late' }]);
  assert.equal(exec.getState(), null);
});

test('log follow: only the last opening counts, and lines that came before its answer go after the tail', async () => {
  const d = daemon();
  const follows = new Follows(d.send);
  const logs = new LogFollow({ send: d.send, connected: () => true, follows });
  void logs.open('web');
  const first = d.pending('process.logs');
  void logs.open('web');
  const second = d.calls.filter((c) => c.method === 'process.logs')[1];
  assert.deepEqual(second.params, { id: 'web', processId: 'init', tail: LOG_TAIL, follow: true });
  // a line of the second follow arrives before either answer: it belongs by process while no subscription is known
  assert.equal(logs.take(log({ subscription: 'l2', line: line('newest') })), true);
  second.answer({ lines: [line('one'), line('two')], subscription: 'l2' });
  await turn();
  first.answer({ lines: [line('one')], subscription: 'l1' });
  await turn();
  const v = logs.getState()!;
  assert.deepEqual(v.lines.map((l) => l.text), ['one', 'two', 'newest']);
  assert.equal(v.received, 3);
  assert.equal(v.subscription, 'l2');
  assert.deepEqual(d.sent('events.unsubscribe').map((c) => c.params.subscription), ['l1'], 'the overtaken follow is ended');
  assert.equal(logs.take(log({ subscription: 'other', processId: 'sh1', line: line('not ours') })), false);
});

test('log follow: lines of a follow being ended belong to no one; the end is known once corrald answers', async () => {
  const d = daemon();
  const follows = new Follows(d.send);
  const ending = follows.end('l1');
  assert.equal(follows.isEnding('l1'), true);
  d.pending('events.unsubscribe').fail(new CorralError('not_found', 'no subscription l1'));
  await ending;
  assert.equal(follows.isEnding('l1'), false, 'an unsubscribe refused still ends it');
});

test('log follow: a drop keeps the lines and says so, the reconnect resumes it, a restart follows an ended one', async () => {
  const d = daemon();
  let connected = false;
  const logs = new LogFollow({ send: d.send, connected: () => connected, follows: new Follows(d.send) });
  await logs.open('web');
  assert.equal(logs.getState()?.error, 'not connected: the log loads on reconnect');
  assert.equal(d.calls.length, 0);
  connected = true;
  logs.resume();
  d.pending('process.logs').answer({ lines: [line('a')], subscription: 'l1' });
  await turn();
  logs.down();
  assert.deepEqual([logs.getState()?.subscription, logs.getState()?.lines.length], [undefined, 1]);
  assert.match(logs.getState()!.error!, /resumes on reconnect/);

  logs.take(log({ id: 'web', processId: 'init', end: true }));
  assert.equal(logs.getState()?.ended, true);
  const asked = d.sent('process.logs').length;
  logs.restartOn({ seq: 9, time: '', type: 'process.start', id: 'web', processId: 'other', container: container('web') });
  logs.restartOn({ seq: 9, time: '', type: 'container.start', id: 'db', processId: 'init', container: container('db') });
  assert.equal(d.sent('process.logs').length, asked, 'another process or container is no restart');
  logs.restartOn({ seq: 10, time: '', type: 'container.start', id: 'web', processId: 'init', container: container('web') });
  assert.equal(d.sent('process.logs').length, asked + 1);
});

test('mutations: a row is pending while its request runs, then shows the failure until it expires or the row moves on', async () => {
  const d = daemon();
  const notices = new Notices();
  const applied: unknown[] = [];
  const m = new Mutations({ send: d.send, mayMutate: () => true, notify: notices.notify, list: { apply: (a) => applied.push(a) }, rowErrorMs: 40 });
  const paused = m.pauseResume(container('web'));
  assert.deepEqual(m.getState().web, { pending: 'pausing', error: undefined });
  d.pending('container.pause').answer(container('web', { state: 'paused' }));
  await paused;
  assert.equal(m.getState().web.pending, undefined);
  assert.deepEqual(applied, [{ type: 'container', container: container('web', { state: 'paused' }) }], 'the answer goes into the list at once');

  const failed = m.start('web');
  d.pending('container.start').fail(new CorralError('invalid_state', 'container web is running'));
  await failed;
  assert.equal(m.getState().web.error, 'start: container web is running');
  assert.equal(notices.getState()?.text, 'web: container.start failed: container web is running');
  m.moved({ seq: 1, time: '', type: 'container.state', id: 'web', container: container('web') });
  assert.ok(m.getState().web.error, 'a snapshot line is not the row moving on');
  m.moved({ seq: 2, time: '', type: 'container.pause', id: 'web', container: container('web', { state: 'paused' }) });
  assert.equal(m.getState().web.error, undefined);

  const again = m.start('web');
  d.pending('container.start').fail(new CorralError('invalid_state', 'still running'));
  await again;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(m.getState().web.error, undefined, 'the failure expired');

  void m.kill('web', 'SIGTERM');
  m.down();
  assert.equal(m.getState().web.pending, undefined, 'a lost connection answers nothing');
  m.stop();
});

test('mutations: refused when the UI may not change anything, without a request', async () => {
  const d = daemon();
  const m = new Mutations({ send: d.send, mayMutate: () => false, notify: () => undefined, list: { apply: () => undefined } });
  await m.start('web');
  assert.equal(await m.remove('web', true), false);
  assert.equal(await m.create({ id: 'new', bundle: '/b', start: true }), false);
  assert.equal(d.calls.length, 0);
  assert.deepEqual(m.getState(), {});
});

test('action log: each request pending until answered, then its result and duration; the oldest go first', async () => {
  const log = new ActionLog();
  let answer!: (v: string) => void;
  const ok = log.record('container.start', { id: 'web' }, () => new Promise<string>((r) => (answer = r)));
  assert.deepEqual(log.getState().map((a) => [a.method, a.state]), [['container.start', 'pending']]);
  answer('done');
  assert.equal(await ok, 'done');
  await assert.rejects(log.record('container.pause', { id: 'web' }, () => Promise.reject(new CorralError('not_found', 'no web'))));
  const [first, second] = log.getState();
  assert.equal(first.state, 'ok');
  assert.equal(typeof first.durationMs, 'number');
  assert.deepEqual([second.state, second.message], ['error', 'no web']);
  for (let i = 0; i < ACTION_LOG_MAX; i++) await log.record('daemon.info', {}, async () => i);
  assert.equal(log.getState().length, ACTION_LOG_MAX);
  assert.equal(log.getState()[0].method, 'daemon.info');
});

test('stats: polls only the watched rows that run, while live; forgets the gone; counts the polls', async () => {
  const asked: string[] = [];
  let live = true;
  const byId: Record<string, ReturnType<typeof container>> = {
    web: container('web'),
    db: container('db', { state: 'paused' }),
    job: container('job', { state: 'stopped' }),
  };
  const sample = { cpu: { usageNs: 1e6 }, memory: { usageBytes: 3, limitBytes: 4 }, pids: { current: 2 } };
  const stats = new Stats({ request: async (id) => (asked.push(id), sample as never), live: () => live, containers: () => byId });
  stats.watch(['web', 'db', 'job', 'web']);
  await stats.poll();
  assert.deepEqual(asked.sort(), ['db', 'web']);
  assert.equal(stats.getState().polls, 2);
  delete byId.db;
  await stats.poll();
  assert.deepEqual(Object.keys(stats.getState().byId), ['web']);
  assert.equal(stats.getState().byId.web.length, 2);
  live = false;
  await stats.poll();
  assert.equal(stats.getState().polls, 3, 'no poll while the list is not live');
});

test('store: one snapshot, the same object until a model changes, announced once per turn', async () => {
  const store = new Store({ socket: '/nonexistent/corrald.sock', readOnly: true });
  const before = store.getState();
  assert.equal(store.getState(), before);
  assert.equal(before.readOnly, true);
  let told = 0;
  store.subscribe(() => told++);
  store.notices.notify('one');
  store.notices.notify('two');
  assert.equal(store.getState().notice?.text, 'two', 'the snapshot follows at once');
  assert.notEqual(store.getState(), before);
  assert.equal(told, 0);
  await turn();
  assert.equal(told, 1, 'two changes, one announcement');
  assert.equal(store.link.refusal('kill'), 'read-only: kill is disabled (started with --read-only)');
  store.stop();
});

test('image list: events that come while the list is on its way are applied over it', async () => {
  const d = daemon();
  const images = new ImageList(d.send);
  const bb = image('busybox');
  const deb = image('debian:12');
  const synced = images.sync();
  images.take({ seq: 7, time: '2026-11-28T12:00:00.000Z', type: 'image.pull', image: deb });
  assert.equal(images.getState().synced, false, 'held until the list comes');
  d.pending('image.list').answer({ images: [bb] });
  await synced;
  assert.deepEqual(Object.keys(images.getState().byDigest).sort(), [bb.digest, deb.digest].sort());
  images.take({ seq: 8, time: '2026-11-28T12:00:00.000Z', type: 'image.remove', image: bb });
  assert.deepEqual(Object.keys(images.getState().byDigest), [deb.digest], 'after the list, events apply at once');
  images.take({ seq: 9, time: '2026-11-28T12:00:00.000Z', type: 'container.delete', id: 'web' });
  assert.deepEqual(Object.keys(images.getState().byDigest), [deb.digest], 'container events are not ours');
});

test('pull: progress of its own ref only, then the image into the list at once; a failure keeps the daemon\'s words', async () => {
  const d = daemon();
  const images = new ImageList(d.send);
  const notices: string[] = [];
  const pull = new PullSession({ send: d.send, mayMutate: () => true, notify: (t) => notices.push(t), images });
  const done = pull.pull('busybox', false);
  assert.deepEqual(d.pending('image.pull').params, { ref: 'busybox' });
  const progress = { phase: 'copying' as const, layersDone: 1, layersTotal: 2, bytesDone: 10, bytesTotal: 30 };
  pull.progress({ ref: 'docker.io/library/other:latest', ...progress });
  assert.equal(pull.getState()?.progress, undefined, 'another pull\'s progress');
  pull.progress({ ref: 'docker.io/library/busybox:latest', ...progress });
  assert.equal(pull.getState()?.progress?.bytesDone, 10);
  await pull.pull('debian', false);
  assert.match(notices.at(-1)!, /still running/, 'one pull at a time');
  const bb = image('busybox');
  d.pending('image.pull').answer(bb);
  await done;
  assert.equal(pull.getState()?.state, 'done');
  assert.equal(images.getState().byDigest[bb.digest], bb);
  const failed = pull.pull('nope', true);
  assert.deepEqual(d.pending('image.pull').params, { ref: 'nope', insecure: true });
  d.pending('image.pull').fail(new CorralError('unavailable', 'pull of docker.io/library/nope:latest: connection refused; is the registry up?'));
  await failed;
  assert.deepEqual([pull.getState()?.state, pull.getState()?.error], ['failed', 'pull of docker.io/library/nope:latest: connection refused; is the registry up?']);
  pull.dismiss();
  assert.equal(pull.getState(), null);
});

test('image remove: a refusal naming containers comes back as inUse; a forced one takes them from the list too', async () => {
  const d = daemon();
  const applied: unknown[] = [];
  const images = { apply: (a: unknown) => void applied.push(a) };
  const containers = { apply: (a: unknown) => void applied.push(a) };
  const changes = new ImageChanges({ send: d.send, mayMutate: () => true, notify: () => undefined, images, containers });
  const target = { digest: 'sha256:ab', ref: 'busybox', label: 'busybox:latest' };
  const refused = changes.remove(target, false);
  assert.equal(changes.getState()['sha256:ab'], 'removing');
  d.pending('image.remove').fail(new CorralError('invalid_state', 'image busybox is used by containers web (stopped)', { data: { containers: ['web'] } }));
  assert.deepEqual(await refused, { kind: 'inUse', containers: ['web'], message: 'image busybox is used by containers web (stopped)' });
  assert.deepEqual(changes.getState(), {});
  const forced = changes.remove(target, true);
  assert.deepEqual(d.pending('image.remove').params, { ref: 'busybox', force: true });
  d.pending('image.remove').answer({ untagged: ['docker.io/library/busybox:latest'], deleted: ['sha256:ab'], containers: ['web'] });
  assert.deepEqual(await forced, { kind: 'removed' });
  assert.deepEqual(applied, [{ type: 'deleted', digests: ['sha256:ab'] }, { type: 'gone', id: 'web' }]);
});
