// corral's crash-safe file operations on a temporary folder: writeFileAtomic
// leaves exactly the new content with mode 0600, no temporary file beside it
// (also when the rename fails), replaces an existing file, and replaces a
// symlink planted in its place instead of writing through it; its temporary
// names are what isTempFile recognizes, and isTempFile recognizes nothing
// else; removeAside removes a whole folder, tolerates a missing one, and
// unlinks a symlink in its place without touching the target; sweepDeleted
// finishes interrupted deletes and leaves every other entry alone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DELETING_PREFIX } from '../../daemon/runtime/layout.js';
import { useTempFolder } from './tmp.js';
import { exists, isTempFile, readIfExists, readJson, removeAside, sweepDeleted, writeFileAtomic, writeJsonAtomic } from '../../daemon/runtime/files.js';

const tmp = useTempFolder('files');
let n = 0;
/** A fresh empty folder of its own. */
const folder = () => fs.mkdirSync(path.join(tmp(), `d${++n}`), { recursive: true })!;

describe('writeFileAtomic', () => {
  for (const durable of [true, false]) {
    test(`writes the content, mode 0600, nothing else in the folder (durable ${durable})`, async () => {
      const d = folder();
      const file = path.join(d, 'state.json');
      await writeFileAtomic(file, '{"id":"web"}\n', durable);
      assert.equal(fs.readFileSync(file, 'utf8'), '{"id":"web"}\n');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(fs.readdirSync(d), ['state.json']);
    });
  }

  test('a Buffer, an empty string and multi-byte text', async () => {
    const d = folder();
    const cases: [string, string | Buffer, Buffer][] = [
      ['bin', Buffer.from([0, 1, 2, 255]), Buffer.from([0, 1, 2, 255])],
      ['empty', '', Buffer.alloc(0)],
      ['utf8', 'café ☃ 🐄', Buffer.from('café ☃ 🐄')],
    ];
    for (const [name, data, expected] of cases) {
      await writeFileAtomic(path.join(d, name), data);
      assert.deepEqual(fs.readFileSync(path.join(d, name)), expected, name);
    }
    assert.deepEqual(fs.readdirSync(d).sort(), ['bin', 'empty', 'utf8']);
  });

  test('overwrites, shorter content leaves no tail of the old', async () => {
    const d = folder();
    const file = path.join(d, 'exit');
    await writeFileAtomic(file, 'a much longer first version\n');
    await writeFileAtomic(file, '0\n');
    assert.equal(fs.readFileSync(file, 'utf8'), '0\n');
    assert.deepEqual(fs.readdirSync(d), ['exit']);
  });

  test('many concurrent writes to one file: one whole version wins, no temp left', async () => {
    const d = folder();
    const file = path.join(d, 'process.json');
    const versions = Array.from({ length: 20 }, (_, i) => JSON.stringify({ v: i, pad: 'x'.repeat(i * 100) }));
    await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
    assert.ok(versions.includes(fs.readFileSync(file, 'utf8')));
    assert.deepEqual(fs.readdirSync(d), ['process.json']);
  });

  test('a symlink in place of the file is replaced, its target untouched', async () => {
    const d = folder();
    const target = path.join(d, 'target');
    fs.writeFileSync(target, 'precious');
    const file = path.join(d, 'state.json');
    fs.symlinkSync(target, file);
    await writeFileAtomic(file, 'new');
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious');
    assert.equal(fs.lstatSync(file).isSymbolicLink(), false);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
  });

  test('a failed rename throws and leaves no temp file', async () => {
    const d = folder();
    const file = path.join(d, 'state.json');
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, 'inside'), 'x');
    await assert.rejects(writeFileAtomic(file, 'data'));
    assert.deepEqual(fs.readdirSync(d), ['state.json']);
    assert.ok(fs.statSync(file).isDirectory());
  });

  test('a missing folder throws ENOENT', async () => {
    await assert.rejects(writeFileAtomic(path.join(tmp(), 'no-such-folder', 'f'), 'x'), { code: 'ENOENT' });
  });

  test('writeJsonAtomic writes indented JSON with a newline, readJson reads it back', async () => {
    const d = folder();
    const file = path.join(d, 'state.json');
    const value = { id: 'web', labels: { app: 'nginx' }, pid: null };
    await writeJsonAtomic(file, value);
    assert.equal(fs.readFileSync(file, 'utf8'), JSON.stringify(value, null, 2) + '\n');
    assert.deepEqual(await readJson(file), value);
  });
});

