// A raw socket peer for protocol tests: writes exactly the bytes a test gives
// (split packets, garbage, partial lines) and hands back each line the daemon
// sends, parsed, in order.
import net from 'node:net';
import { onLines } from '../../shared/lines.js';

export class RawPeer {
  private lines: unknown[] = [];
  private waiting: ((v: unknown) => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    onLines(socket, (line) => {
      const msg = JSON.parse(line);
      const w = this.waiting.shift();
      if (w) w(msg);
      else this.lines.push(msg);
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    });
  }

  static connect(path: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ path, allowHalfOpen: true });
      s.once('connect', () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  send(text: string | Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(text, () => resolve()));
  }

  /** The next message from the daemon, or undefined if it closed; fails after TIMEOUTMS. */
  next(timeoutMs = 10_000): Promise<any> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no message from corrald within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((v) => {
        clearTimeout(t);
        resolve(v);
      });
    });
  }

  /** True if nothing arrives within MS. */
  async silentFor(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.lines.length === 0;
  }

  close(): void {
    this.socket.destroy();
  }
}
