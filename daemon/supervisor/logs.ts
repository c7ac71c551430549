// Reading conmon's k8s-file logs: `TIME STREAM F|P TEXT` per chunk, where P
// chunks are joined with the following ones of the same stream up to an F.
// readLog answers process.logs (tail, stream filter); LogFollower streams
// lines appended after that answer (inotify on the file, reading from the last
// offset) until it is stopped. conmon may rotate the file (--log-size-max):
// a file shorter than the offset, or another file renamed over the log (how
// conmon rotates), is read again from its start.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { LogLineT } from '../../shared/api.js';

/** Past this, only the end of a log is read for process.logs: a tail never needs more. */
const MAX_LOG_READ_BYTES = 16 * 1024 * 1024;

export interface Chunk {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

export function parseChunk(line: string): Chunk | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
  if (!m) return undefined;
  return { time: m[1], stream: m[2] as Chunk['stream'], partial: m[3] === 'P', text: m[4] };
}

/** Turns raw k8s-file text into lines; partial chunks carry over in PENDING between calls. */
export function parseLog(text: string, pending: Map<string, Chunk> = new Map()): LogLineT[] {
  const out: LogLineT[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const c = parseChunk(raw);
    if (!c) continue;
    const prev = pending.get(c.stream);
    const joined = prev ? { ...prev, text: prev.text + c.text, partial: c.partial } : c;
    if (joined.partial) {
      pending.set(c.stream, joined);
      continue;
    }
    pending.delete(c.stream);
    out.push({ time: joined.time, stream: joined.stream, text: joined.text });
  }
  return out;
}

export interface LogQuery {
  stream?: 'stdout' | 'stderr';
  tail?: number;
}

/** The first window a tail reads from the end of a log; it grows fourfold until it holds the lines asked for. */
const TAIL_FIRST_READ_BYTES = 64 * 1024;
/** Log reads at once, daemon-wide: each may hold MAX_LOG_READ_BYTES several times over (bytes, text, lines). */
const MAX_CONCURRENT_LOG_READS = 2;

/** A counting gate: at most N tasks run, the rest wait in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

const logReads = new Slots(MAX_CONCURRENT_LOG_READS);

export interface LogRead {
  lines: LogLineT[];
  /** Where a follower goes on: the end of the whole lines read. */
  offset: number;
  /** Partial chunks at the offset, which a follower needs to finish those lines. */
  pending: Map<string, Chunk>;
  /** The file read (a rotation swaps it for another under the same name); absent when there was none. */
  ino?: number;
}

/**
 * The lines of a log for process.logs. PENDING holds the partial chunks at
 * OFFSET (the end of the whole lines read): a follower starting there needs
 * them to finish those lines. A tail reads from the end only as far as it
 * needs; anything else reads at most the last MAX_LOG_READ_BYTES.
 */
export function readLog(file: string, q: LogQuery): Promise<LogRead> {
  return logReads.run(() => readLogNow(file, q));
}

async function readLogNow(file: string, q: LogQuery): Promise<LogRead> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], offset: 0, pending: new Map() };
    throw err;
  }
  try {
    const { size, ino } = await fh.stat();
    for (let window = q.tail === undefined ? MAX_LOG_READ_BYTES : TAIL_FIRST_READ_BYTES; ; window *= 4) {
      const start = Math.max(0, size - Math.min(window, MAX_LOG_READ_BYTES));
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      // only whole lines: the last one may still be being written
      const whole = buf.subarray(0, buf.lastIndexOf(0x0a) + 1);
      // a window that starts mid-line drops that line's head
      const text = (start > 0 ? whole.subarray(whole.indexOf(0x0a) + 1) : whole).toString('utf8');
      const pending = new Map<string, Chunk>();
      let lines = parseLog(text, pending);
      if (q.stream) lines = lines.filter((l) => l.stream === q.stream);
      // one line more than asked: the first may be the end of a longer line cut by the window
      const enough = q.tail === undefined || start === 0 || window >= MAX_LOG_READ_BYTES || lines.length > q.tail;
      if (!enough) continue;
      if (q.tail !== undefined) lines = q.tail === 0 ? [] : lines.slice(-q.tail);
      return { lines, offset: start + whole.length, pending, ino };
    }
  } finally {
    await fh.close();
  }
}

/**
 * The last BYTES bytes a process wrote, rebuilt from its log (a full chunk
 * gave its text and a newline, a partial one its text alone), for
 * process.attach's tail: what a terminal showed before the attach. Bytes,
 * not text, so a terminal's escape sequences and any encoding pass as written.
 */
