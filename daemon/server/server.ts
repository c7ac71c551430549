// The listening side: the main API socket and the read-only one, each mode
// 0660 with its group, inside a 0711 folder. A socket file left by a crashed
// daemon is replaced; a live one means another corrald owns this --state and
// this one refuses to start. Caps the number of connections over both.
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { CorralError } from '../../shared/errors.js';
import { Connection } from './connection.js';
import type { Dispatcher } from './dispatch.js';
import { errorLine } from './rpc-errors.js';
import { bindUnixSocket } from './unix-socket.js';

/** How long an existing socket has to answer a probe before it is called stale (a live corrald answers in milliseconds). */
const PROBE_TIMEOUT_MS = 1_000;

export interface ListenOptions {
  path: string;
  group: string;
  readOnly: boolean;
}

export interface ServerOptions {
  maxConnections: number;
  maxMessageBytes: number;
  maxSubscriptions: number;
  dispatcher: Dispatcher;
  log: Logger;
}

export class ApiServer {
  private servers: net.Server[] = [];
  private sockets = new Set<net.Socket>();
  private nextConn = 1;
  private paths: string[] = [];

  constructor(private readonly o: ServerOptions) {}

  get connections(): number {
    return this.sockets.size;
  }

  async listen(l: ListenOptions): Promise<void> {
    await fs.mkdir(path.dirname(l.path), { recursive: true, mode: 0o711 });
    await removeStaleSocket(l.path, this.o.log);
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket, l.readOnly));
    await bindUnixSocket(server, l.path, l.group);
    this.servers.push(server);
    this.paths.push(l.path);
    this.o.log.info({ socket: l.path, group: l.group, readOnly: l.readOnly }, 'listening');
  }

  private accept(socket: net.Socket, readOnly: boolean): void {
    if (this.sockets.size >= this.o.maxConnections) {
      // a client gone before the refusal is written (EPIPE, ECONNRESET) is no error of the daemon's
      socket.on('error', () => {});
      const e = new CorralError('limit_exceeded', `corrald already serves ${this.sockets.size} connections (--max-connections); close some and retry`);
      // destroyed once written: a refused client that never hangs up must not keep a descriptor past the limit
      socket.end(errorLine(null, e) + '\n', () => socket.destroy());
      return;
    }
    this.sockets.add(socket);
    const id = this.nextConn++;
    new Connection(socket, {
      id,
      readOnly,
      maxMessageBytes: this.o.maxMessageBytes,
      maxSubscriptions: this.o.maxSubscriptions,
      dispatcher: this.o.dispatcher,
      log: this.o.log,
      onClose: () => this.sockets.delete(socket),
    });
  }

  async close(): Promise<void> {
    for (const s of this.servers) s.close();
    for (const s of this.sockets) s.destroy();
    for (const p of this.paths) await fs.rm(p, { force: true });
  }
}

/**
 * A socket file left at P is replaced unless a corrald answers on it. A
 * connection the kernel accepts is not an answer: a corrald killed while it
 * spawned a monitor leaves a child inside execve(2) that holds the dead
 * daemon's listening socket until its close-on-exec descriptors are closed,
 * so a restart right after the crash would otherwise refuse to start.
 */
async function removeStaleSocket(p: string, log: Logger): Promise<void> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new CorralError('invalid_state', `${p} exists and is not a socket; move it away or pass another --socket`);
  const probe = await probeSocket(p);
  if (probe === 'answered') throw new CorralError('already_exists', `another corrald is already serving ${p}; stop it first or use another --state`);
  if (probe === 'silent') log.warn({ socket: p }, `the old socket accepted a connection but nothing answered within ${PROBE_TIMEOUT_MS} ms (a crashed corrald's descriptor still held by a child in exec); replacing it`);
  await fs.rm(p, { force: true });
}

/** What is behind a socket file: nothing listening, a listener that never answers, or a server that answers. */
function probeSocket(p: string): Promise<'refused' | 'silent' | 'answered'> {
  return new Promise((resolve) => {
    let accepted = false;
    const c = net.createConnection({ path: p });
    const done = (r: 'refused' | 'silent' | 'answered') => {
      clearTimeout(t);
      c.destroy();
      resolve(r);
    };
    const t = setTimeout(() => done(accepted ? 'silent' : 'refused'), PROBE_TIMEOUT_MS);
    c.once('connect', () => {
      accepted = true;
      c.write(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'daemon.version' }) + '\n');
    });
    // any reply at all is a server: corral's own, or something else that owns the path
    c.once('data', () => done('answered'));
    c.once('error', () => done(accepted ? 'silent' : 'refused'));
    c.once('close', () => done(accepted ? 'silent' : 'refused'));
  });
}

