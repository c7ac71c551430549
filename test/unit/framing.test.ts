// LineSplitter turns a byte stream into the NDJSON frames of the API however
// the bytes arrive: a message split across many chunks (down to one byte at a
// time, through the middle of a multi-byte UTF-8 character) comes out whole
// and once; several messages in one chunk come out in order; CRLF line ends
// and blank lines are tolerated; a line over the cap is reported once, with
// its full length, whether it arrives in one chunk or many, and the line after
// it comes through intact; end() yields a last line without a newline, or
// nothing. Feeding any input in any chunking gives the same frames.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, type Frame } from '../../shared/lines.js';

/** Feeds CHUNKS (strings are UTF-8) and returns every frame, end() included when END. */
function feed(max: number, chunks: (string | Buffer)[], end = true): Frame[] {
  const s = new LineSplitter(max);
  const out: Frame[] = [];
  for (const c of chunks) out.push(...s.push(typeof c === 'string' ? Buffer.from(c) : c));
  if (end) out.push(...s.end());
  return out;
}

/** Every byte as its own chunk. */
const bytes = (text: string) => [...Buffer.from(text)].map((b) => Buffer.from([b]));

const lines = (...ls: string[]): Frame[] => ls.map((line) => ({ line }));

describe('LineSplitter', () => {
  const MSG = '{"jsonrpc":"2.0","id":1,"method":"container.get","params":{"id":"café-☃-🐄"}}';

  test('one message in one chunk', () => {
    assert.deepEqual(feed(1024, [MSG + '\n']), lines(MSG));
  });

  test('one message byte by byte, through the middle of multi-byte characters', () => {
    const chunks = bytes(MSG + '\n');
    assert.ok(chunks.length > MSG.length, 'the message holds multi-byte characters');
    const s = new LineSplitter(1024);
    const out: Frame[] = [];
    chunks.forEach((c, i) => {
      const frames = s.push(c);
      if (i < chunks.length - 1) assert.deepEqual(frames, [], `nothing before the newline (byte ${i})`);
      out.push(...frames);
    });
    assert.deepEqual(out, lines(MSG));
    assert.deepEqual(s.end(), []);
  });

  test('a 4-byte character split 1+3, 2+2 and 3+1 across chunks', () => {
    const cow = Buffer.from('🐄');
    assert.equal(cow.length, 4);
    for (const cut of [1, 2, 3]) {
      const text = Buffer.concat([Buffer.from('"a'), cow, Buffer.from('b"\n')]);
      const at = 2 + cut;
      assert.deepEqual(feed(64, [text.subarray(0, at), text.subarray(at)]), lines('"a🐄b"'), `cut ${cut}`);
    }
  });

  test('several messages in one chunk, in order', () => {
    assert.deepEqual(feed(1024, ['{"id":1}\n{"id":2}\n[{"id":3}]\n']), lines('{"id":1}', '{"id":2}', '[{"id":3}]'));
  });

  test('messages and chunk boundaries that do not line up', () => {
    assert.deepEqual(feed(1024, ['{"id":1}\n{"i', 'd":2}\n{"id"', ':3}', '\n']), lines('{"id":1}', '{"id":2}', '{"id":3}'));
  });

  test('CRLF line ends lose the CR, also when CR and LF arrive apart', () => {
    assert.deepEqual(feed(1024, ['{"id":1}\r\n{"id":2}\r', '\n']), lines('{"id":1}', '{"id":2}'));
  });

  test('blank and whitespace-only lines are skipped', () => {
    assert.deepEqual(feed(1024, ['\n\n{"id":1}\n\r\n   \n\t\n{"id":2}\n\n']), lines('{"id":1}', '{"id":2}'));
  });

  test('an empty chunk yields nothing and changes nothing', () => {
    const s = new LineSplitter(16);
    assert.deepEqual(s.push(Buffer.alloc(0)), []);
    assert.deepEqual(s.push(Buffer.from('ab')), []);
    assert.deepEqual(s.push(Buffer.alloc(0)), []);
    assert.deepEqual(s.push(Buffer.from('c\n')), lines('abc'));
  });

  test('a line of exactly the cap passes; one byte more is oversize', () => {
    assert.deepEqual(feed(8, ['12345678\n']), lines('12345678'));
    assert.deepEqual(feed(8, ['123456789\n']), [{ oversize: 9 }]);
  });

  test('an oversize line is reported once with its length, and the next line is intact', () => {
    const big = 'x'.repeat(100);
    assert.deepEqual(feed(32, [`{"id":1}\n${big}\n{"id":2}\n`]), [{ line: '{"id":1}' }, { oversize: 100 }, { line: '{"id":2}' }]);
  });

  test('an oversize line across many chunks is reported once, at its newline, with its full length', () => {
    const s = new LineSplitter(10);
    const out: Frame[][] = [];
    out.push(s.push(Buffer.from('{"id":1}\n1234')));
    out.push(s.push(Buffer.from('5678')));
    out.push(s.push(Buffer.from('9abcdef')));
    out.push(s.push(Buffer.from('ghij')));
    out.push(s.push(Buffer.from('klm\n{"id":2}')));
    out.push(s.push(Buffer.from('\n')));
    assert.deepEqual(out, [[{ line: '{"id":1}' }], [], [], [], [{ oversize: 22 }], [{ line: '{"id":2}' }]]);
    assert.deepEqual(s.end(), []);
  });

  test('an oversize line byte by byte is reported once', () => {
    const big = 'y'.repeat(50);
    assert.deepEqual(feed(16, bytes(`${big}\nok\n`)), [{ oversize: 50 }, { line: 'ok' }]);
  });

  test('two oversize lines in a row are two reports', () => {
    assert.deepEqual(feed(4, ['aaaaaa\nbbbbbbbb\nc\n']), [{ oversize: 6 }, { oversize: 8 }, { line: 'c' }]);
  });

  test('end() with a trailing partial line yields it', () => {
    assert.deepEqual(feed(1024, ['{"id":1}\n{"id"', ':2}']), lines('{"id":1}', '{"id":2}'));
  });

  test('end() without a trailing partial line yields nothing', () => {
    assert.deepEqual(feed(1024, ['{"id":1}\n']), lines('{"id":1}'));
    assert.deepEqual(feed(1024, []), []);
    assert.deepEqual(feed(1024, ['{"id":1}\n   ']), lines('{"id":1}'));
  });

  test('end() while an oversize line is being skipped reports it', () => {
    assert.deepEqual(feed(8, ['ok\n', 'z'.repeat(20)]), [{ line: 'ok' }, { oversize: 20 }]);
  });

  test('the same frames whatever the chunking', () => {
    const text = `{"a":"é"}\r\n\n${'q'.repeat(40)}\n{"b":"🐄"}\n   \n{"c":3}`;
    const whole = feed(24, [text]);
    assert.deepEqual(whole, [{ line: '{"a":"é"}' }, { oversize: 40 }, { line: '{"b":"🐄"}' }, { line: '{"c":3}' }]);
    const buf = Buffer.from(text);
    for (let size = 1; size <= 9; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
      assert.deepEqual(feed(24, chunks), whole, `chunks of ${size}`);
    }
    for (let cut = 0; cut <= buf.length; cut++) {
      assert.deepEqual(feed(24, [buf.subarray(0, cut), buf.subarray(cut)]), whole, `cut at ${cut}`);
    }
  });
});