export function readLogTail(file: string, bytes: number): Promise<Buffer> {
  return logReads.run(async () => {
    const fh = await fsp.open(file, 'r').catch(() => undefined);
    if (!fh) return Buffer.alloc(0);
    try {
      const { size } = await fh.stat();
      // each chunk carries ~40 bytes of time and stream besides its text
      const start = Math.max(0, size - Math.min(MAX_LOG_READ_BYTES, bytes * 4 + TAIL_FIRST_READ_BYTES));
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      const parts: Buffer[] = [];
      // a window that starts mid-line drops that line's head
      let at = start > 0 ? buf.indexOf(0x0a) + 1 : 0;
      if (start > 0 && at === 0) return Buffer.alloc(0);
      for (;;) {
        const nl = buf.indexOf(0x0a, at);
        if (nl < 0) break;
        const line = buf.subarray(at, nl);
        at = nl + 1;
        // TIME STREAM F|P TEXT
        const s1 = line.indexOf(0x20);
        const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
        if (s2 < 0) continue;
        const tag = line[s2 + 1];
        parts.push(line.subarray(Math.min(line.length, s2 + 3)));
        if (tag === 0x46 /* F */) parts.push(NEWLINE);
      }
      const all = Buffer.concat(parts);
      return all.subarray(Math.max(0, all.length - bytes));
    } finally {
      await fh.close();
    }
  });
}
const NEWLINE = Buffer.from('\n');

export class LogFollower {
  private watcher: fs.FSWatcher | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** The file being read, held open across rotations; ino says which file the name pointed to. */
  private fh: fsp.FileHandle | undefined;

  constructor(
    private readonly file: string,
    private offset: number,
    private readonly stream: LogQuery['stream'],
    private readonly onLine: (line: LogLineT) => void,
    private readonly pending: Map<string, Chunk> = new Map(),
    /** The file readLog read (its ino), so a rotation before start is noticed. */
    private ino?: number,
  ) {}

  start(): void {
    this.watch();
    this.kick();
  }

  /** A read started by a change: one that fails (the file rotated away mid-read) is retried by the next change or by finish. */
  private kick(): void {
    this.drain().catch(() => {});
  }

  private watch(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.stopped) return;
    try {
      this.watcher = fs.watch(this.file, { persistent: false }, (event) => {
        // conmon rotates by renaming a new file over the log: the watch must follow the name
        if (event === 'rename') this.watch();
        this.kick();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // no log file yet: nothing was written; the final drain on stop reads what comes
    }
  }

  /** Reads what is left, then stops: called when the process has exited. */
  async finish(): Promise<void> {
    await this.drain();
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    // a read in progress closes it when it is done (open() and readMore() look at stopped)
    if (!this.reading) void this.closeHeld();
  }

  /** Reads to the end of the file; a call during a read makes that read go round once more and waits for it. */
  private drain(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.again = false;
          await this.readMore();
        } while (this.again && !this.stopped);
      } finally {
        this.reading = undefined;
        if (this.stopped) await this.closeHeld();
      }
    })();
    return this.reading;
  }

  /**
   * Reads on from the offset. conmon rotates by renaming a fresh file over
   * the log; the old file stays readable through the handle held here, so
   * its last lines are read before going on with the new one from its top.
   */
  private async readMore(): Promise<void> {
    if (!this.fh && !(await this.open())) return;
    await this.readHeld();
    const named = await fsp.stat(this.file).catch(() => undefined);
    if (!named || named.ino === this.ino || this.stopped) return;
    await this.readHeld();
    await this.closeHeld();
    this.offset = 0;
    this.pending.clear();
    if (await this.open()) await this.readHeld();
  }

  private async open(): Promise<boolean> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(this.file, 'r');
    } catch {
      return false; // no log yet: nothing was written
    }
    const { ino } = await fh.stat();
    if (this.ino !== undefined && ino !== this.ino) {
      // rotated between readLog and here: its offset means nothing in this file
      this.offset = 0;
      this.pending.clear();
    }
    this.ino = ino;
    this.fh = fh;
    if (this.stopped) await this.closeHeld();
    return this.fh !== undefined;
  }

  private async closeHeld(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
  }

  /** Reads the held file from the offset to its last whole line. */
  private async readHeld(): Promise<void> {
    for (;;) {
      const fh = this.fh;
      if (!fh) return;
      const { size } = await fh.stat();
      if (size < this.offset) {
        // truncated in place: a partial chunk of what was there has no end in what comes
        this.offset = 0;
        this.pending.clear();
      }
      if (size === this.offset) return;
      const buf = Buffer.alloc(Math.min(size - this.offset, MAX_LOG_READ_BYTES));
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
      if (end === 0) return;
      this.offset += end;
      for (const line of parseLog(buf.subarray(0, end).toString('utf8'), this.pending)) {
        if (!this.stream || line.stream === this.stream) this.onLine(line);
      }
      if (this.offset >= size) return;
    }
  }
}
