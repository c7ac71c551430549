// corrald's second front door: the Kubernetes CRI (runtime.v1) over gRPC on a
// Unix socket (`--cri-socket`, mode 0660 with --group, like the API socket).
// This module only listens: grpc-js, the proto, the services and the
// streaming server of Exec and Attach (./grpc.ts) are loaded on the first CRI
// connection, so a host without kubelet pays nothing for them, and stop with
// the CRI.
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { bindUnixSocket } from '../server/unix-socket.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Loaded } from './grpc.js';

export interface CriServerOptions {
  socket: string;
  /** Where the streaming server of Exec and Attach listens (port 0: the kernel's pick). */
  stream: { host: string; port: number };
  group: string;
  sup: Supervisor;
  log: Logger;
}

export interface CriServer {
  close(): Promise<void>;
}

/**
 * Listens on the CRI socket at once, but loads grpc-js and the proto (about
 * 25 MiB of corrald's memory) only when the first client connects: a host
 * that never runs kubelet or crictl never pays for them. Connections that
 * come while it loads wait, then are handed to the gRPC server.
 */
export async function startCri(o: CriServerOptions): Promise<CriServer> {
  let grpcServer: Promise<Loaded> | undefined;
  const listener = net.createServer((socket) => {
    grpcServer ??= import('./grpc.js').then((g) => g.serveGrpc(o));
    grpcServer.then(
      (g) => g.inject(socket),
      (err: unknown) => {
        o.log.error({ err }, 'cannot start the CRI server; the next CRI connection tries again');
        grpcServer = undefined;
        socket.destroy();
      },
    );
  });
  await fsp.rm(o.socket, { force: true });
  await fsp.mkdir(path.dirname(o.socket), { recursive: true, mode: 0o711 });
  await bindUnixSocket(listener, o.socket, o.group);
  o.log.info({ socket: o.socket }, 'CRI listening');
  return {
    close: async () => {
      listener.close();
      const g = await grpcServer?.catch(() => undefined);
      await new Promise<void>((resolve) => (g ? g.server.tryShutdown(() => resolve()) : resolve()));
      await g?.stream.close();
    },
  };
}
