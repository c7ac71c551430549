// Newline-delimited framing with a cap: splits a byte stream into lines and
// reports any line longer than the cap once, skipping it up to the next
// newline, so one oversize message never costs the connection or the memory
// to hold it. Pure over its input; table-tested with split and merged packets.
export type Frame = { line: string } | { oversize: number };

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;
  private discarded = 0;

  constructor(private readonly maxBytes: number) {}

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
