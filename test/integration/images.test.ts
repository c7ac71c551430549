// Images end to end with the real tools: test images built from busybox with
// umoci, pushed with skopeo to Debian's docker-registry on 127.0.0.1, pulled
// and imported through corrald, and run as containers on overlay roots by
// real runc and conmon. The image config must hold in the container (Entrypoint,
// Cmd, Env, WorkingDir, and a whiteout of the second layer), twenty containers
// of one image must each see only their own writes over one unpacked tree,
// credentials must leave no trace, and every bad input gets its error code and
// leaves nothing on disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startDaemon, uid, until, type DaemonHandle } from '../helpers/daemon.js';
import { buildTestImages, mountsUnder, REGISTRY_PASSWORD, REGISTRY_USER, scratch, startRegistry, type Registry, type TestImages } from '../helpers/images.js';
import type { Client } from '../../shared/client.js';
import type { EventT, NotificationOf } from '../../shared/api.js';
import { rejectsWith, tree } from '../reliability/common.js';

let dir: string;
let imgs: TestImages;
let reg: Registry;
let authReg: Registry;
let d: DaemonHandle;
let c: Client;

before(async () => {
  dir = await scratch('images');
  imgs = await buildTestImages(dir);
  [reg, authReg] = await Promise.all([startRegistry(path.join(dir, 'registry')), startRegistry(path.join(dir, 'registry-auth'), true)]);
  reg.push(`oci:${imgs.base}`, 'corral/base:1');
  reg.push(`oci:${imgs.two}`, 'corral/two:1');
  reg.push(`oci:${imgs.noCommand}`, 'corral/nocmd:1');
  authReg.push(`oci:${imgs.two}`, 'private/two:1');
  d = await startDaemon();
  c = await d.client();
});
after(async () => {
  await d?.cleanup();
  await reg?.stop();
  await authReg?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const ref = (repoTag: string) => `${reg.host}/${repoTag}`;

async function logText(id: string, processId = 'init'): Promise<string> {
  const { lines } = await c.request('process.logs', { id, processId });
  return lines.map((l) => l.text).join('\n');
}

/** Runs a container from PARAMS to its exit; deleted afterwards unless KEEP. */
async function runToExit(params: Record<string, unknown>, keep = false): Promise<{ id: string; status: number; out: string }> {
  const id = uid('img');
  await c.request('container.create', { id, start: true, ...params } as never);
  const { exitStatus } = await c.request('container.wait', { id, timeoutMs: 30_000 });
  const out = await logText(id);
  if (!keep) await c.request('container.delete', { id });
  return { id, status: exitStatus, out };
}

/** What a crash or a failure could leave: job folders, trees, container folders. */
function leftovers(): { jobs: string[]; trees: string[]; containers: string[] } {
  const ls = (p: string) => (fs.existsSync(p) ? fs.readdirSync(p) : []);
  return { jobs: ls(path.join(d.root, 'images/jobs')), trees: ls(path.join(d.root, 'images/unpacked')), containers: ls(path.join(d.root, 'containers')) };
}

test('pull from a registry: progress first, then the image with its config; two pulls of one ref download once; an image.pull event', async () => {
  const events: EventT[] = [];
  const sub = await d.client();
  sub.onNotification('event', (p) => events.push(p.event));
  await sub.request('events.subscribe', { types: ['image.pull'] });
  const progress: NotificationOf<'image.progress'>[] = [];
  c.onNotification('image.progress', (p) => progress.push(p));
  const name = ref('corral/two:1');
  const [a, b] = await Promise.all([c.request('image.pull', { ref: name, insecure: true }), c.request('image.pull', { ref: name, insecure: true })]);
  assert.equal(a.digest, b.digest);
  assert.deepEqual(a.names, [name]);
  assert.equal(a.layers.length, 2);
  assert.deepEqual(a.config.entrypoint, ['/bin/sh', '-c']);
  assert.ok(a.config.env?.includes('GREETING=hi-from-env'));
  assert.equal(a.config.workdir, '/srv');
  assert.equal(a.config.labels?.['org.corral.test'], 'two');
  assert.ok(a.size > 1_000_000, `size ${a.size}`);
  assert.ok(progress.some((p) => p.phase === 'resolving'), 'a resolving step');
  assert.ok(progress.some((p) => p.phase === 'unpacking' && p.layersDone === 2 && p.layersTotal === 2 && p.bytesDone === p.bytesTotal && p.bytesTotal > 0), JSON.stringify(progress));
  assert.equal(d.stderr().split('\n').filter((l) => l.includes('"image pulled"') && l.includes(name)).length, 1, 'one download for two pulls');
  await until(() => events.some((e) => e.type === 'image.pull' && e.image.digest === a.digest), 'the image.pull event');
  // by name, short digest and full digest
  assert.equal((await c.request('image.get', { ref: name })).digest, a.digest);
  assert.equal((await c.request('image.get', { ref: a.digest.slice(7, 19) })).digest, a.digest);
  assert.equal((await c.request('image.get', { ref: a.digest })).digest, a.digest);
  assert.ok((await c.request('image.list')).images.some((i) => i.digest === a.digest));
  sub.close();
});

test("a container from an image runs its Entrypoint + Cmd with its Env and WorkingDir, and the second layer's whiteout holds", async () => {
  const name = ref('corral/two:1');
  const img = await c.request('image.pull', { ref: name, insecure: true });
  const r = await runToExit({ image: name }, true);
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(r.out.split('\n'), ['/srv', 'greeting=hi-from-env', "cat: can't open '/etc/old': No such file or directory", 'from the second layer']);
  const got = await c.request('container.get', { id: r.id });
  assert.deepEqual(got.image, { ref: name, digest: img.digest });
  assert.equal(got.bundle, path.join(d.root, 'containers', r.id));
  // args replace Cmd and keep the Entrypoint; the request's env, cwd and user win
  const o = await runToExit({ image: name, args: ['echo $GREETING $(pwd) $(id -u):$(id -g)'], env: ['GREETING=overridden'], cwd: '/tmp', user: { uid: 33, gid: 33 } });
  assert.equal(o.out, 'overridden /tmp 33:33');
  const base = ref('corral/base:1');
  await c.request('image.pull', { ref: base, insecure: true });
  assert.equal((await runToExit({ image: base })).out, 'hello-from-image');
  // deleting a container takes its mount and folder
  assert.deepEqual(mountsUnder(path.join(d.root, 'containers', r.id)), [path.join(d.root, 'containers', r.id, 'rootfs')]);
  await c.request('container.delete', { id: r.id });
  assert.deepEqual(mountsUnder(path.join(d.root, 'containers', r.id)), []);
  assert.ok(!fs.existsSync(path.join(d.root, 'containers', r.id)));
});

test('20 containers from one image each see only their own writes, over one unpacked tree', async () => {
  const name = ref('corral/base:1');
  const img = await c.request('image.pull', { ref: name, insecure: true });
  const ids = Array.from({ length: 20 }, (_, i) => `many-${i}-${uid('x').slice(2)}`);
  await Promise.all(ids.map((id) => c.request('container.create', { id, image: name, args: ['sleep', '1000'], start: true })));
  await Promise.all(ids.map((id, i) => c.request('process.exec', { id, processId: 'w', args: ['touch', `/mine-${i}`] }).then(() => c.request('process.wait', { id, processId: 'w' }))));
  const seen = await Promise.all(
    ids.map(async (id) => {
      await c.request('process.exec', { id, processId: 'ls', args: ['ls', '/'] });
      await c.request('process.wait', { id, processId: 'ls' });
      return (await logText(id, 'ls')).split('\n').filter((n) => n.startsWith('mine-'));
    }),
  );
  seen.forEach((mine, i) => assert.deepEqual(mine, [`mine-${i}`], `container ${i} sees ${mine}`));
  const trees = fs.readdirSync(path.join(d.root, 'images/unpacked'));
  assert.equal(trees.filter((t) => t === img.digest.slice(7)).length, 1);
  assert.ok(!fs.readdirSync(path.join(d.root, 'images/unpacked', img.digest.slice(7), 'rootfs')).some((n) => n.startsWith('mine-')), 'the image tree is never written');
  // each container's own disk: its upper holds its write and nothing of the image
  const upper = fs.readdirSync(path.join(d.root, 'containers', ids[3], 'overlay/upper'));
  assert.deepEqual(upper.filter((n) => n.startsWith('mine-')), ['mine-3']);
  assert.ok(!upper.includes('bin'));
  await Promise.all(ids.map((id) => c.request('container.delete', { id, force: true })));
  assert.deepEqual(ids.flatMap((id) => mountsUnder(path.join(d.root, 'containers', id))), []);
});

test('import an oci-archive and a docker-archive, told apart without format; the archive names the image when no ref is given', async () => {
  const oci = await c.request('image.import', { path: imgs.ociArchive, ref: 'corral/two:oci' });
  // the same image as corral/two:1 of the registry (skopeo keeps OCI manifests as they are): one image, two names
  assert.ok(oci.names.includes('docker.io/corral/two:oci'), `${oci.names}`);
  const docker = await c.request('image.import', { path: imgs.dockerArchive });
  assert.deepEqual(docker.names, ['docker.io/corral/two:archive']);
  const explicit = await c.request('image.import', { path: imgs.dockerArchive, format: 'docker-archive', ref: 'localhost/two:again' });
  assert.equal(explicit.digest, docker.digest);
  // a docker-archive's layers are stored uncompressed: another digest than the OCI one
  assert.deepEqual((await c.request('image.get', { ref: docker.digest })).names, ['docker.io/corral/two:archive', 'localhost/two:again']);
  for (const image of ['corral/two:oci', 'corral/two:archive']) {
    const r = await runToExit({ image });
    assert.match(r.out, /^\/srv\ngreeting=hi-from-env\n/, `${image}: ${r.out}`);
  }
});

test('every bad input: its own error code, the hint, and nothing left behind', async () => {
  const before = leftovers();
  const imagesBefore = (await c.request('image.list')).images.length;
  await rejectsWith(c.request('image.pull', { ref: 'Not/A Ref' }), 'invalid_params');
  await rejectsWith(c.request('image.pull', { ref: 'busybox@sha256:abc' }), 'invalid_params');
  await rejectsWith(c.request('image.pull', { ref: ref('corral/nope:1'), insecure: true }), 'not_found');
  await rejectsWith(c.request('image.pull', { ref: ref('corral/two:nope'), insecure: true }), 'not_found');
  await rejectsWith(c.request('image.pull', { ref: '127.0.0.1:1/corral/two:1', insecure: true }), 'unavailable');
  const tls = await rejectsWith(c.request('image.pull', { ref: ref('corral/two:1') }), 'unavailable');
  assert.match(tls.message, /insecure: true/);
  await rejectsWith(c.request('image.pull', { ref: ref('corral/two:1'), username: 'x' } as never), 'invalid_params');
  const missing = await rejectsWith(c.request('image.import', { path: '/nonexistent/x.tar' }), 'invalid_params');
  assert.match(missing.message, /\/nonexistent\/x\.tar/);
  await rejectsWith(c.request('image.import', { path: 'relative.tar' }), 'invalid_params');
  const truncated = path.join(dir, 'truncated.tar');
  await fsp.writeFile(truncated, (await fsp.readFile(imgs.ociArchive)).subarray(0, 4000));
  const t = await rejectsWith(c.request('image.import', { path: truncated, format: 'oci-archive' }), 'invalid_params');
  assert.match(t.message, /truncated\.tar/);
  const text = path.join(dir, 'not-an-archive.txt');
  await fsp.writeFile(text, 'hello\n');
  await rejectsWith(c.request('image.import', { path: text }), 'invalid_params');
  await rejectsWith(c.request('container.create', { id: uid('x'), image: 'corral/unknown:1' }), 'not_found');
  await rejectsWith(c.request('container.create', { id: uid('x') } as never), 'invalid_params');
  await rejectsWith(c.request('container.create', { id: uid('x'), image: 'a', bundle: '/b' }), 'invalid_params');
  await rejectsWith(c.request('image.get', { ref: 'corral/unknown:1' }), 'not_found');
  await rejectsWith(c.request('image.remove', { ref: 'corral/unknown:1' }), 'not_found');
  // an image with no command, and no args given
  await c.request('image.pull', { ref: ref('corral/nocmd:1'), insecure: true });
  const nocmd = await rejectsWith(c.request('container.create', { id: uid('x'), image: ref('corral/nocmd:1') }), 'invalid_params');
  assert.match(nocmd.message, /no command.*give args/);
  await c.request('image.remove', { ref: ref('corral/nocmd:1') });
  assert.equal((await c.request('image.list')).images.length, imagesBefore);
  assert.deepEqual(leftovers(), before);
});

test('remove: refused while a container uses the image; force deletes stopped ones, never running ones; untag keeps the other name; prune frees the blobs', async () => {
  const name = ref('corral/base:1');
  const img = await c.request('image.pull', { ref: name, insecure: true });
  const other = await c.request('image.import', { path: imgs.ociArchive, ref: 'localhost/base-alias:1' });
  assert.notEqual(other.digest, img.digest);
  const running = uid('user');
  const stopped = uid('user');
  await c.request('container.create', { id: running, image: name, args: ['sleep', '1000'], start: true });
  await c.request('container.create', { id: stopped, image: name, args: ['true'], start: true });
  await c.request('container.wait', { id: stopped });
  const refused = await rejectsWith(c.request('image.remove', { ref: name }), 'invalid_state');
  assert.match(refused.message, new RegExp(`${running} \\(running\\).*${stopped} \\(stopped\\)|${stopped} \\(stopped\\).*${running} \\(running\\)`));
  await rejectsWith(c.request('image.remove', { ref: name, force: true }), 'invalid_state');
  assert.ok(await c.request('container.get', { id: stopped }), 'a refused force deletes nothing');
  await c.request('container.delete', { id: running, force: true });
  const removed = await c.request('image.remove', { ref: name, force: true });
  assert.deepEqual(removed, { untagged: [name], deleted: [img.digest], containers: [stopped] });
  assert.ok(!fs.existsSync(path.join(d.root, 'images/unpacked', img.digest.slice(7))));
  await rejectsWith(c.request('image.get', { ref: name }), 'not_found');
  // two names: removing one untags, the image stays under the other
  await c.request('image.import', { path: imgs.ociArchive, ref: 'localhost/base-alias:2' });
  const untag = await c.request('image.remove', { ref: 'localhost/base-alias:1' });
  assert.deepEqual(untag.deleted, []);
  const names = (await c.request('image.get', { ref: other.digest })).names;
  assert.ok(names.includes('localhost/base-alias:2') && !names.includes('localhost/base-alias:1'), `${names}`);
  // the removed image's layer blob is only in the store until a prune
  const layer = img.layers.find((l) => !other.layers.some((o) => o.digest === l.digest));
  const blobs = path.join(d.root, 'images/blobs/sha256');
  if (layer) assert.ok(fs.existsSync(path.join(blobs, layer.digest.slice(7))));
  const pruned = await c.request('image.prune');
  assert.ok(pruned.blobs >= 1 && pruned.bytesFreed > 0, JSON.stringify(pruned));
  if (layer) assert.ok(!fs.existsSync(path.join(blobs, layer.digest.slice(7))));
  // every image still listed is whole after the prune
  for (const i of (await c.request('image.list')).images) {
    for (const l of i.layers) assert.ok(fs.existsSync(path.join(blobs, l.digest.slice(7))), `${i.names} lost ${l.digest}`);
  }
});

test('credentials: refused without or with a wrong password, accepted with the right one, and found nowhere afterwards', async () => {
  const name = `${authReg.host}/private/two:1`;
  await rejectsWith(c.request('image.pull', { ref: name, insecure: true }), 'runtime_error');
  await rejectsWith(c.request('image.pull', { ref: name, insecure: true, username: REGISTRY_USER, password: 'wrong-password' }), 'runtime_error');
  const img = await c.request('image.pull', { ref: name, insecure: true, username: REGISTRY_USER, password: REGISTRY_PASSWORD });
  assert.ok(img.names.includes(name), `${img.names}`);
  assert.ok(!d.stderr().includes(REGISTRY_PASSWORD), "the password is in corrald's log");
  for (const top of [d.root, d.state]) {
    for (const f of tree(top)) {
      const st = fs.lstatSync(f, { throwIfNoEntry: false });
      if (!st?.isFile() || st.size > 4 * 1024 * 1024) continue;
      assert.ok(!fs.readFileSync(f).includes(REGISTRY_PASSWORD), `the password is in ${f}`);
      assert.ok(!fs.readFileSync(f).includes(Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')), `the encoded password is in ${f}`);
    }
  }
});

test('restart: images, their trees and the mounts of live containers are found as they were; nothing unclaimed survives', async () => {
  const name = ref('corral/base:1');
  await c.request('image.pull', { ref: name, insecure: true });
  const id = uid('live');
  await c.request('container.create', { id, image: name, args: ['sleep', '1000'], start: true });
  // what a crash could leave: an unpacked tree no image claims and a job folder
  const stray = path.join(d.root, 'images/unpacked', 'f'.repeat(64));
  await fsp.mkdir(path.join(stray, 'rootfs'), { recursive: true });
  await fsp.mkdir(path.join(d.root, 'images/jobs/pull-deadbeef'), { recursive: true });
  const images = (await c.request('image.list')).images.map((i) => i.digest).sort();
  await d.kill9();
  await d.restart();
  c = await d.client();
  assert.deepEqual((await c.request('image.list')).images.map((i) => i.digest).sort(), images);
  assert.equal((await c.request('container.get', { id })).state, 'running');
  assert.deepEqual(mountsUnder(path.join(d.root, 'containers', id)), [path.join(d.root, 'containers', id, 'rootfs')]);
  assert.ok(!fs.existsSync(stray));
  assert.deepEqual(fs.readdirSync(path.join(d.root, 'images/jobs')), []);
  await c.request('process.exec', { id, processId: 'after', args: ['cat', '/etc/passwd'] });
  await c.request('process.wait', { id, processId: 'after' });
  assert.match(await logText(id, 'after'), /^root:/);
  await c.request('container.delete', { id, force: true });
});

test('a disk that fills mid-pull: unavailable, no half image listed, nothing left; a retry after freeing space works', async () => {
  const top = await scratch('image-full');
  const root = path.join(top, 'root');
  await fsp.mkdir(root);
  // the blobs fit (about 1 MiB), the unpacked busybox (2 MiB) does not
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2500k,mode=0711', 'tmpfs', root], { encoding: 'utf8' });
  assert.equal(m.status, 0, `cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): ${m.stderr}`);
  const small = await startDaemon({ dir: top });
  try {
    const sc = await small.client();
    const name = ref('corral/base:1');
    const full = await rejectsWith(sc.request('image.pull', { ref: name, insecure: true }), 'unavailable');
    assert.match(full.message, /full.*free space/);
    assert.deepEqual((await sc.request('image.list')).images, []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'images/jobs')), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'images/unpacked')), []);
    assert.equal(spawnSync('mount', ['-o', 'remount,size=64m', root]).status, 0);
    const img = await sc.request('image.pull', { ref: name, insecure: true });
    assert.deepEqual(img.names, [name]);
  } finally {
    await small.cleanup();
    spawnSync('umount', ['-l', root]);
    await fsp.rm(top, { recursive: true, force: true });
  }
});

test('an image store that cannot be opened: corrald still serves containers, and image methods say why', async () => {
  const top = await scratch('image-broken');
  await fsp.mkdir(path.join(top, 'root'), { recursive: true });
  // a file where the store's folder belongs: what a bad disk or a hand edit could leave
  await fsp.writeFile(path.join(top, 'root', 'images'), 'not a folder\n');
  const broken = await startDaemon({ dir: top });
  try {
    const bc = await broken.client();
    const e = await rejectsWith(bc.request('image.list'), 'unavailable');
    assert.match(e.message, /image store .* could not be opened.*restart corrald/);
    await rejectsWith(bc.request('image.pull', { ref: ref('corral/base:1'), insecure: true }), 'unavailable');
    await rejectsWith(bc.request('container.create', { id: uid('x'), image: 'busybox' }), 'unavailable');
    const bundle = await broken.bundle(['/bin/true']);
    const id = uid('still');
    await bc.request('container.create', { id, bundle, start: true });
    assert.equal((await bc.request('container.wait', { id })).exitStatus, 0);
  } finally {
    await broken.cleanup();
  }
});
