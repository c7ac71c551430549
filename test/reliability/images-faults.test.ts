// corrald SIGKILLed at random instants of image.pull, image.import, a
// container.create from an image and image.remove (seeded: replay a failing
// run with CORRAL_FAULT_SEED), against a real registry, skopeo, umoci and
// overlayfs. After each restart: every listed image is whole (its tree and
// every blob on disk), no job folder, orphan tool, unclaimed tree, password
// file or stray mount is left, and the interrupted call either happened fully
// or succeeds on retry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startDaemon, uid, sleep, type DaemonHandle } from '../helpers/daemon.js';
import { buildTestImages, mountsUnder, scratch, startRegistry, type Registry, type TestImages } from '../helpers/images.js';
import type { Client } from '../../shared/client.js';
import { explained } from './common.js';
import { seeded } from '../../bench/random.js';

let dir: string;
let imgs: TestImages;
let reg: Registry;
let d: DaemonHandle;

before(async () => {
  dir = await scratch('image-faults');
  imgs = await buildTestImages(dir);
  reg = await startRegistry(path.join(dir, 'registry'));
  reg.push(`oci:${imgs.two}`, 'corral/two:1');
  d = await startDaemon();
});
after(async () => {
  await d?.cleanup();
  await reg?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});


type Op = 'pull' | 'import' | 'create' | 'remove';
const OPS: Op[] = ['pull', 'import', 'create', 'remove'];
/** Six rounds of each. */
const ROUNDS = 24;
const IMPORTED = 'localhost/corral/imported:1';

/** Processes whose command line names PATH: orphan skopeo or umoci of a killed corrald. */
function toolsUnder(p: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (/(skopeo|umoci)$/.test(argv[0] ?? '') && argv.some((a) => a.includes(p))) out.push(`${e}: ${argv.join(' ')}`);
    } catch {
      // gone
    }
  }
  return out;
}

async function assertWhole(c: Client, where: string): Promise<void> {
  const root = d.root;
  const images = (await c.request('image.list')).images;
  const containers = (await c.request('container.list')).containers;
  for (const img of images) {
    const hex = img.digest.slice(7);
    assert.ok(fs.existsSync(path.join(root, 'images/unpacked', hex, 'rootfs/bin/busybox')), `${where}: ${img.names} has no unpacked tree`);
    for (const blob of [img.digest, ...img.layers.map((l) => l.digest)]) {
      assert.ok(fs.existsSync(path.join(root, 'images/blobs/sha256', blob.slice(7))), `${where}: ${img.names} lacks blob ${blob}`);
    }
  }
  assert.deepEqual(fs.readdirSync(path.join(root, 'images/jobs')), [], `${where}: job folders left`);
  const claimed = new Set([...images.map((i) => i.digest.slice(7)), ...containers.flatMap((x) => (x.image ? [x.image.digest.slice(7)] : []))]);
  const stray = fs.readdirSync(path.join(root, 'images/unpacked')).filter((t) => !claimed.has(t));
  assert.deepEqual(stray, [], `${where}: unpacked trees no image or container claims`);
  const wanted = containers.filter((x) => x.image).map((x) => path.join(root, 'containers', x.id, 'rootfs')).sort();
  assert.deepEqual(mountsUnder(path.join(root, 'containers')).sort(), wanted, `${where}: mounts`);
  assert.deepEqual(toolsUnder(root), [], `${where}: orphan image tools`);
  const secrets = path.join(d.state, 'images');
  assert.deepEqual(fs.existsSync(secrets) ? fs.readdirSync(secrets) : [], [], `${where}: auth files left`);
}

