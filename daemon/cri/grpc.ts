// The CRI's gRPC side, loaded by ./server.ts on the first connection to the
// CRI socket: grpc-js and proto-loader build the server from the vendored
// api.proto, each RPC maps onto runtime-service.ts and image-service.ts, each
// CorralError onto the status code kubelet expects (convert.ts), and an RPC
// corral does not serve answers UNIMPLEMENTED saying so. It lives apart from
// the listener so that corrald's bundle splits it, and the services' code,
// into a chunk an idle corrald never loads.
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { CorralError } from '../../shared/errors.js';
import { GrpcCode, grpcCode } from './convert.js';
import { CriImageService } from './image-service.js';
import { CriRecords } from './records.js';
import { CriRuntimeService } from './runtime-service.js';
import type { CriServerOptions } from './server.js';
import type { CriStreamServer } from './stream-server.js';

const PROTO_RELATIVE = path.join('shared', 'cri', 'api.proto');
/** proto-loader's reading of the proto: field names as written (snake_case), int64 as decimal strings, enums by name. */
const PROTO_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** The vendored proto, found from this file upwards: beside the sources, or beside dist/ in a build. */
export function protoPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, PROTO_RELATIVE);
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find ${PROTO_RELATIVE} above ${fileURLToPath(import.meta.url)}; reinstall corral`);
    dir = up;
  }
}

type Unary = (req: never) => unknown;
/** The gRPC server, once loaded, and the streaming server that came up with it. */
export interface Loaded {
  server: Grpc.Server;
  stream: CriStreamServer;
  inject: (socket: net.Socket) => void;
}

export async function serveGrpc(o: CriServerOptions): Promise<Loaded> {
  const grpc = await import('@grpc/grpc-js');
  const loader = await import('@grpc/proto-loader');
  const def = loader.loadSync(protoPath(), PROTO_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, { service: Grpc.ServiceDefinition }> } };
  const records = new CriRecords(o.sup.deps.layout);
  const dropped = await records.load((id) => o.sup.has(id));
  if (dropped.length) o.log.info({ dropped }, 'CRI records whose container is gone were dropped');
  const { CriStreamServer } = await import('./stream-server.js');
  const stream = await CriStreamServer.start({ ...o.stream, sup: o.sup, log: o.log });
  const runtime = new CriRuntimeService(o.sup, records, o.log, stream);
  const images = new CriImageService(o.sup);
  const served: Record<string, Record<string, Unary>> = {
    RuntimeService: {
      Version: () => runtime.version(),
      Status: () => runtime.status(),
      RunPodSandbox: (r) => runtime.runPodSandbox(r),
      StopPodSandbox: (r) => runtime.stopPodSandbox(r),
      RemovePodSandbox: (r) => runtime.removePodSandbox(r),
      PodSandboxStatus: (r) => runtime.podSandboxStatus(r),
      ListPodSandbox: (r) => runtime.listPodSandbox(r),
      CreateContainer: (r) => runtime.createContainer(r),
      StartContainer: (r) => runtime.startContainer(r),
      StopContainer: (r) => runtime.stopContainer(r),
      RemoveContainer: (r) => runtime.removeContainer(r),
      ListContainers: (r) => runtime.listContainers(r),
      ContainerStatus: (r) => runtime.containerStatus(r),
      ContainerStats: (r) => runtime.containerStats(r),
      ListContainerStats: (r) => runtime.listContainerStats(r),
      UpdateContainerResources: (r) => runtime.updateContainerResources(r),
      ReopenContainerLog: (r) => runtime.reopenContainerLog(r),
      ExecSync: (r) => runtime.execSync(r),
      Exec: (r) => runtime.exec(r),
      Attach: (r) => runtime.attach(r),
    },
    ImageService: {
      ListImages: (r) => images.listImages(r),
      ImageStatus: (r) => images.imageStatus(r),
      PullImage: (r) => images.pullImage(r),
      RemoveImage: (r) => images.removeImage(r),
      ImageFsInfo: () => images.imageFsInfo(),
    },
  };
  const server = new grpc.Server();
  for (const [name, impl] of Object.entries(served)) {
    const service = pkg.runtime.v1[name].service;
    server.addService(service, handlers(service, impl, name, o.log));
  }
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  o.log.info('CRI server loaded on its first connection');
  return { server, stream, inject: (socket) => injector.injectConnection(socket) };
}

/** One handler per RPC of SERVICE: what corral serves, and UNIMPLEMENTED with a sentence for the rest. */
function handlers(service: Grpc.ServiceDefinition, impl: Record<string, Unary>, serviceName: string, log: Logger): Grpc.UntypedServiceImplementation {
  const out: Grpc.UntypedServiceImplementation = {};
  for (const [method, d] of Object.entries(service)) {
    const fn = impl[method];
    if (d.responseStream) {
      out[method] = (call: Grpc.ServerWritableStream<unknown, unknown>) => {
        call.emit('error', { code: GrpcCode.UNIMPLEMENTED, details: `corral does not serve ${serviceName}/${method}` });
      };
      continue;
    }
    out[method] = (call: Grpc.ServerUnaryCall<unknown, unknown>, callback: Grpc.sendUnaryData<unknown>) => {
      if (!fn) {
        callback({ code: GrpcCode.UNIMPLEMENTED, details: `corral does not serve ${serviceName}/${method}; see corrald(8), CRI` });
        return;
      }
      Promise.resolve()
        .then(() => fn(call.request as never))
        .then(
          (res) => callback(null, res),
          (err: unknown) => {
            const status = toStatus(err);
            if (status.code === GrpcCode.INTERNAL || status.code === GrpcCode.UNKNOWN) log.warn({ err, method }, 'CRI call failed');
            else log.debug({ method, code: status.code, details: status.details }, 'CRI call refused');
            callback(status);
          },
        );
    };
  }
  return out;
}

function toStatus(err: unknown): { code: number; details: string } {
  if (err instanceof CorralError) return { code: grpcCode(err.reason), details: err.message };
  return { code: GrpcCode.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}
