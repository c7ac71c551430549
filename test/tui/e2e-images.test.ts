// End to end, the Images view: the built `corral` TUI in tmux against a real
// corrald, a test image built with umoci and served by Debian's
// docker-registry on 127.0.0.1. By keys only, it pulls the image (insecure:
// the registry speaks plain HTTP), sees it listed with the id corrald
// reports, runs a container from it with args and sees that container
// running with its image, has a removal refused while the container runs,
// then, the container stopped, removes the image with force, naming and
// deleting the container. Every step is checked on the screen and against
// corrald's own answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { CLI, startDaemon, uid, until, type DaemonHandle } from '../helpers/daemon.js';
import { buildTestImages, scratch, startRegistry, type Registry } from '../helpers/images.js';
import { tmuxServer } from '../helpers/tmux.js';
import type { Client } from '../../shared/client.js';
import { isCorralError } from '../../shared/errors.js';

const { tmux, screen, waitScreen, keys, typeText, kill } = tmuxServer('corral-e2e-img');

let dir: string;
let reg: Registry;
let daemon: DaemonHandle;
let client: Client;
const id = uid('img-tui');

before(async () => {
  dir = await scratch('tui-images');
  const imgs = await buildTestImages(dir);
  reg = await startRegistry(path.join(dir, 'registry'));
  reg.push(`oci:${imgs.base}`, 'corral/base:1');
  daemon = await startDaemon();
  client = await daemon.client();
  tmux('new-session', '-d', '-s', 'app', '-x', '100', '-y', '30', `env -u CI node ${CLI} --socket ${daemon.socket}; echo "corral exited with $?"; sleep 600`);
});

after(async () => {
  kill();
  await daemon?.cleanup();
  await reg?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

test('the TUI pulls an image from a registry, runs a container from it, and removes it with force once stopped', async () => {
  const ref = `${reg.host}/corral/base:1`;
  const esc = ref.replace(/[.]/g, '\\.');
  /** The image's row: name, id, size, age and a use count matching USED. */
  const rowWith = (used: string) => new RegExp(`^[▸ ] ${esc}\\s+([0-9a-f]{12})\\s+\\S+\\s+\\S+\\s+(${used})\\b`, 'm');
  const rowOf = rowWith('\\d+');
  await waitScreen('● live');
  keys('2');
  await waitScreen('no images yet');

  // pull: the ref, Tab to insecure, Space, Enter; the progress ends at 100%
  keys('p');
  await waitScreen('pull an image');
  typeText(ref);
  keys('Tab', 'Space');
  await waitScreen('insecure: [x]');
  keys('Enter');
  await waitScreen(/pulled in \d+\.\ds: [0-9a-f]{12}/);
  assert.match(screen(), /█+\s+100%/);
  keys('Escape');
  const listed = await waitScreen(rowOf);
  const { images } = await client.request('image.list', {});
  assert.deepEqual(images.map((i) => i.names), [[ref]]);
  assert.equal(rowOf.exec(listed)?.[1], images[0].digest.slice(7, 19), 'the row shows the image id corrald has');

  // its config in the detail pane
  keys('Enter');
  await waitScreen(/cmd\s+\/bin\/sh -c 'echo hello-from-image'/);
  keys('Escape');

  // run a container from it, with args
  keys('n');
  await waitScreen('create a container');
  assert.match(screen(), new RegExp(`from:\\s+${esc}`));
  typeText(id);
  keys('Tab', 'Tab');
  typeText('sleep 1000');
  keys('Enter');
  await waitScreen(rowWith('1'));
  const c = await client.request('container.get', { id });
  assert.equal(c.state, 'running');
  assert.deepEqual(c.image, { ref, digest: images[0].digest });
  assert.deepEqual(c.processes.find((p) => p.id === 'init')?.args, ['sleep', '1000']);
  keys('1');
  await waitScreen(new RegExp(`^[▸ ] ${id}\\s+● running`, 'm'));
  keys('Enter');
  await waitScreen(new RegExp(`image\\s+${esc} \\([0-9a-f]{12}\\)`));
  keys('Escape', '2');
  await waitScreen(rowOf);

  // a running container keeps its image: the refusal in corrald's words, no force offered
  keys('D');
  await waitScreen(`remove image ${ref}?`);
  keys('y');
  await waitScreen(`${ref} not removed`);
  assert.match(screen().replace(/(\s*│\s*)+/g, ' '), /stop and delete them first/);
  keys('x');
  await waitScreen(rowOf);

  // stopped, it goes with the image when forced, named first
  await client.request('container.kill', { id, signal: 'SIGKILL' });
  await until(async () => (await client.request('container.get', { id })).state === 'stopped', 'the container stopped');
  keys('D');
  await waitScreen(`remove image ${ref}?`);
  keys('y');
  await waitScreen(`Container ${id} will be deleted with it`);
  keys('y');
  await waitScreen(`removed ${ref} and container ${id}`);
  await waitScreen('no images yet');
  assert.deepEqual((await client.request('image.list', {})).images, []);
  await assert.rejects(client.request('container.get', { id }), (e) => isCorralError(e, 'not_found'));

  keys('q');
  await waitScreen('corral exited with 0');
});
