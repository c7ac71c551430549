// Reading conmon's k8s-file logs: parseChunk takes `TIME STREAM F|P TEXT`
// apart (empty text included) and rejects junk; parseLog joins partial P
// chunks with the next chunk of the same stream, keeps interleaved streams
// apart, carries an unfinished chunk over to the next call and skips junk;
// readLog on a temporary file answers tail and stream queries, ignores a last
// line that has no newline yet and gives the offset a follower starts from;
// LogFollower delivers lines appended after that offset, filters by stream,
// waits for a line's newline, joins a partial chunk that readLog saw with its
// end that comes later, and starts again from the top when the file is
// truncated or replaced by a shorter one (conmon's rotation). Waits are for a
// condition with a deadline, never for a fixed time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { LogLineT } from '../../shared/api.js';
import { LogFollower, parseChunk, parseLog, readLog } from '../../daemon/supervisor/logs.js';
import { useTempFolder } from './tmp.js';

const T1 = '2026-11-28T10:02:35.502006502+00:00';
const T2 = '2026-11-28T10:02:36.000000001+00:00';
const T3 = '2026-11-28T10:02:37.123456789+00:00';
const out = (text: string, time = T1): LogLineT => ({ time, stream: 'stdout', text });
const err = (text: string, time = T1): LogLineT => ({ time, stream: 'stderr', text });

describe('parseChunk', () => {
  const cases: [string, ReturnType<typeof parseChunk>][] = [
    [`${T1} stdout F hello world`, { time: T1, stream: 'stdout', partial: false, text: 'hello world' }],
    [`${T1} stderr F oops`, { time: T1, stream: 'stderr', partial: false, text: 'oops' }],
    [`${T1} stdout P half a li`, { time: T1, stream: 'stdout', partial: true, text: 'half a li' }],
    [`${T1} stdout F`, { time: T1, stream: 'stdout', partial: false, text: '' }],
    [`${T1} stdout F `, { time: T1, stream: 'stdout', partial: false, text: '' }],
    [`${T1} stdout F   indented`, { time: T1, stream: 'stdout', partial: false, text: '  indented' }],
    [`${T1} stdout F a F b stdout P`, { time: T1, stream: 'stdout', partial: false, text: 'a F b stdout P' }],
    [`${T1} stdout F ☃ 🐄`, { time: T1, stream: 'stdout', partial: false, text: '☃ 🐄' }],
    ['', undefined],
    ['garbage', undefined],
    [`${T1} stdin F text`, undefined],
    [`${T1} stdout X text`, undefined],
    [`${T1} stdout`, undefined],
    [`${T1}  stdout F text`, undefined],
    [`stdout F text`, undefined],
  ];
  for (const [line, expected] of cases) {
    test(JSON.stringify(line), () => {
      assert.deepEqual(parseChunk(line), expected);
    });
  }
});

describe('parseLog', () => {
  const cases: [string, string[], LogLineT[]][] = [
    ['full lines', [`${T1} stdout F one`, `${T2} stderr F two`], [out('one'), err('two', T2)]],
    ['empty text', [`${T1} stdout F`, `${T1} stdout F `], [out(''), out('')]],
    ['a partial chunk joined with the next', [`${T1} stdout P hel`, `${T2} stdout F lo`], [out('hello')]],
    [
      'several partial chunks, the time of the first',
      [`${T1} stdout P a`, `${T2} stdout P b`, `${T3} stdout F c`],
      [out('abc')],
    ],
    [
      'interleaved streams stay apart',
      [`${T1} stdout P out-`, `${T1} stderr P err-`, `${T2} stderr F 2`, `${T2} stdout F 1`],
      [err('err-2'), out('out-1')],
    ],
    [
      'a full line of the other stream in the middle of a partial one',
      [`${T1} stdout P abc`, `${T2} stderr F boom`, `${T3} stdout F def`],
      [err('boom', T2), out('abcdef')],
    ],
    [
      'junk lines are skipped, also between partial chunks',
      ['junk', `${T1} stdout P x`, 'more junk', `${T1} stdout F y`, `${T1} weird F z`],
      [out('xy')],
    ],
    ['a partial chunk with no end yields nothing yet', [`${T1} stdout F done`, `${T1} stdout P pend`], [out('done')]],
    ['blank lines', ['', `${T1} stdout F a`, '', ''], [out('a')]],
  ];
  for (const [name, raw, expected] of cases) {
    test(name, () => {
      assert.deepEqual(parseLog(raw.join('\n') + '\n'), expected);
    });
  }

  test('an unfinished chunk carries over to the next call through PENDING', () => {
    const pending = new Map();
    assert.deepEqual(parseLog(`${T1} stdout P par\n${T1} stderr F e\n`, pending), [err('e')]);
    assert.equal(pending.size, 1);
    assert.deepEqual(parseLog(`${T2} stdout P ti\n`, pending), []);
    assert.deepEqual(parseLog(`${T3} stdout F al\n`, pending), [out('partial')]);
    assert.equal(pending.size, 0);
  });
});

