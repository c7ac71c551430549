// Security against real containers: ids and process ids that try path
// traversal are invalid_params on every method that takes them; symlinks
// planted in corral's folders while it is down, and a bundle whose rootfs is
// a symlink, never make it write or remove anything outside its folders (a
// victim folder's every byte is compared before and after); and the two
// sockets admit exactly whom they should, checked as the unprivileged user
// nobody through setpriv with chosen supplementary groups (numeric gids, so
// no user or group is added to the host): not in the group, no connection;
// in --group, the whole API; in --ro-group, only what changes nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, uid, runcState, type DaemonHandle } from '../helpers/daemon.js';
import { methods, type MethodName } from '../../shared/api.js';
import { assertConsistent, rejectsWith, report } from './common.js';

const handles: DaemonHandle[] = [];
after(async () => {
  for (const h of handles) await h.cleanup().catch(() => {});
});

async function daemon(extraArgs: string[] = []): Promise<DaemonHandle> {
  const h = await startDaemon({ extraArgs });
  handles.push(h);
  return h;
}

/** Every file and symlink under DIR with its content's hash (or link target): what "untouched" means. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const p = path.join(dir, rel);
    const st = fs.lstatSync(p);
    out[rel] = st.isSymbolicLink()
      ? `link:${fs.readlinkSync(p)}`
      : st.isFile()
        ? `${st.mode.toString(8)}:${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`
        : `dir:${st.mode.toString(8)}`;
  }
  return out;
}

function makeVictim(dir: string): string {
  const v = path.join(dir, 'victim');
  fs.mkdirSync(path.join(v, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(v, 'precious'), 'do not touch\n');
  fs.writeFileSync(path.join(v, 'empty'), '');
  fs.writeFileSync(path.join(v, 'sub', 'deep'), 'deep\n');
  return v;
}

const EVIL_IDS = ['..', '.', '../victim', '../../etc', 'a/../../b', '/etc/passwd', 'x/y', '', ' ', '.hidden', '-flag', 'a'.repeat(65), 'nul\u0000x', 'tab\tx', '..\\..', 'ünicode', '%2e%2e', '\u202eevil', 'a\nb'];

test('ids and process ids that try path traversal are invalid_params on every method', async () => {
  const d = await daemon();
  const c = await d.client();
  const victim = makeVictim(d.dir);
  const before = fingerprint(victim);
  const bundle = await d.bundle(['/bin/sleep', '1000']);
  const real = uid('real');
  await c.request('container.create', { id: real, bundle, start: true });
  const treeBefore = { root: fs.readdirSync(path.join(d.root, 'containers')), state: fs.readdirSync(path.join(d.state, 'containers')) };

  let tried = 0;
  const base: Partial<Record<MethodName, Record<string, unknown>>> = {
    'container.create': { bundle },
    'container.update': { resources: { pidsLimit: 10 } },
    'process.exec': { args: ['/bin/true'] },
  };
  for (const [name, spec] of Object.entries(methods) as Array<[MethodName, (typeof methods)[MethodName]]>) {
    const shape = (spec.params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
    for (const field of ['id', 'processId'] as const) {
      if (!(field in shape)) continue;
      for (const evil of EVIL_IDS) {
        const params = { id: real, ...(('processId' in shape) ? { processId: 'init' } : {}), ...base[name], [field]: evil };
        const e = await rejectsWith(c.rawRequest(name, params), 'invalid_params');
        assert.ok(e.data.issues?.some((i) => i.path === field), `${name} ${field}=${JSON.stringify(evil)}: ${e.message}`);
        tried++;
      }
    }
  }
  assert.ok(tried > 200, `only ${tried} calls tried`);
  assert.deepEqual(fingerprint(victim), before);
  assert.deepEqual({ root: fs.readdirSync(path.join(d.root, 'containers')), state: fs.readdirSync(path.join(d.state, 'containers')) }, treeBefore);
  assert.equal((await c.request('container.get', { id: real })).state, 'running');
  await c.request('container.delete', { id: real, force: true });
  report('security.ids', { evilIds: EVIL_IDS.length, callsTried: tried });
});

test('symlinks planted in the state folders: nothing outside is written or removed on restore and delete', async () => {
  const d = await daemon();
  let c = await d.client();
  const victim = makeVictim(d.dir);
  const before = fingerprint(victim);
  const id = uid('target');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });
  await c.request('process.exec', { id, processId: 'e1', args: ['/bin/true'] });
  await c.request('process.wait', { id, processId: 'e1', timeoutMs: 10_000 });
  await d.kill9();

  const planted: string[] = [];
  const plant = (where: string, to: string) => {
    fs.rmSync(where, { recursive: true, force: true });
    fs.symlinkSync(to, where);
    planted.push(path.relative(d.dir, where));
  };
  const rootC = path.join(d.root, 'containers');
  const stateC = path.join(d.state, 'containers');
  // the event history, appended to on every event
  plant(path.join(d.root, 'events.log'), path.join(victim, 'empty'));
  // a container entry, an interrupted delete and a temp file: recovery's sweeps
  plant(path.join(rootC, 'evil'), victim);
  plant(path.join(rootC, '.deleting-evil-0000'), victim);
  plant(path.join(stateC, '.deleting-evil-0000'), victim);
  plant(path.join(rootC, id, '.state.json.0000.tmp'), path.join(victim, 'precious'));
  plant(path.join(rootC, id, 'init', '.process.json.0000.tmp'), path.join(victim, 'precious'));
  // inside the container's folders, removed on delete
  plant(path.join(rootC, id, 'e1'), victim);
  plant(path.join(rootC, id, 'init', 'planted'), victim);
  plant(path.join(stateC, id, 'init', 'planted'), path.join(victim, 'sub'));

  await d.restart();
  c = await d.client();
  assert.equal((await c.request('container.get', { id })).state, 'running', 'the real container is restored');
  assert.equal(runcState(d.state, id)?.status, 'running');
  // events happen: they must land in corral's history, not in the file a link points to
  const other = uid('other');
  await c.request('container.create', { id: other, bundle: await d.bundle(['/bin/true']), start: true });
  await c.request('container.wait', { id: other, timeoutMs: 10_000 });
  await c.request('container.delete', { id: other });
  await c.request('container.delete', { id, force: true });
  await assertConsistent(d, c, 'after the planted links');
  assert.deepEqual(fingerprint(victim), before, 'the folder the links pointed to is untouched');
  assert.match(d.stderr(), /event history was a symlink/, 'the replaced link is logged');

  // and once more through a restart that finds the history link already replaced
  await d.kill9();
  await d.restart();
  assert.deepEqual(fingerprint(victim), before);
  report('security.symlinks', { planted: planted.length });
});

test('a bundle whose rootfs is a symlink: refused (or run), and neither the bundle nor the target changes', async () => {
  const d = await daemon();
  const c = await d.client();
  const real = await d.bundle(['/bin/sh', '-c', 'echo inside; ls /'], 'real');
  const linked = path.join(d.dir, 'bundles', 'linked');
  fs.mkdirSync(linked);
  fs.copyFileSync(path.join(real, 'config.json'), path.join(linked, 'config.json'));
  fs.symlinkSync(path.join(real, 'rootfs'), path.join(linked, 'rootfs'));
  const beforeTarget = fingerprint(path.join(real, 'rootfs'));
  const beforeBundle = fingerprint(linked);
  const beforeReal = fingerprint(real);

  const id = uid('linkfs');
  const created = await c.request('container.create', { id, bundle: linked }).then(
    () => 'created',
    (e: Error) => e,
  );
  if (created === 'created') {
    await c.request('container.start', { id });
    assert.equal((await c.request('container.wait', { id, timeoutMs: 10_000 })).exitStatus, 0);
    assert.deepEqual((await c.request('process.logs', { id })).lines[0]?.text, 'inside');
    await c.request('container.delete', { id });
  }
  assert.deepEqual(fingerprint(path.join(real, 'rootfs')), beforeTarget, 'the rootfs the link points to is untouched');
  assert.deepEqual(fingerprint(linked), beforeBundle, 'nothing is written into the bundle');
  assert.deepEqual(fingerprint(real), beforeReal);
  assert.equal(runcState(d.state, id), undefined);
  report('security.rootfsLink', { outcome: created === 'created' ? 'ran and deleted cleanly' : String(created) });
});

/** Two gids no one on this host uses: the socket groups under test. */
function freeGids(n: number): number[] {
  const out: number[] = [];
  for (let g = 47_000; out.length < n; g++) if (spawnSync('getent', ['group', String(g)]).status !== 0) out.push(g);
  return out;
}

