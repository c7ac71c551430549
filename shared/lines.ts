// The one line reader of corral's wire, used by corrald's connections, by
// shared/client.ts and by the tests' socket peers: it splits a byte stream
// into newline-delimited lines in time linear in the bytes, however they are
// chunked. Each chunk is scanned for newlines once, from where the last scan
// stopped, and a line's pieces are joined and decoded once, at its newline, so
// a multi-megabyte message in 64 KiB chunks costs what its bytes cost and a
// UTF-8 character split across chunks comes out whole. With a cap (the
// daemon's --max-message-bytes) a longer line is reported once and skipped up
// to the next newline, so one oversize message never costs the connection or
// the memory to hold it. Pure over its input; table-tested with split and
// merged packets.
import type { Readable } from 'node:stream';

export type Frame = { line: string } | { oversize: number };

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;
  private discarded = 0;

  /** MAXBYTES caps a line's length, newline and CR excluded; a reader of corrald's own replies needs none. */
  constructor(private readonly maxBytes = Infinity) {}

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.discarding) {
        this.discarded += piece.length;
      } else if (this.size + piece.length > this.maxBytes) {
        this.discarding = true;
        this.discarded = this.size + piece.length;
        this.parts = [];
        this.size = 0;
      } else if (piece.length) {
        this.parts.push(piece);
        this.size += piece.length;
      }
      if (nl < 0) break;
      if (this.discarding) {
        frames.push({ oversize: this.discarded });
        this.discarding = false;
        this.discarded = 0;
      } else {
        const line = Buffer.concat(this.parts, this.size).toString('utf8').replace(/\r$/, '');
        if (line.trim()) frames.push({ line });
      }
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
    return frames;
  }

  /** What is left when the peer closes: a last line without a newline still counts. */
  end(): Frame[] {
    if (this.discarding) return [{ oversize: this.discarded }];
    const rest = Buffer.concat(this.parts, this.size).toString('utf8');
    this.parts = [];
    this.size = 0;
    return rest.trim() ? [{ line: rest }] : [];
  }
}

/**
 * Calls ONLINE with every non-blank line STREAM yields, a last one without a
 * newline included, for readers without a cap. STREAM is best left without
 * an encoding: the splitter decodes whole lines itself, and a string chunk is
 * turned back into bytes first.
 */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  const splitter = new LineSplitter();
  const deliver = (frames: Frame[]) => {
    for (const f of frames) if ('line' in f) onLine(f.line);
  };
  stream.on('data', (chunk: Buffer | string) => deliver(splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
  stream.on('end', () => deliver(splitter.end()));
}