const tmp = useTempFolder('logs');
let n = 0;
const newFile = (content?: string) => {
  const file = path.join(tmp(), `log-${++n}`);
  if (content !== undefined) fs.writeFileSync(file, content);
  return file;
};
const k8s = (stream: 'stdout' | 'stderr', text: string, partial = false, time = T1) => `${time} ${stream} ${partial ? 'P' : 'F'} ${text}\n`;

describe('readLog', () => {
  const content = [k8s('stdout', 'o1'), k8s('stderr', 'e1'), k8s('stdout', 'o2'), k8s('stdout', 'o3', true), k8s('stdout', '+'), k8s('stderr', 'e2'), k8s('stdout', 'o4')].join('');

  const cases: [string, Parameters<typeof readLog>[1], string[]][] = [
    ['everything', {}, ['o1', 'e1', 'o2', 'o3+', 'e2', 'o4']],
    ['tail 2', { tail: 2 }, ['e2', 'o4']],
    ['tail 0', { tail: 0 }, []],
    ['tail past the start', { tail: 100 }, ['o1', 'e1', 'o2', 'o3+', 'e2', 'o4']],
    ['stdout', { stream: 'stdout' }, ['o1', 'o2', 'o3+', 'o4']],
    ['stderr', { stream: 'stderr' }, ['e1', 'e2']],
    ['the last 2 of stdout', { stream: 'stdout', tail: 2 }, ['o3+', 'o4']],
    ['the last 1 of stderr', { stream: 'stderr', tail: 1 }, ['e2']],
  ];
  for (const [name, q, texts] of cases) {
    test(name, async () => {
      const file = newFile(content);
      const r = await readLog(file, q);
      assert.deepEqual(
        r.lines.map((l) => l.text),
        texts,
      );
      assert.equal(r.offset, Buffer.byteLength(content));
    });
  }

  test('a missing file is an empty log at offset 0', async () => {
    assert.deepEqual(await readLog(path.join(tmp(), 'missing'), {}), { lines: [], offset: 0, pending: new Map() });
  });

  test('a last line without its newline is ignored and left out of the offset', async () => {
    const whole = k8s('stdout', 'é done');
    const file = newFile(whole + `${T2} stdout F still being writ`);
    const r = await readLog(file, {});
    assert.deepEqual(r.lines, [out('é done')]);
    assert.equal(r.offset, Buffer.byteLength(whole));
  });

  test('a file with no newline at all is empty', async () => {
    for (const text of [`${T1} stdout F no newline`, '']) {
      const { ino, ...r } = await readLog(newFile(text), {});
      assert.deepEqual(r, { lines: [], offset: 0, pending: new Map() });
      assert.ok(ino, 'names the file it read');
    }
  });

  // a log bigger than one read: 20 MiB of numbered lines, a stderr line every 1,000th
  const bigLog = () => {
    const rows: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 20 * 1024 * 1024; i++) {
      const row = `${T1} ${i % 1000 === 999 ? 'stderr' : 'stdout'} F line ${i} ${'.'.repeat(60)}\n`;
      rows.push(row);
      bytes += row.length;
    }
    return { file: newFile(rows.join('')), count: rows.length, size: bytes };
  };

  test('a tail of a big log reads from its end: the last lines, of the asked stream, with the offset at its end', async () => {
    const { file, count, size } = bigLog();
    const r = await readLog(file, { tail: 3 });
    assert.deepEqual(r.lines.map((l) => l.text.split(' ')[1]), [String(count - 3), String(count - 2), String(count - 1)]);
    assert.equal(r.offset, size);
    // stderr is one line in 1,000: the window must grow past its first 64 KiB to find five
    const e = await readLog(file, { tail: 5, stream: 'stderr' });
    assert.equal(e.lines.length, 5);
    assert.ok(e.lines.every((l) => l.stream === 'stderr'));
    assert.equal(e.offset, size);
  });

  test('without a tail a big log is read from its last MAX_LOG_READ_BYTES, and the offset is still its end', async () => {
    const { file, count, size } = bigLog();
    const r = await readLog(file, {});
    assert.equal(r.offset, size, 'a follower starting here sees no line twice');
    assert.equal(r.lines.at(-1)!.text.split(' ')[1], String(count - 1));
    assert.ok(r.lines.length < count);
  });
});