test(`SIGKILL of corrald at random points of image.pull, image.import, create from an image and image.remove (${ROUNDS} rounds)`, async () => {
  const seed = Number(process.env.CORRAL_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  await explained(() => d, () => rounds(seed)).catch((err) => {
    console.log(`# replay this run with CORRAL_FAULT_SEED=${seed}`);
    throw err;
  });
});

async function rounds(seed: number): Promise<void> {
  const rnd = seeded(seed);
  const pulled = `${reg.host}/corral/two:1`;
  let c = await d.client();
  /** Makes sure no image of the test is there, blobs included, so that a pull or import does all its work. */
  const absent = async () => {
    for (const img of (await c.request('image.list')).images) {
      for (const x of (await c.request('container.list')).containers) if (x.image?.digest === img.digest) await c.request('container.delete', { id: x.id, force: true });
      await c.request('image.remove', { ref: img.digest });
    }
    await c.request('image.prune');
  };
  const calls: Record<Op, { prepare: () => Promise<unknown>; call: (cl: Client, id: string) => Promise<unknown> }> = {
    pull: { prepare: absent, call: (cl) => cl.request('image.pull', { ref: pulled, insecure: true }) },
    import: { prepare: absent, call: (cl) => cl.request('image.import', { path: imgs.ociArchive, ref: IMPORTED }) },
    create: {
      prepare: () => c.request('image.pull', { ref: pulled, insecure: true }),
      call: (cl, id) => cl.request('container.create', { id, image: pulled, args: ['sleep 1000'], start: true }),
    },
    remove: {
      // its only name: the remove takes the whole image, tree and all
      prepare: async () => {
        await absent();
        await c.request('image.import', { path: imgs.ociArchive, ref: IMPORTED });
      },
      call: (cl) => cl.request('image.remove', { ref: IMPORTED }),
    },
  };
  // each call's own length, so that the kills fall inside calls
  const window: Record<Op, number> = { pull: 0, import: 0, create: 0, remove: 0 };
  for (const op of OPS) {
    await calls[op].prepare();
    const t = performance.now();
    const id = uid('probe');
    await calls[op].call(c, id);
    window[op] = performance.now() - t;
    if (op === 'create') await c.request('container.delete', { id, force: true });
  }

  const outcomes = { completedBeforeKill: 0, killedMidCall: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const op = OPS[round % OPS.length];
    const id = uid(`r${round}`);
    await calls[op].prepare();
    const delayMs = Math.round(rnd() * window[op] * 1.2);
    const where = `round ${round} (seed ${seed}): ${op}, SIGKILL after ${delayMs} ms`;
    const pending = calls[op].call(c, id).then(
      () => 'ok' as const,
      (e: unknown) => e,
    );
    await sleep(delayMs);
    await d.kill9();
    if ((await pending) === 'ok') outcomes.completedBeforeKill++;
    else outcomes.killedMidCall++;
    await d.restart();
    c = await d.client();
    await assertWhole(c, where);
    // the call happened fully, or a retry does it
    if (op === 'pull') assert.ok((await c.request('image.pull', { ref: pulled, insecure: true })).names.includes(pulled), where);
    if (op === 'import') assert.ok((await c.request('image.import', { path: imgs.ociArchive, ref: IMPORTED })).names.includes(IMPORTED), where);
    if (op === 'create') {
      const got = await c.request('container.get', { id }).catch(() => undefined);
      if (got?.state === 'created') await c.request('container.start', { id });
      else if (!got) await c.request('container.create', { id, image: pulled, args: ['sleep 1000'], start: true });
      assert.equal((await c.request('container.get', { id })).state, 'running', where);
      await c.request('process.exec', { id, processId: 'probe', args: ['cat', '/etc/two'] });
      assert.equal((await c.request('process.wait', { id, processId: 'probe' })).exitStatus, 0, `${where}: the rootfs works`);
      await c.request('container.delete', { id, force: true });
    }
    if (op === 'remove') {
      if ((await c.request('image.list')).images.some((i) => i.names.includes(IMPORTED))) await c.request('image.remove', { ref: IMPORTED });
      assert.ok(!(await c.request('image.list')).images.some((i) => i.names.includes(IMPORTED)), where);
    }
    await assertWhole(c, `${where}, after the retry`);
  }
  console.log(`# image kill rounds: ${JSON.stringify({ seed, window, ...outcomes })}`);
}
