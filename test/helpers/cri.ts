// A CRI client as kubelet and crictl are: grpc-js over the vendored
// runtime.v1 proto, on corrald's --cri-socket. Each RPC is a promise; a
// failure is the gRPC error with its numeric code.
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import { protoPath } from '../../daemon/cri/grpc.js';
import type { Client } from '../../shared/client.js';
import { startDaemon, type DaemonHandle } from './daemon.js';
import { buildTestImages, scratch, startRegistry, type Registry, type TestImages } from './images.js';

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

export interface CriFixture {
  dir: string;
  reg: Registry;
  images: TestImages;
  d: DaemonHandle;
  cri: CriClient;
  api: Client;
  /** The busybox test image, in the registry and not yet pulled. */
  image: string;
  /** Stops corrald and the registry and removes the folder; the test closes the CRI client it holds last. */
  close(): Promise<void>;
}

/** What a CRI test stands on: the test images in a local registry, and a corrald allowed to pull from it over HTTP. */
export async function criFixture(name: string): Promise<CriFixture> {
  const dir = await scratch(name);
  const imgs = await buildTestImages(dir);
  const reg = await startRegistry(path.join(dir, 'registry'));
  reg.push(`oci:${imgs.base}`, 'corral/base:1');
  const d = await startDaemon({ extraArgs: ['--insecure-registries', reg.host] });
  return {
    dir,
    reg,
    images: imgs,
    d,
    cri: criClient(path.join(d.state, 'cri.sock')),
    api: await d.client(),
    image: `${reg.host}/corral/base:1`,
    close: async () => {
      await d.cleanup();
      await reg.stop();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
