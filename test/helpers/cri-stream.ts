// A client of the CRI streaming server as `crictl exec --transport websocket`
// and kubectl's WebSocket executor are: it upgrades the URL of an Exec or
// Attach with the v5.channel.k8s.io (or v4) subprotocol, gathers what each
// channel carries, sends stdin, resizes and closes stdin as channel
// messages, and reads the metav1.Status that ends the stream.
import WebSocket from 'ws';

const STREAM_TIMEOUT_MS = 15_000;

export interface Status {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
}

export class StreamClient {
  /** Bytes per channel, in order of arrival. */
  private readonly chunks = new Map<number, Buffer[]>();
  /** Every message as it came: [channel, length], for the tests of framing. */
  readonly messages: [number, number][] = [];
  private changed: (() => void)[] = [];
  closed = false;
  readonly done: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket) {
    this.done = new Promise((resolve) => ws.on('close', (code) => resolve({ code })));
    ws.on('close', () => {
      this.closed = true;
      this.wake();
    });
    ws.on('message', (data: Buffer) => {
      this.messages.push([data[0], data.length - 1]);
      const list = this.chunks.get(data[0]) ?? [];
      list.push(Buffer.from(data.subarray(1)));
      this.chunks.set(data[0], list);
      this.wake();
    });
  }

  /** Connects to URL; rejects with the HTTP status and body when the server refuses. */
  static open(url: string, protocols: string[] = ['v5.channel.k8s.io', 'v4.channel.k8s.io']): Promise<StreamClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols);
    const client = new StreamClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body.trim()}`), { statusCode: res.statusCode, body })));
      });
    });
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  text(channel: number): string {
    return Buffer.concat(this.chunks.get(channel) ?? []).toString('utf8');
  }

  send(channel: number, data: string | Buffer): void {
    this.ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  }

  resize(cols: number, rows: number): void {
    this.send(4, JSON.stringify({ Width: cols, Height: rows }));
  }

  /** v5: nothing more on stdin. */
  closeStdin(): void {
    this.ws.send(Buffer.from([255, 0]));
  }

  /** Waits until CHANNEL's text from offset FROM on matches WHAT; returns the whole text. */
  async waitFor(channel: number, what: RegExp, from = 0): Promise<string> {
    const deadline = Date.now() + STREAM_TIMEOUT_MS;
    for (;;) {
      const t = this.text(channel);
      if (what.test(t.slice(from))) return t;
      if (this.closed) throw new Error(`the stream closed before channel ${channel} showed ${what}; it holds ${JSON.stringify(t)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} on channel ${channel}; it holds ${JSON.stringify(t)}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 100);
        this.changed.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  /** The status on channel 3 once the server has closed the stream. */
  async status(): Promise<Status> {
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the stream did not end')), STREAM_TIMEOUT_MS).unref());
    await Promise.race([this.done, timer]);
    return JSON.parse(this.text(3)) as Status;
  }

  private wake(): void {
    for (const f of this.changed.splice(0)) f();
  }
}
