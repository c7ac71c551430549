// The image verbs against the image.* API the images issue adds to corrald,
// before corrald has it: a small in-process stand-in answers image.pull (with
// image.progress notifications), image.list, image.get, image.remove,
// image.import and image.prune in the planned shapes, and `corral` is run
// against it as a user would. It checks what the verbs send and print, not
// images themselves, which the images issue tests against a real registry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { onLines } from '../../shared/lines.js';
import { progressLine } from '../../tui/cli/images.js';
import { CLI } from '../helpers/daemon.js';

const IMAGE = {
  ref: 'localhost:5000/corral/bb:1',
  names: ['localhost:5000/corral/bb:1'],
  digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  size: 1234567,
  layers: 2,
  created: '2026-11-29T08:00:00Z',
  config: { cmd: ['/bin/sh'], env: ['PATH=/bin'] },
  pulledAt: '2026-11-30T07:00:00Z',
};

let dir: string;
let socket: string;
let server: net.Server;
const received: { method: string; params: Record<string, unknown> }[] = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-images-'));
  socket = path.join(dir, 'fake.sock');
  server = net.createServer((s) => {
    const send = (m: unknown) => s.write(JSON.stringify(m) + '\n');
    onLines(s, (line) => {
      const req = JSON.parse(line) as { id: number; method: string; params: Record<string, unknown> };
      received.push({ method: req.method, params: req.params });
      const reply = (result: unknown) => send({ jsonrpc: '2.0', id: req.id, result });
      switch (req.method) {
        case 'image.pull':
          for (const [layersDone, bytesDone] of [[0, 0], [1, 600000], [2, 1234567]]) {
            send({ jsonrpc: '2.0', method: 'image.progress', params: { ref: req.params.ref, layersDone, layersTotal: 2, bytesDone, bytesTotal: 1234567 } });
          }
          return reply(IMAGE);
        case 'image.list':
          return reply({ images: [IMAGE] });
        case 'image.get':
          if (req.params.ref !== IMAGE.ref) return send({ jsonrpc: '2.0', id: req.id, error: { code: -32001, message: `image ${req.params.ref} does not exist; pull it`, data: { reason: 'not_found' } } });
          return reply(IMAGE);
        case 'image.import':
          return reply(IMAGE);
        case 'image.remove':
          return reply({});
        case 'image.prune':
          return reply({ removed: [IMAGE.ref], bytesFreed: 1234567 });
        default:
          return send({ jsonrpc: '2.0', id: req.id, error: { code: -32601, message: `no method ${req.method}`, data: { reason: 'method_not_found' } } });
      }
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
});
after(() => {
  server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `corral --socket FAKE ARGS`, asynchronously: the stand-in answers from this process. */
function corral(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--socket', socket, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const last = () => received.at(-1)!;

test('pull: plain progress lines off a terminal, the ref and digest at the end', async () => {
  const r = await corral('pull', '--insecure', '--creds', 'me:se:cret', IMAGE.ref);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${IMAGE.ref} ${IMAGE.digest}\n`);
  assert.deepEqual(last(), { method: 'image.pull', params: { ref: IMAGE.ref, insecure: true, username: 'me', password: 'se:cret' } });
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.ok(!r.stderr.includes('\r') && !r.stderr.includes('\x1b'), 'no redrawing off a terminal');
  assert.equal(lines[2], `${IMAGE.ref}: layers 2/2, 1.2M / 1.2M`);
  const q = await corral('pull', '-q', IMAGE.ref);
  assert.equal(q.stdout, `${IMAGE.digest}\n`);
  assert.equal(q.stderr, '');
});

test('a progress bar on a terminal', () => {
  assert.equal(progressLine({ ref: 'bb', layersDone: 1, layersTotal: 2, bytesDone: 512, bytesTotal: 1024 }, true), 'bb: [############............] layers 1/2, 512B / 1.0K');
  assert.equal(progressLine({ ref: 'bb', layersDone: 0, layersTotal: 0, bytesDone: 0, message: 'resolving' }, true), 'bb: [........................] layers 0/0, 0B resolving');
});

test('images, image inspect, rmi, import, image prune', async () => {
  const table = await corral('images');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^IMAGE +ID +CREATED +SIZE +LAYERS +PULLED\nlocalhost:5000\/corral\/bb:1 +0123456789ab +\d+ (hours?|days?) ago +1\.2M +2 /);
  assert.deepEqual(JSON.parse((await corral('images', '--format', 'json')).stdout), [IMAGE]);
  assert.equal((await corral('images', '-q')).stdout, `${IMAGE.ref}\n`);
  assert.deepEqual(JSON.parse((await corral('image', 'inspect', IMAGE.ref)).stdout), [IMAGE]);
  const missing = await corral('image', 'inspect', 'nope:1');
  assert.equal(missing.status, 125);
  assert.match(missing.stderr, /^corral image inspect: not_found: image nope:1 does not exist/);
  assert.equal((await corral('rmi', '-f', IMAGE.ref)).stdout, `${IMAGE.ref}\n`);
  assert.deepEqual(last(), { method: 'image.remove', params: { ref: IMAGE.ref, force: true } });
  assert.equal((await corral('import', '--format', 'oci-archive', '--ref', 'x:1', 'bb.tar')).status, 0);
  assert.deepEqual(last(), { method: 'image.import', params: { path: path.resolve('bb.tar'), format: 'oci-archive', ref: 'x:1' } });
  assert.equal((await corral('import', '--format', 'zip', 'bb.tar')).status, 125);
  assert.equal((await corral('image', 'prune')).stdout, `${IMAGE.ref}\nTotal reclaimed space: 1.2M\n`);
  const comp = await corral('__complete', 'rmi', '');
  assert.equal(comp.stdout, `${IMAGE.ref}\n`, 'completion offers image refs from image.list');
});
