// The CRI's streaming server, as kubelet and containerd have one: Exec and
// Attach answer with a URL on it (http://HOST:PORT/exec/TOKEN), and the
// client (crictl --transport websocket, or kubelet on kubectl's behalf)
// upgrades that URL to a WebSocket speaking v5.channel.k8s.io or
// v4.channel.k8s.io. It listens on 127.0.0.1 at a port the kernel picks
// unless --cri-stream-address says otherwise, starts and stops with the CRI,
// and hands each accepted socket to a StreamSession. A token is good for one
// connection within a minute (stream-tokens.ts); anything else is refused
// with an HTTP status and a sentence before any process is touched.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Supervisor } from '../supervisor/supervisor.js';
import { pickProtocol, STREAM_PROTOCOLS } from './remotecommand.js';
import { StreamSession, type StreamRequest } from './stream-session.js';
import { StreamTokens, TOKEN_TTL_MS } from './stream-tokens.js';

/** The largest client message taken: kubectl sends stdin in 32 KiB pieces. */
const MAX_CLIENT_MESSAGE_BYTES = 1024 * 1024;
const PATH_PATTERN = /^\/(exec|attach)\/([A-Za-z0-9_-]+)$/;
const NOT_WEBSOCKET = `corral's CRI streaming server speaks WebSocket only, with the subprotocol ${STREAM_PROTOCOLS.join(' or ')}; SPDY is not served (crictl: --transport websocket)`;

export interface StreamServerOptions {
  host: string;
  port: number;
  sup: Supervisor;
  log: Logger;
}

export class CriStreamServer {
  private readonly tokens = new StreamTokens<StreamRequest>();
  private readonly sockets = new Set<WebSocket>();
  private readonly http: http.Server;
  /** http://HOST:PORT, as clients reach it. */
  base = '';

  private constructor(
    private readonly o: StreamServerOptions,
    private readonly wss: WebSocketServer,
  ) {
    this.http = http.createServer((req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`${NOT_WEBSOCKET}\n`);
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  static async start(o: StreamServerOptions): Promise<CriStreamServer> {
    // ws is loaded here, with the CRI, like grpc-js: a corrald with --no-cri never reads it
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false, handleProtocols: (offered) => pickProtocol(offered) ?? false });
    const s = new CriStreamServer(o, wss);
    await new Promise<void>((resolve, reject) => {
      s.http.once('error', reject);
      s.http.listen(o.port, o.host, () => {
        s.http.off('error', reject);
        resolve();
      });
    });
    const addr = s.http.address() as { address: string; port: number };
    s.base = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
    o.log.info({ url: s.base }, 'CRI streaming server listening');
    return s;
  }

  /** The URL at which REQUEST will be served, once, within TOKEN_TTL_MS. */
  url(request: StreamRequest): string {
    return `${this.base}/${request.kind}/${this.tokens.issue(request)}`;
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const m = PATH_PATTERN.exec(new URL(req.url ?? '/', 'http://corral').pathname);
    if (!m) return reject(socket, 404, 'corral streams at /exec/TOKEN and /attach/TOKEN only');
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') return reject(socket, 400, NOT_WEBSOCKET);
    const protocol = pickProtocol((req.headers['sec-websocket-protocol'] ?? '').split(','));
    if (!protocol) return reject(socket, 400, `offer one of the subprotocols ${STREAM_PROTOCOLS.join(', ')} (Sec-WebSocket-Protocol)`);
    const request = this.tokens.take(m[2]);
    if (!request || request.kind !== m[1]) {
      return reject(socket, 404, `the token is unknown, used or expired: a URL serves one connection within ${TOKEN_TTL_MS / 1000} s of its ${m[1] === 'exec' ? 'Exec' : 'Attach'} call; ask again`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      this.o.log.debug({ id: request.containerId, kind: request.kind, protocol }, 'CRI stream opened');
      new StreamSession(ws, protocol, request, this.o.sup, this.o.log).start();
    });
  }

  /** Stops listening and ends every stream; the processes of execs are cleaned up by their sessions. */
  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    // an idle keep-alive connection (a refused plain GET) would hold close() for its timeout
    this.http.closeAllConnections();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }
}


function reject(socket: Duplex, code: number, message: string): void {
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