/**
 * Sends LINES to SOCKET as the user nobody with exactly GROUPS as its
 * supplementary groups, and returns the parsed replies, or the connect error.
 */
function asNobody(socket: string, groups: number[], lines: object[]): { replies: Array<Record<string, any>>; error?: string } {
  const r = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', ...(groups.length ? [`--groups=${groups.join(',')}`] : ['--clear-groups']), 'socat', '-t', '10', '-', `UNIX-CONNECT:${socket}`],
    { input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status !== 0) return { replies: [], error: r.stderr.trim() };
  return { replies: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

const rpc = (id: number, method: string, params: object = {}) => ({ jsonrpc: '2.0', id, method, params });

test('sockets: nobody outside the groups cannot connect; --group gets the API; --ro-group only what changes nothing', async () => {
  const [gid, roGid] = freeGids(2);
  const d = await daemon(['--group', String(gid), '--ro-group', String(roGid)]);
  // the test's own folder is 0700 (mkdtemp): open the way to the sockets, as /run is
  fs.chmodSync(d.dir, 0o711);
  for (const [sock, g] of [[d.socket, gid], [d.roSocket, roGid]] as const) {
    const st = fs.statSync(sock);
    assert.equal(st.mode & 0o777, 0o660, `${sock} mode`);
    assert.equal(st.gid, g, `${sock} group`);
    assert.equal(st.uid, 0);
  }
  const c = await d.client();
  const id = uid('watched');
  await c.request('container.create', { id, bundle: await d.bundle(['/bin/sleep', '1000']), start: true });

  // in no group: neither socket
  for (const sock of [d.socket, d.roSocket]) {
    const r = asNobody(sock, [], [rpc(1, 'daemon.version')]);
    assert.match(r.error ?? 'connected', /Permission denied/, `nobody reached ${sock}`);
  }
  // in the read-only group only: not the main socket
  assert.match(asNobody(d.socket, [roGid], [rpc(1, 'daemon.version')]).error ?? 'connected', /Permission denied/);

  // in --group: the whole API, as root-equivalent as documented
  const main = asNobody(d.socket, [gid], [rpc(1, 'daemon.version'), rpc(2, 'container.pause', { id }), rpc(3, 'container.resume', { id })]);
  assert.equal(main.error, undefined, main.error);
  assert.deepEqual(main.replies.map((r) => r.error?.message ?? 'ok'), ['ok', 'ok', 'ok']);

  // in --ro-group: reads are served
  const readOnly = Object.entries(methods).filter(([, s]) => s.readOnly).map(([n]) => n);
  const mutating = Object.entries(methods).filter(([, s]) => !s.readOnly).map(([n]) => n);
  const reads = asNobody(d.roSocket, [roGid], [
    rpc(1, 'daemon.version'),
    rpc(2, 'daemon.info'),
    rpc(3, 'container.list'),
    rpc(4, 'container.get', { id }),
    rpc(5, 'process.list', { id }),
    rpc(6, 'container.stats', { id }),
    rpc(7, 'events.subscribe', {}),
    rpc(8, 'container.wait', { id, timeoutMs: 10 }),
  ]);
  assert.equal(reads.error, undefined, reads.error);
  const byId = new Map(reads.replies.filter((r) => r.id !== undefined).map((r) => [r.id, r]));
  for (const n of [1, 2, 3, 4, 5, 6, 7]) assert.ok(byId.get(n)?.result, `read ${n} refused: ${JSON.stringify(byId.get(n)?.error)}`);
  assert.equal(byId.get(8)?.error?.data?.reason, 'timeout', 'wait is served (and times out)');
  assert.equal(byId.get(4)?.result.state, 'running');

  // and every method that changes anything is refused, with a message that says why and where to go
  const writes = asNobody(d.roSocket, [roGid], mutating.map((m, i) => rpc(i + 1, m, { id, processId: 'p', bundle: '/nonexistent', args: ['/bin/true'], subscription: 's1', resources: { pidsLimit: 5 } })));
  assert.equal(writes.error, undefined, writes.error);
  assert.equal(writes.replies.length, mutating.length);
  for (const r of writes.replies) {
    const m = mutating[r.id - 1];
    assert.ok(r.error, `${m} was served on the read-only socket`);
    assert.equal(r.error.data?.readOnly, true, `${m}: ${r.error.message}`);
    assert.match(r.error.message, /read-only socket/, m);
  }
  // nothing changed: still running, never paused, never killed
  const after = await c.request('container.get', { id });
  assert.equal(after.state, 'running');
  assert.equal(runcState(d.state, id)?.status, 'running');
  await c.request('container.delete', { id, force: true });
  report('security.sockets', { readOnlyMethods: readOnly.length, mutatingRefused: mutating.length, users: ['nobody, no group', 'nobody + --ro-group', 'nobody + --group'] });
});
