// The daemon.* and rpc.discover methods: versions, where corrald keeps its
// files, container counts, and the OpenRPC document generated from the schemas.
import os from 'node:os';
import { API_VERSION } from '../../shared/api.js';
import { openrpcDocument } from '../../shared/openrpc.js';
import { VERSION } from '../../shared/version.js';
import type { DaemonContext, Handlers } from './types.js';

export function daemonMethods(d: DaemonContext): Pick<Handlers, 'daemon.version' | 'daemon.info' | 'rpc.discover'> {
  let discover: Record<string, unknown> | undefined;
  return {
    'daemon.version': async () => ({ version: VERSION, apiVersion: API_VERSION, ...(await d.versions()) }),
    'daemon.info': () => ({
      pid: process.pid,
      root: d.config.root,
      state: d.config.state,
      socket: d.config.socket,
      ...(d.config.roSocket ? { readOnlySocket: d.config.roSocket } : {}),
      uptimeSeconds: Math.round((Date.now() - d.startedAt) / 1000),
      logSizeMax: d.config.logSizeMax,
      machine: { cpus: os.cpus().length, memoryBytes: os.totalmem() },
      containers: d.sup.counts(),
    }),
    'rpc.discover': () => (discover ??= openrpcDocument(VERSION)),
  };
}