/** Resolves once COND holds; fails after a generous deadline (a liveness bound, not a timing assertion). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('LogFollower', () => {
  async function follow(file: string, stream?: 'stdout' | 'stderr') {
    const { lines, offset, pending } = await readLog(file, { stream });
    const got: LogLineT[] = [];
    const f = new LogFollower(file, offset, stream, (l) => got.push(l), pending);
    f.start();
    return { initial: lines, got, f, texts: () => got.map((l) => l.text) };
  }

  test('lines appended after the offset arrive, in order, once', async () => {
    const file = newFile(k8s('stdout', 'before'));
    const { initial, f, texts } = await follow(file);
    assert.deepEqual(initial.map((l) => l.text), ['before']);
    fs.appendFileSync(file, k8s('stdout', 'one'));
    await until(() => texts().length >= 1, 'one');
    fs.appendFileSync(file, k8s('stderr', 'two') + k8s('stdout', 'three'));
    await until(() => texts().length >= 3, 'three');
    await f.finish();
    assert.deepEqual(texts(), ['one', 'two', 'three']);
  });

  test('only the asked stream', async () => {
    const file = newFile('');
    const { f, got } = await follow(file, 'stderr');
    fs.appendFileSync(file, k8s('stdout', 'no') + k8s('stderr', 'yes') + k8s('stdout', 'no'));
    await until(() => got.length >= 1, 'the stderr line');
    await f.finish();
    assert.deepEqual(got, [err('yes')]);
  });

  test('a line without its newline waits for it', async () => {
    const file = newFile('');
    const { f, texts } = await follow(file);
    fs.appendFileSync(file, `${T1} stdout F hal`);
    fs.appendFileSync(file, 'f\n' + k8s('stdout', 'marker'));
    await until(() => texts().includes('marker'), 'marker');
    await f.finish();
    assert.deepEqual(texts(), ['half', 'marker']);
  });

  test('a partial chunk appended while following is joined with its end', async () => {
    const file = newFile('');
    const { f, texts } = await follow(file);
    fs.appendFileSync(file, k8s('stdout', 'prompt> ', true));
    fs.appendFileSync(file, k8s('stderr', 'noise'));
    await until(() => texts().includes('noise'), 'noise');
    fs.appendFileSync(file, k8s('stdout', 'answer'));
    await until(() => texts().length >= 2, 'the joined line');
    await f.finish();
    assert.deepEqual(texts(), ['noise', 'prompt> answer']);
  });

  test('a partial chunk that readLog saw last is joined with its end that comes later', async () => {
    // a prompt without a newline: conmon writes it as a P chunk, then the rest as F
    const file = newFile(k8s('stdout', 'ready') + k8s('stdout', 'name? ', true));
    const { initial, f, texts } = await follow(file);
    assert.deepEqual(initial.map((l) => l.text), ['ready']);
    fs.appendFileSync(file, k8s('stdout', 'corral'));
    await until(() => texts().length >= 1, 'the completed line');
    await f.finish();
    assert.deepEqual(texts(), ['name? corral']);
  });

  test('readLog hands over the partial chunks at its offset', async () => {
    const file = newFile(k8s('stdout', 'a', true) + k8s('stderr', 'b') + k8s('stderr', 'c', true, T2));
    const r = await readLog(file, { stream: 'stdout' });
    assert.deepEqual(r.lines, []);
    assert.deepEqual(
      [...r.pending.entries()],
      [
        ['stdout', { time: T1, stream: 'stdout', partial: true, text: 'a' }],
        ['stderr', { time: T2, stream: 'stderr', partial: true, text: 'c' }],
      ],
    );
  });

  test('a partial chunk of a truncated file is not joined with the new file\'s lines', async () => {
    const file = newFile(k8s('stdout', 'a line long enough to be past the new end') + k8s('stdout', 'old ', true));
    const { f, texts } = await follow(file);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, k8s('stdout', 'new'));
    await until(() => texts().length >= 1, 'the new line');
    await f.finish();
    assert.deepEqual(texts(), ['new']);
  });

  test('truncation in place resets the offset', async () => {
    const file = newFile(k8s('stdout', 'a long line that makes the offset large') + k8s('stdout', 'and another one'));
    const { f, texts } = await follow(file);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, k8s('stdout', 'x'));
    await until(() => texts().length >= 1, 'the first line after truncation');
    fs.appendFileSync(file, k8s('stdout', 'y'));
    await until(() => texts().length >= 2, 'the second line after truncation');
    await f.finish();
    assert.deepEqual(texts(), ['x', 'y']);
  });

  test('rotation (a shorter file renamed over the log) starts again from its top', async () => {
    const file = newFile(k8s('stdout', 'a long line before the rotation, longer than what follows'));
    const { f, texts } = await follow(file);
    const next = `${file}.tmp`;
    fs.writeFileSync(next, k8s('stdout', 'r1'));
    fs.renameSync(next, file);
    await until(() => texts().length >= 1, 'the first line of the new file');
    fs.appendFileSync(file, k8s('stdout', 'r2'));
    await until(() => texts().length >= 2, 'a line appended to the new file');
    await f.finish();
    assert.deepEqual(texts(), ['r1', 'r2']);
  });

  test('lines written just before a rotation are read from the old file before the new one', async () => {
    // conmon appends, then renames a fresh file over the log, faster than a read comes round
    const file = newFile(k8s('stdout', 'before'));
    const { f, texts } = await follow(file);
    await new Promise((r) => setTimeout(r, 50));
    fs.appendFileSync(file, k8s('stdout', 'last of the old file'));
    const next = `${file}.tmp`;
    fs.writeFileSync(next, k8s('stdout', 'first of the new file'));
    fs.renameSync(next, file);
    await until(() => texts().length >= 2, 'both lines');
    await f.finish();
    assert.deepEqual(texts(), ['last of the old file', 'first of the new file']);
  });

  test('a rotation between readLog and the follower\'s start: the new file is read from its top', async () => {
    const file = newFile(k8s('stdout', 'a line long enough that the new file is shorter than its offset... or not'));
    const { offset, pending, ino } = await readLog(file, {});
    const next = `${file}.tmp`;
    fs.writeFileSync(next, k8s('stdout', 'n1') + k8s('stdout', 'n2') + k8s('stdout', 'n3'));
    fs.renameSync(next, file);
    const got: LogLineT[] = [];
    const f = new LogFollower(file, offset, undefined, (l) => got.push(l), pending, ino);
    f.start();
    await until(() => got.length >= 3, 'the new file from its top');
    await f.finish();
    assert.deepEqual(got.map((l) => l.text), ['n1', 'n2', 'n3']);
  });

  test('rotation to a new file already longer than the offset also starts from its top', async () => {
    const file = newFile(k8s('stdout', 'old'));
    const { f, texts } = await follow(file);
    fs.appendFileSync(file, k8s('stdout', 'old 2'));
    await until(() => texts().length >= 1, 'old 2');
    const next = `${file}.tmp`;
    fs.writeFileSync(next, k8s('stdout', 'n1') + k8s('stdout', 'n2') + k8s('stdout', 'n3') + k8s('stdout', 'n4'));
    fs.renameSync(next, file);
    await until(() => texts().length >= 5, 'the new file\'s lines');
    await f.finish();
    assert.deepEqual(texts(), ['old 2', 'n1', 'n2', 'n3', 'n4']);
  });

  test('finish() reads what is left, then nothing more arrives', async () => {
    const file = newFile('');
    const { f, texts } = await follow(file);
    fs.appendFileSync(file, k8s('stdout', 'last'));
    await f.finish();
    assert.deepEqual(texts(), ['last']);
    fs.appendFileSync(file, k8s('stdout', 'after stop'));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(texts(), ['last']);
  });

  test('a file that does not exist yet: finish() reads what came meanwhile', async () => {
    const file = path.join(tmp(), `late-${++n}`);
    const got: LogLineT[] = [];
    const f = new LogFollower(file, 0, undefined, (l) => got.push(l));
    f.start();
    fs.writeFileSync(file, k8s('stdout', 'late'));
    await f.finish();
    assert.deepEqual(got, [out('late')]);
  });
});
