// The Images view's pure parts: the images reducer (a list replaces, a pull
// or import upserts and takes its names from other images, a remove takes
// names away and the image with its last one, every event idempotent so one
// the list already holds changes nothing), the rows (short names, image id,
// use counts from the containers, untagged last), the panel's cursor that
// follows its image by digest, and the Images contexts of the keymap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event, type EventT, type ImageT } from '../../shared/api.js';
import { imageRows } from '../../tui/image-listing.js';
import { imageSelection, imagesPanelReducer, initialImagesPanel } from '../../tui/images-panel.js';
import { hints, lookup } from '../../tui/keymap.js';
import { imagesReducer as reduce, initialImages, type ImagesState } from '../../tui/store/images.js';
import { contextOf, initialUi, uiReducer } from '../../tui/ui-state.js';
import { container, image } from './fake-daemon.js';

const T = '2026-11-28T13:00:00.000Z';
function ev(seq: number, type: 'image.pull' | 'image.import' | 'image.remove', img: ImageT): Extract<EventT, { image: ImageT }> {
  const event = { seq, time: T, type, image: img };
  Event.parse(event);
  return event;
}

const bb = image('busybox');
const deb = image('debian:12');
const listed = (...imgs: ImageT[]): ImagesState => reduce(initialImages, { type: 'list', images: imgs });

test('a list replaces what was held; a pull event adds its image and moves its names off another', () => {
  let s = listed(bb);
  assert.ok(s.synced);
  assert.deepEqual(Object.keys(s.byDigest), [bb.digest]);
  const newer = image('busybox', { digest: `sha256:${'e'.repeat(64)}` });
  s = reduce(s, { type: 'event', event: ev(3, 'image.pull', newer) });
  assert.deepEqual(s.byDigest[bb.digest].names, [], 'the old image keeps its record, untagged');
  assert.deepEqual(s.byDigest[newer.digest].names, ['docker.io/library/busybox:latest']);
  assert.equal(reduce(s, { type: 'event', event: ev(3, 'image.pull', newer) }).byDigest[newer.digest], newer, 'a replay changes nothing');
  s = reduce(s, { type: 'list', images: [deb] });
  assert.deepEqual(Object.keys(s.byDigest), [deb.digest], 'an image gone while away disappears');
});

test('a remove takes the names it carries, and the image with its last one; an unknown one is ignored', () => {
  const two = { ...bb, names: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1'] };
  let s = listed(two, deb);
  s = reduce(s, { type: 'event', event: ev(4, 'image.remove', { ...two, names: ['docker.io/library/busybox:1'] }) });
  assert.deepEqual(s.byDigest[bb.digest].names, ['docker.io/library/busybox:latest']);
  s = reduce(s, { type: 'event', event: ev(5, 'image.remove', { ...two, names: ['docker.io/library/busybox:latest'] }) });
  assert.equal(s.byDigest[bb.digest], undefined);
  assert.equal(reduce(s, { type: 'event', event: ev(5, 'image.remove', bb) }), s, 'a replayed remove changes nothing');
  s = reduce(s, { type: 'deleted', digests: [deb.digest] });
  assert.deepEqual(s.byDigest, {});
});

test('rows: short names and how many more, the image id, use counts from the containers, untagged last', () => {
  const named = { ...deb, names: ['docker.io/library/debian:12', '127.0.0.1:5000/team/debian:12'] };
  const untagged = { ...image('corral/old:1'), names: [] };
  const byId = {
    a: container('a', { image: { ref: 'debian:12', digest: deb.digest } }),
    b: container('b', { image: { ref: deb.digest, digest: deb.digest } }),
    c: container('c'),
  };
  const rows = imageRows({ [untagged.digest]: untagged, [bb.digest]: bb, [deb.digest]: named }, byId);
  assert.deepEqual(
    rows.map((r) => [r.name, r.more, r.id, r.users]),
    [
      ['127.0.0.1:5000/team/debian:12', 1, deb.digest.slice(7, 19), ['a', 'b']],
      ['busybox:latest', 0, bb.digest.slice(7, 19), []],
      ['<none>', 0, untagged.digest.slice(7, 19), []],
    ],
  );
});

test('the cursor follows its image by digest, stays on its row when the image goes, and the detail closes on Esc', () => {
  const rows = imageRows({ [bb.digest]: bb, [deb.digest]: deb }, {});
  let p = imagesPanelReducer(initialImagesPanel, { type: 'select', digest: deb.digest, row: 1 });
  assert.equal(imageSelection(p, rows).selected?.digest, deb.digest);
  assert.equal(imageSelection(p, [...rows].reverse()).index, 0, 'the same image on another row');
  assert.equal(imageSelection(p, rows.slice(0, 1)).selected?.digest, bb.digest, 'gone: the row it was on, or the last');
  p = imagesPanelReducer(p, { type: 'open' });
  let ui = uiReducer({ ...initialUi, view: 'images', images: p }, { type: 'keyDone' });
  assert.equal(contextOf(ui, undefined), 'image');
  ui = uiReducer(ui, { type: 'back', context: 'image' });
  assert.equal(contextOf(ui, undefined), 'images');
  assert.equal(contextOf(uiReducer(ui, { type: 'view', view: 'containers' }), undefined), 'list');
});

test('keymap: p, D and n mean pull, remove and run in the Images view, pause, delete and new elsewhere; 2 and 1 switch', () => {
  assert.equal(lookup('p', 'images')?.action, 'pull');
  assert.equal(lookup('p', 'list')?.action, 'pauseResume');
  assert.equal(lookup('D', 'image')?.action, 'removeImage');
  assert.equal(lookup('n', 'images')?.action, 'runImage');
  assert.equal(lookup('s', 'images'), undefined, 'container keys do nothing on an image');
  assert.equal(lookup('2', 'detail')?.action, 'showImages');
  assert.equal(lookup('1', 'image')?.action, 'showContainers');
  assert.deepEqual(hints('images', true).map((h) => h.label).filter((l) => ['pull', 'run', 'remove', 'prune'].includes(l)), [], 'read-only hides them');
});
