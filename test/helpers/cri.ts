// A CRI client as kubelet and crictl are: grpc-js over the vendored
// runtime.v1 proto, on corrald's --cri-socket. Each RPC is a promise; a
// failure is the gRPC error with its numeric code.
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import { protoPath } from '../../daemon/cri/server.js';

// the CRI's messages as proto-loader gives them: the tests read the fields they know
type Rpc = (req?: Record<string, unknown>) => Promise<Record<string, any>>;

export interface CriClient {
  runtime: Record<string, Rpc>;
  image: Record<string, Rpc>;
  close(): void;
}

export function criClient(socket: string): CriClient {
  const def = loader.loadSync(protoPath(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, grpc.ServiceClientConstructor> } };
  const make = (name: string) => {
    const client = new pkg.runtime.v1[name](`unix://${socket}`, grpc.credentials.createInsecure());
    const rpcs = new Proxy({} as Record<string, Rpc>, {
      get: (_, method: string) => (req: Record<string, unknown> = {}) =>
        new Promise((resolve, reject) => {
          (client as unknown as Record<string, (r: unknown, cb: (e: Error | null, res: Record<string, unknown>) => void) => void>)[method](req, (e, res) => (e ? reject(e) : resolve(res)));
        }),
    });
    return { client, rpcs };
  };
  const rt = make('RuntimeService');
  const im = make('ImageService');
  return {
    runtime: rt.rpcs,
    image: im.rpcs,
    close: () => {
      rt.client.close();
      im.client.close();
    },
  };
}

/** A gRPC failure's status code, or "ok". */
export async function grpcCode(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code: number }).code;
  }
}

/** Parses the CRI log format: `RFC3339Nano stream P|F text` per line. */
export function parseCriLog(text: string): { time: string; stream: string; tag: string; text: string }[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S+) (stdout|stderr) ([PF]) (.*)$/.exec(line);
      if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(line)}`);
      return { time: m[1], stream: m[2], tag: m[3], text: m[4] };
    });
}
