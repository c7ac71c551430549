// The detach keys of an attached terminal, Ctrl-P Ctrl-Q as docker and podman
// have them: a pure scanner over the bytes typed. A Ctrl-P is held back until
// the next byte says what it was: Ctrl-Q detaches (neither reaches the
// process), anything else sends the held Ctrl-P on with it, so a program that
// wants Ctrl-P (bash history, emacs) still gets it, one key late.
export const CTRL_P = 0x10;
export const CTRL_Q = 0x11;

export interface Scanned {
  /** What to send to the process now. */
  forward: Buffer;
  /** The detach keys were typed: detach, and send nothing after them. */
  detach: boolean;
}

export class DetachKeys {
  private held = false;

  feed(chunk: Buffer): Scanned {
    // the common case, typing and pasting: nothing to look at
    if (!this.held && !chunk.includes(CTRL_P)) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (this.held) {
        this.held = false;
        if (b === CTRL_Q) return { forward: Buffer.from(out), detach: true };
        out.push(CTRL_P);
        if (b === CTRL_P) {
          this.held = true;
          continue;
        }
        out.push(b);
        continue;
      }
      if (b === CTRL_P) this.held = true;
      else out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
