// The pure parts of the image verbs: how pull's progress reads, redrawn on a
// terminal (the pull's bar, then a line per layer) and as plain lines off
// one. The verbs themselves run against a real corrald and registry in
// test/integration/cli-images.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressLines, progressStep } from '../../tui/cli/images.js';

const ref = '127.0.0.1:5000/corral/bb:1';

test('on a terminal: the pull with a bar of its bytes, then each layer done, copying or waiting', () => {
  assert.deepEqual(progressLines({ ref, phase: 'resolving', layersDone: 0, layersTotal: 0, bytesDone: 0, bytesTotal: 0 }), [
    `${ref}: resolving [........................]`,
  ]);
  assert.deepEqual(progressLines({ ref, phase: 'copying', layersDone: 1, layersTotal: 3, bytesDone: 512, bytesTotal: 1024 }), [
    `${ref}: copying [############............] 512B / 1.0K`,
    '  layer 1/3: done',
    '  layer 2/3: copying',
    '  layer 3/3: waiting',
  ]);
  assert.deepEqual(progressLines({ ref, phase: 'unpacking', layersDone: 2, layersTotal: 2, bytesDone: 1024, bytesTotal: 1024 }), [
    `${ref}: unpacking [########################] 1.0K / 1.0K`,
    '  layer 1/2: done',
    '  layer 2/2: done',
  ]);
});

test('off a terminal: one plain line per step', () => {
  assert.equal(progressStep({ ref, phase: 'resolving', layersDone: 0, layersTotal: 0, bytesDone: 0, bytesTotal: 0 }), `${ref}: resolving`);
  assert.equal(progressStep({ ref, phase: 'copying', layersDone: 1, layersTotal: 2, bytesDone: 600000, bytesTotal: 1234567 }), `${ref}: copying, layers 1/2, 586K / 1.2M`);
});
