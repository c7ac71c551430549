// Component tests of the Images view through the fake corrald, at 80x24 and
// 120x40: the list (short name, image id, size, age, use count) kept current
// by image and container events, switching views with 2 and 1, the detail of
// an image's config, a pull with its progress bar from image.progress and
// its failure in the daemon's words, remove with its confirmation and the
// forced one naming the containers it deletes, prune saying what it freed,
// and a container run from the selected image, shown with its image in the
// Containers view. Assertions are on the screen text and on what was sent.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDaemon, container, image } from './fake-daemon.js';
import { KEYS, renderApp, until, type Rendered } from './render.js';

const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 120, rows: 40 },
];

const bb = image('busybox');
const two = image('127.0.0.1:5000/corral/two:1', { size: 7 * 1024 * 1024 });
const id12 = (digest: string) => digest.slice(7, 19);
/** A dialog's wrapped text as one line: borders and line ends out. */
const flat = (frame: string) => frame.replace(/(\s*│\s*)+/g, ' ');

for (const size of SIZES) {
  describe(`images at ${size.columns}x${size.rows}`, () => {
    let daemon: FakeDaemon;
    let ui: Rendered;
    const open = async (opts: { images?: typeof bb[]; containers?: ReturnType<typeof container>[]; readOnly?: boolean } = {}) => {
      daemon = await FakeDaemon.start(opts.containers ?? []);
      for (const img of opts.images ?? [bb, two]) daemon.images.set(img.digest, img);
      ui = renderApp({ socket: daemon.socketPath, readOnly: opts.readOnly, ...size });
      await ui.waitFor('● live');
      await ui.press('2');
      await ui.waitFor('Images');
      return ui;
    };
    afterEach(async () => {
      ui?.unmount();
      await daemon?.close();
    });

    test('2 shows the images with name, id, size, age and use count; events keep it current; 1 goes back', async () => {
      await open({ containers: [container('web', { image: { ref: 'busybox', digest: bb.digest } })] });
      await ui.waitFor(new RegExp(`busybox:latest\\s+${id12(bb.digest)}\\s+3\\.5M\\s+\\d+d\\s+1`));
      assert.match(ui.frame(), new RegExp(`127\\.0\\.0\\.1:5000/corral/two:1\\s+${id12(two.digest)}\\s+7\\.0M`));
      assert.match(ui.frame(), /Images 2 images \(11M\)/);
      assert.match(ui.frame(), /p pull/);
      assert.deepEqual(daemon.calls('image.list')[0].params, {});

      const late = image('debian:12');
      daemon.images.set(late.digest, late);
      daemon.emit({ type: 'image.pull', image: late });
      await ui.waitFor(/debian:12\s+/);
      const db = container('db', { image: { ref: 'debian:12', digest: late.digest } });
      daemon.containers.set('db', db);
      daemon.emit({ type: 'container.create', id: 'db', container: db });
      await ui.waitFor(new RegExp(`debian:12\\s+${id12(late.digest)}\\s+\\S+\\s+\\S+\\s+1`));
      daemon.emit({ type: 'image.remove', image: two });
      await ui.waitForGone('corral/two');
      assert.equal(daemon.calls('image.list').length, 1, 'the list is asked for once, then follows the events');

      await ui.press('1');
      await ui.waitFor(/web\s+● running/);
      if (size.columns >= 120) assert.match(ui.frame(), /web\s+● running.*busybox/, 'a wide list shows the image');
    });

    test("Enter opens the selected image's config and layers; Esc closes it", async () => {
      await open();
      await ui.press(KEYS.enter);
      await ui.waitFor(/entrypoint\s+\/bin\/sh -c/);
      const f = ui.frame();
      for (const line of [/cmd\s+'echo hello'/, /workdir\s+\/srv/, /env\s+PATH=\/bin/, /digest\s+sha256:/, /labels\s+org\.corral\.test=yes/]) assert.match(f, line);
      if (size.rows >= 40) assert.match(f, /layers\s+[0-9a-f]{12}\s+2\.0M/);
      await ui.press(KEYS.esc);
      await ui.waitForGone(/entrypoint/);
    });

    test('pull: the ref and insecure toggle, a progress bar from image.progress, then the image listed', async () => {
      await open({ images: [] });
      await ui.waitFor('no images yet');
      daemon.registry.set(two.names[0], two);
      const release = daemon.holdPull();
      await ui.press('p');
      await ui.waitFor('pull an image');
      await ui.type('127.0.0.1:5000/corral/two:1');
      await ui.press(KEYS.tab, ' ');
      await ui.waitFor('insecure: [x]');
      await ui.press(KEYS.enter);
      await ui.waitFor(/copying 1\/2 layers, 2\.0M of 3\.0M/);
      assert.match(ui.frame(), /█+░+\s+66%/);
      assert.deepEqual(daemon.calls('image.pull')[0].params, { ref: '127.0.0.1:5000/corral/two:1', insecure: true });
      await ui.press(KEYS.esc);
      await ui.waitFor(/pulling 127\.0\.0\.1:5000\/corral\/two:1: copying/, 5000);
      release();
      await ui.waitFor(new RegExp(`corral/two:1\\s+${id12(two.digest)}`));
      await ui.waitFor(`pulled 127.0.0.1:5000/corral/two:1 (${id12(two.digest)})`);
    });

    test("a pull that fails shows the daemon's message and hint whole", async () => {
      await open({ images: [] });
      await ui.press('p');
      await ui.type('nowhere.example:5000/x:1');
      await ui.press(KEYS.enter);
      await ui.waitFor('connection refused');
      // the error wraps inside the frame: its hint is on screen too
      assert.match(flat(ui.frame()), /is the registry up\? \(insecure: true for plain HTTP\)/);
      await ui.press(KEYS.esc);
      await ui.waitForGone('pull nowhere');
      await ui.press('p');
      await ui.type('Bad');
      await ui.press(KEYS.enter);
      await ui.waitFor('"Bad" must be lowercase');
      assert.equal(daemon.calls('image.pull').length, 1, 'a malformed ref is never sent');
    });

    test('remove: Enter cancels, y removes; in use by stopped containers, force is offered naming them', async () => {
      await open({ containers: [container('old', { state: 'stopped', image: { ref: 'busybox', digest: bb.digest } })] });
      await ui.waitFor(/▸ 127\.0\.0\.1/);
      await ui.press('D');
      await ui.waitFor('remove image 127.0.0.1:5000/corral/two:1?');
      await ui.press(KEYS.enter);
      await ui.waitFor('127.0.0.1:5000/corral/two:1 not removed');
      await ui.press('D', 'y');
      await ui.waitForGone(/^[▸ ] 127\.0\.0\.1/m);
      assert.deepEqual(daemon.calls('image.remove')[0].params, { ref: two.names[0] }, 'an image of one name is removed by it');

      await ui.press('D', 'y');
      await ui.waitFor('Container old will be deleted with it');
      await ui.press('y');
      await ui.waitFor('removed busybox:latest and container old');
      await ui.waitFor('no images yet');
      assert.deepEqual(daemon.calls('image.remove')[2].params, { ref: bb.names[0], force: true });
      assert.equal(daemon.containers.size, 0);
      await ui.press('1');
      await ui.waitFor('no containers yet');
    });

    test('remove of an image a running container uses: refused in the daemon\'s words, no force offered', async () => {
      await open({ images: [bb], containers: [container('web', { image: { ref: 'busybox', digest: bb.digest } })] });
      await ui.press('D', 'y');
      await ui.waitFor('busybox:latest not removed');
      assert.match(flat(ui.frame()), /image docker\.io\/library\/busybox:latest is used by containers web \(running\); stop and delete them first/);
      await ui.press('x');
      await ui.waitForGone('not removed');
      assert.doesNotMatch(ui.frame(), /will be deleted with it/);
      assert.equal(daemon.calls('image.remove').length, 1);
    });

    test('prune asks first and says what it freed', async () => {
      await open();
      await ui.press('P');
      await ui.waitFor('prune the image store?');
      await ui.press('n');
      await ui.waitFor('prune cancelled');
      await ui.press('P', 'y');
      await ui.waitFor('pruned 1 unpacked tree and 3 blobs: 5.0M freed');
      assert.equal(daemon.calls('image.prune').length, 1);
    });

    test('n runs a container from the selected image with args; the Containers view shows its image', async () => {
      await open({ images: [bb] });
      await ui.press('n');
      await ui.waitFor('create a container');
      assert.match(ui.frame(), /from:\s+docker\.io\/library\/busybox:latest/);
      await ui.type('made');
      await ui.press(KEYS.tab, KEYS.tab);
      await ui.type('sleep 100');
      await ui.press(KEYS.enter);
      await ui.waitFor(/busybox:latest\s+\S+\s+\S+\s+\S+\s+1/);
      assert.deepEqual(daemon.calls('container.create')[0].params, { id: 'made', image: 'docker.io/library/busybox:latest', args: ['sleep', '100'], start: true });
      await ui.press('1');
      await ui.waitFor(/made\s+● running/);
      await ui.press(KEYS.enter);
      await ui.waitFor(new RegExp(`image\\s+docker\\.io/library/busybox:latest \\(${id12(bb.digest)}\\)`));
      await ui.press(KEYS.tab);
      await ui.waitFor(/init\s+\d+ running\s+-\s+sleep 100/);
    });

    test('read-only: the Images view offers no changing keys and refuses them', async () => {
      await open({ readOnly: true });
      await until(() => /busybox/.test(ui.frame()), 'the images listed');
      assert.doesNotMatch(ui.frame(), /p pull|D remove|n run/);
      await ui.press('p');
      await ui.waitFor('read-only: pull is disabled');
    });
  });
}

test('at 60x15 the image detail and a failed pull fit the screen, title first', async () => {
  const daemon = await FakeDaemon.start([]);
  daemon.images.set(bb.digest, bb);
  const ui = renderApp({ socket: daemon.socketPath, columns: 60, rows: 15 });
  try {
    await ui.waitFor('● live');
    await ui.press('2', KEYS.enter);
    await ui.waitFor('image busybox:latest');
    assert.match(ui.frame(), /names\s+docker\.io\/library\/busybox:latest/);
    await ui.press(KEYS.esc, 'p');
    await ui.type('nowhere.example:5000/a/very/long/repository/name/that/wraps:1');
    await ui.press(KEYS.enter);
    await ui.waitFor('connection refused');
    assert.match(ui.frame(), /│ pull nowhere\.example/);
    assert.match(flat(ui.frame()), /is the registry up\?/);
  } finally {
    ui.unmount();
    await daemon.close();
  }
});
