// An attach as a test sees it: a process.attach subscription of a real
// corrald whose process.output notifications are gathered as bytes, with
// waits on what the process has written and on the end (its exit status or
// an overflow). Used by the terminal tests, which drive real conmon ptys.
import type { Client } from '../../shared/client.js';
import type { NotificationOf } from '../../shared/api.js';

const OUTPUT_TIMEOUT_MS = 15_000;

export class Attached {
  /** What arrived, in pieces: joined on demand, so a long stream costs its bytes once. */
  private chunks: Buffer[] = [];
  private joined = Buffer.alloc(0);
  /** Bytes so far, without joining them. */
  length = 0;
  end: NotificationOf<'process.output'> | undefined;
  private changed: (() => void)[] = [];
  private constructor(
    readonly client: Client,
    readonly subscription: string,
    readonly terminal: boolean,
  ) {}

  static async open(client: Client, id: string, processId = 'init', tail?: number): Promise<Attached> {
    // notifications may come in the same read as the reply: held until it names the subscription
    const held: { early: NotificationOf<'process.output'>[]; a?: Attached } = { early: [] };
    client.onNotification('process.output', (n) => {
      if (!held.a) held.early.push(n);
      else held.a.take(n);
    });
    const r = await client.request('process.attach', { id, processId, ...(tail !== undefined ? { tail } : {}) });
    const a = new Attached(client, r.subscription, r.terminal);
    held.a = a;
    for (const n of held.early) a.take(n);
    return a;
  }

  private take(n: NotificationOf<'process.output'>): void {
    if (n.subscription !== this.subscription) return;
    if (n.data) {
      const b = Buffer.from(n.data, 'base64');
      this.chunks.push(b);
      this.length += b.length;
    }
    if (n.end) this.end = n;
    for (const f of this.changed.splice(0)) f();
  }

  get out(): Buffer {
    if (this.chunks.length) this.joined = Buffer.concat([this.joined, ...this.chunks.splice(0)]);
    return this.joined;
  }

  get text(): string {
    return this.out.toString('utf8');
  }

  /** Waits until the output so far matches WHAT (from byte FROM on); returns it as text. */
  async waitFor(what: string | RegExp, from = 0, timeoutMs = OUTPUT_TIMEOUT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = this.out.subarray(from).toString('utf8');
      if (typeof what === 'string' ? t.includes(what) : what.test(t)) return t;
      if (this.end || Date.now() > deadline) throw new Error(`the output never showed ${String(what)}${this.end ? ' (the attach ended)' : ''}; it was:\n${JSON.stringify(t.slice(-2000))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.changed.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async waitEnd(timeoutMs = OUTPUT_TIMEOUT_MS): Promise<NotificationOf<'process.output'>> {
    const deadline = Date.now() + timeoutMs;
    while (!this.end) {
      if (Date.now() > deadline) throw new Error(`the attach did not end within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.changed.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.end;
  }

  type(id: string, processId: string, text: string | Buffer): Promise<unknown> {
    return this.client.request('process.input', { id, processId, data: Buffer.from(text).toString('base64') });
  }
}
