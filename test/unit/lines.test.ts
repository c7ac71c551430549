// The line reader's cost is linear in the bytes: a 32 MiB line arriving in
// 64 KiB chunks is searched for its newline once per byte, each search over at
// most one chunk, both through LineSplitter and through shared/client.ts over
// a real Unix socket. The cost is counted, not timed: every newline search of
// a Buffer or a string is measured while the line goes through, so a busy
// machine cannot make the test pass or fail. onLines, the uncapped reader of
// the clients and test peers, yields whole lines from split UTF-8, skips blank
// ones and delivers a last line without a newline at the end of the stream.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { LineSplitter, onLines } from '../../shared/lines.js';
import { Client } from '../../shared/client.js';
import { useTempFolder } from './tmp.js';

const tmp = useTempFolder('lines');

const CHUNK = 64 * 1024;
const LINE_BYTES = 32 * 1024 * 1024;

interface Scans {
  /** Bytes (or characters) looked through by all newline searches. */
  total: number;
  /** The most one search looked through. */
  largest: number;
}

/** Runs FN with every newline search of a Buffer or a string measured: how far each one looked. */
async function countingNewlineSearches(fn: () => Promise<void> | void): Promise<Scans> {
  const scans: Scans = { total: 0, largest: 0 };
  const record = (length: number, needle: unknown, from: unknown, found: number) => {
    if (needle !== '\n' && needle !== 0x0a) return;
    const start = typeof from === 'number' && from > 0 ? from : 0;
    const looked = (found >= 0 ? found + 1 : length) - start;
    scans.total += looked;
    scans.largest = Math.max(scans.largest, looked);
  };
  const bufferIndexOf = Buffer.prototype.indexOf;
  const stringIndexOf = String.prototype.indexOf;
  Buffer.prototype.indexOf = function (this: Buffer, value: string | number | Uint8Array, byteOffset?: number, encoding?: BufferEncoding) {
    const found = bufferIndexOf.call(this, value, byteOffset, encoding);
    record(this.length, value, byteOffset, found);
    return found;
  };
  String.prototype.indexOf = function (this: string, search: string, position?: number) {
    const found = stringIndexOf.call(this, search, position);
    record(this.length, search, position, found);
    return found;
  };
  try {
    await fn();
  } finally {
    Buffer.prototype.indexOf = bufferIndexOf;
    String.prototype.indexOf = stringIndexOf;
  }
  return scans;
}

/** Asserts SCANS looked through each of BYTES about once, never through more than one chunk at a time. */
function assertLinear(scans: Scans, bytes: number): void {
  assert.ok(scans.total <= bytes + 1024, `newline searches looked through ${scans.total} bytes for a ${bytes}-byte line`);
  assert.ok(scans.largest <= CHUNK, `one newline search looked through ${scans.largest} bytes, more than a ${CHUNK}-byte chunk`);
}

describe('line reader cost', () => {
  test('a 32 MiB line in 64 KiB chunks is searched once per byte through LineSplitter', async () => {
    const text = Buffer.alloc(LINE_BYTES + 1, 'a');
    text[LINE_BYTES] = 0x0a;
    const splitter = new LineSplitter();
    const lines: string[] = [];
    const scans = await countingNewlineSearches(() => {
      for (let i = 0; i < text.length; i += CHUNK) for (const f of splitter.push(text.subarray(i, i + CHUNK))) if ('line' in f) lines.push(f.line);
    });
    assert.equal(lines.length, 1);
    assert.equal(lines[0].length, LINE_BYTES);
    assertLinear(scans, text.length);
  });

  test('a 32 MiB notification written in 64 KiB chunks is searched once per byte by shared/client.ts', async () => {
    const file = path.join(tmp(), 'client.sock');
    const payload = 'b'.repeat(LINE_BYTES);
    const bytes = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'event', params: { payload } }) + '\n');
    const server = net.createServer((socket) => {
      for (let i = 0; i < bytes.length; i += CHUNK) socket.write(bytes.subarray(i, i + CHUNK));
    });
    await new Promise<void>((resolve) => server.listen(file, resolve));
    const client = await Client.connect(file);
    let got: unknown;
    const scans = await countingNewlineSearches(
      () =>
        new Promise<void>((resolve) =>
          client.on('notification', (_method: string, params: { payload: string }) => {
            got = params.payload.length;
            resolve();
          }),
        ),
    );
    client.close();
    server.close();
    assert.equal(got, LINE_BYTES);
    assertLinear(scans, bytes.length);
  });
});

describe('onLines', () => {
  test('whole lines from split UTF-8, blank lines skipped, a last line without a newline at the end', () => {
    const stream = new PassThrough();
    const got: string[] = [];
    onLines(stream, (line) => got.push(line));
    const text = Buffer.from('{"a":"🐄"}\r\n\n  \n{"b":"é"}\n{"c":3}');
    for (let i = 0; i < text.length; i += 3) stream.write(text.subarray(i, i + 3));
    stream.end();
    return new Promise<void>((resolve) =>
      stream.on('end', () => {
        assert.deepEqual(got, ['{"a":"🐄"}', '{"b":"é"}', '{"c":3}']);
        resolve();
      }),
    );
  });
});