describe('isTempFile', () => {
  const cases: [string, boolean][] = [
    ['.state.json.1a2b3c4d.tmp', true],
    ['.process.json.00000000.tmp', true],
    ['.exit.ffffffff.tmp', true],
    ['state.json', false],
    ['state.json.tmp', false],
    ['.state.json', false],
    ['.hidden', false],
    ['.state.json.tmp.bak', false],
    [`${DELETING_PREFIX}web-1a2b3c4d`, false],
    ['', false],
  ];
  for (const [name, expected] of cases) {
    test(`${JSON.stringify(name)} → ${expected}`, () => {
      assert.equal(isTempFile(name), expected);
    });
  }

  test('the temporary names writeFileAtomic uses are temp files', async () => {
    // catch one in the act: a write whose rename fails leaves its name in the error
    const d = folder();
    const file = path.join(d, 'state.json');
    fs.mkdirSync(path.join(file, 'sub'), { recursive: true });
    const err = await writeFileAtomic(file, 'x').then(
      () => assert.fail('the rename over a folder should fail'),
      (e: NodeJS.ErrnoException) => e,
    );
    const tmp = path.basename(String(err.path));
    assert.match(tmp, /^\.state\.json\.[0-9a-f]{8}\.tmp$/);
    assert.ok(isTempFile(tmp));
  });
});

describe('removeAside', () => {
  test('removes a folder and everything in it, leaving nothing aside', async () => {
    const parent = folder();
    const dir = path.join(parent, 'web');
    fs.mkdirSync(path.join(dir, 'init'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'state.json'), '{}');
    fs.writeFileSync(path.join(dir, 'init', 'log'), 'x');
    fs.mkdirSync(path.join(parent, 'db'));
    await removeAside(dir);
    assert.deepEqual(fs.readdirSync(parent), ['db']);
  });

  test('a missing folder is no error', async () => {
    await removeAside(path.join(folder(), 'gone'));
  });

  test('a symlink in place of the folder is unlinked; its target is untouched', async () => {
    const parent = folder();
    const target = path.join(tmp(), `precious-${++n}`);
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'keep me');
    const link = path.join(parent, 'web');
    fs.symlinkSync(target, link);
    await removeAside(link);
    assert.deepEqual(fs.readdirSync(parent), []);
    assert.equal(fs.readFileSync(path.join(target, 'keep'), 'utf8'), 'keep me');
  });

  test('a dangling symlink is unlinked', async () => {
    const parent = folder();
    const link = path.join(parent, 'web');
    fs.symlinkSync(path.join(tmp(), 'nowhere'), link);
    await removeAside(link);
    assert.deepEqual(fs.readdirSync(parent), []);
  });

  test('a symlink inside the folder is removed, not followed', async () => {
    const parent = folder();
    const target = path.join(tmp(), `precious-${++n}`);
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'keep me');
    const dir = path.join(parent, 'web');
    fs.mkdirSync(dir);
    fs.symlinkSync(target, path.join(dir, 'rootfs'));
    await removeAside(dir);
    assert.deepEqual(fs.readdirSync(parent), []);
    assert.equal(fs.readFileSync(path.join(target, 'keep'), 'utf8'), 'keep me');
  });
});

describe('sweepDeleted', () => {
  test('removes the folders a crash left aside, and nothing else', async () => {
    const parent = folder();
    const aside = [`${DELETING_PREFIX}web-1a2b3c4d`, `${DELETING_PREFIX}db-00ff00ff`];
    for (const a of aside) {
      fs.mkdirSync(path.join(parent, a, 'init'), { recursive: true });
      fs.writeFileSync(path.join(parent, a, 'init', 'log'), 'x');
    }
    fs.mkdirSync(path.join(parent, 'web'));
    fs.mkdirSync(path.join(parent, 'deleting-not-hidden'));
    fs.writeFileSync(path.join(parent, '.state.json.1a2b3c4d.tmp'), 'x');
    const swept = await sweepDeleted(parent);
    assert.deepEqual(swept.sort(), [...aside].sort());
    assert.deepEqual(fs.readdirSync(parent).sort(), ['.state.json.1a2b3c4d.tmp', 'deleting-not-hidden', 'web']);
  });

  test('nothing to sweep, or no folder at all', async () => {
    assert.deepEqual(await sweepDeleted(folder()), []);
    assert.deepEqual(await sweepDeleted(path.join(tmp(), 'missing')), []);
  });

  test('what removeAside leaves behind when interrupted is what sweepDeleted finishes', async () => {
    const parent = folder();
    // the rename, the commit point, happened; the rm did not
    fs.mkdirSync(path.join(parent, `${DELETING_PREFIX}web-12345678`));
    assert.deepEqual(await sweepDeleted(parent), [`${DELETING_PREFIX}web-12345678`]);
    assert.deepEqual(fs.readdirSync(parent), []);
  });
});

describe('readIfExists and exists', () => {
  test('a file, a missing file, a dangling symlink', async () => {
    const d = folder();
    fs.writeFileSync(path.join(d, 'f'), 'text');
    fs.symlinkSync(path.join(d, 'nowhere'), path.join(d, 'dangling'));
    assert.equal(await readIfExists(path.join(d, 'f')), 'text');
    assert.equal(await readIfExists(path.join(d, 'missing')), undefined);
    assert.equal(await exists(path.join(d, 'f')), true);
    assert.equal(await exists(path.join(d, 'missing')), false);
    assert.equal(await exists(path.join(d, 'dangling')), true, 'lstat: the link itself exists');
  });

  test('readIfExists of a folder is an error, not undefined', async () => {
    await assert.rejects(readIfExists(folder()), { code: 'EISDIR' });
  });
});
