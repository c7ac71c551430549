// The socket client that `corral`, `corral call`, the tests and the bench share:
// one Unix-socket connection speaking newline-delimited JSON-RPC 2.0, with
// requests typed by the schemas of ./api.ts. Errors come back as CorralError
// (rebuilt from the response's code and data.reason); notifications are handed
// to listeners by method name. Reconnecting is the caller's policy, not this
// module's: it reports 'close' and stops.
import net from 'node:net';
import { EventEmitter } from 'node:events';
import type { MethodName, ParamsOf, ResultOf, NotificationName, NotificationOf } from './api.js';
import { CorralError, fromRpcError } from './errors.js';
import { onLines } from './lines.js';

export const DEFAULT_STATE_DIR = '/run/corral';
export const DEFAULT_SOCKET = `${DEFAULT_STATE_DIR}/corrald.sock`;
/** The read-only socket corrald opens beside the main one unless told `--ro-socket none`. */
export const DEFAULT_RO_SOCKET = `${DEFAULT_STATE_DIR}/corrald-ro.sock`;
/** How long connect() waits for the daemon to accept before failing. */
const CONNECT_TIMEOUT_MS = 5000;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
}

export interface RequestOptions {
  /** Give up locally after this long (the daemon may still carry the call out). */
  timeoutMs?: number;
}

export class Client extends EventEmitter {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    super();
    onLines(socket, (line) => this.onLine(line));
    socket.on('close', () => this.onClose());
    socket.on('error', (err) => this.emit('socket-error', err));
  }

  static connect(path = DEFAULT_SOCKET, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new CorralError('unavailable', `corrald at ${path} did not accept a connection within ${timeoutMs} ms; is it running?`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new Client(socket));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(connectError(path, err));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  request<M extends MethodName>(method: M, params?: ParamsOf<M>, options: RequestOptions = {}): Promise<ResultOf<M>> {
    return this.rawRequest(method, params ?? {}, options) as Promise<ResultOf<M>>;
  }

  /** For `corral call` and tests: any method name, any params, no typing. */
  rawRequest(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new CorralError('unavailable', 'the connection to corrald is closed; reconnect'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const entry: Pending = { resolve, reject };
      if (options.timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new CorralError('timeout', `${method} got no answer within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      this.pending.set(id, entry);
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  onNotification<N extends NotificationName>(method: N, listener: (params: NotificationOf<N>) => void): () => void {
    this.on(`notification:${method}`, listener);
    return () => this.off(`notification:${method}`, listener);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.emit('protocol-error', new Error(`corrald sent a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) this.dispatch(m as Record<string, unknown>);
  }

  private dispatch(m: Record<string, unknown>): void {
    if (typeof m.method === 'string' && m.id === undefined) {
      this.emit(`notification:${m.method}`, m.params);
      this.emit('notification', m.method, m.params);
      return;
    }
    let id = typeof m.id === 'number' ? m.id : undefined;
    // corrald answers a line it could not read (too long, not JSON) with id null: with one request
    // outstanding that line was it, and its caller must hear so rather than wait forever
    if (m.id === null && m.error && this.pending.size === 1) id = this.pending.keys().next().value;
    const entry = id !== undefined ? this.pending.get(id) : undefined;
    if (!entry) {
      if (m.error) this.emit('protocol-error', fromRpcError(m.error as { code: number; message: string }));
      return;
    }
    this.pending.delete(id!);
    if (entry.timer) clearTimeout(entry.timer);
    if (m.error) entry.reject(fromRpcError(m.error as { code: number; message: string; data?: unknown }));
    else entry.resolve(m.result);
  }

  private onClose(): void {
    this.closed = true;
    for (const [, entry] of this.pending) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(new CorralError('unavailable', 'corrald closed the connection before answering; is it still running?'));
    }
    this.pending.clear();
    this.emit('close');
  }
}

function connectError(path: string, err: NodeJS.ErrnoException): CorralError {
  const hint =
    err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
      ? 'start it with `corrald` (or `npm start`), or pass --socket'
      : err.code === 'EACCES'
        ? 'run as root or as a member of the socket\'s group (corrald --group)'
        : 'check the path given with --socket';
  return new CorralError('unavailable', `cannot connect to corrald at ${path} (${err.code ?? err.message}): ${hint}`, { cause: err });
}
