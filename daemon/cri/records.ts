// What the CRI knows of a pod sandbox or a container beyond the corral
// container that is it: the CRI's metadata, labels and annotations, the
// sandbox it belongs to, its log path. One small JSON record per object under
// <root>/cri/, written atomically before the corral container is created and
// removed after it is deleted, so the corral container is the truth: a record
// whose container is gone (deleted through the JSON-RPC API, or a create a
// crash cut off) means nothing and is dropped, and the CRI lists nothing the
// supervisor does not.
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { Resources } from '../../shared/api.js';
import { readJson, writeJsonAtomic } from '../runtime/files.js';
import type { Layout } from '../runtime/layout.js';

const StringMap = z.record(z.string(), z.string());

const SandboxRecord = z.object({
  id: z.string(),
  metadata: z.object({ name: z.string(), uid: z.string(), namespace: z.string(), attempt: z.number().int() }),
  hostname: z.string(),
  logDirectory: z.string(),
  labels: StringMap,
  annotations: StringMap,
  createdAt: z.string(),
  /** The pod has the host's network (hostNetwork): its infra container has no network namespace. */
  hostNetwork: z.boolean(),
  runtimeHandler: z.string(),
});
export type SandboxRecordT = z.output<typeof SandboxRecord>;

const ContainerRecord = z.object({
  id: z.string(),
  sandboxId: z.string(),
  metadata: z.object({ name: z.string(), attempt: z.number().int() }),
  /** The image as the CRI named it, and the digest it resolved to. */
  image: z.string(),
  imageRef: z.string(),
  labels: StringMap,
  annotations: StringMap,
  logPath: z.string(),
  mounts: z.array(z.object({ containerPath: z.string(), hostPath: z.string(), readonly: z.boolean() })),
  createdAt: z.string(),
  /** The limits CreateContainer and UpdateContainerResources applied, which ContainerStatus reports. */
  resources: Resources.optional(),
  /** CreateContainer stdin_once: the first attach that ends closes the stdin pipe. */
  stdinOnce: z.boolean().optional(),
});
export type ContainerRecordT = z.output<typeof ContainerRecord>;

type Kind = 'sandboxes' | 'containers';

export class CriRecords {
  readonly sandboxes = new Map<string, SandboxRecordT>();
  readonly containers = new Map<string, ContainerRecordT>();

  constructor(private readonly layout: Layout) {}

  /** Reads every record; drops those whose corral container does not exist (EXISTS says). Returns what it dropped. */
  async load(exists: (id: string) => boolean): Promise<string[]> {
    const dropped: string[] = [];
    for (const kind of ['sandboxes', 'containers'] as const) {
      const dir = path.dirname(this.layout.criRecord(kind, 'x'));
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      for (const name of await fs.readdir(dir)) {
        const id = name.replace(/\.json$/, '');
        const file = path.join(dir, name);
        const raw = await readJson(file).catch(() => undefined);
        const parsed = kind === 'sandboxes' ? SandboxRecord.safeParse(raw) : ContainerRecord.safeParse(raw);
        if (!name.endsWith('.json') || !parsed.success || parsed.data.id !== id || !exists(id)) {
          await fs.rm(file, { force: true });
          dropped.push(name);
          continue;
        }
        if (kind === 'sandboxes') this.sandboxes.set(id, parsed.data as SandboxRecordT);
        else this.containers.set(id, parsed.data as ContainerRecordT);
      }
    }
    return dropped;
  }

  async putSandbox(r: SandboxRecordT): Promise<void> {
    await writeJsonAtomic(this.layout.criRecord('sandboxes', r.id), r);
    this.sandboxes.set(r.id, r);
  }

  async putContainer(r: ContainerRecordT): Promise<void> {
    await writeJsonAtomic(this.layout.criRecord('containers', r.id), r);
    this.containers.set(r.id, r);
  }

  async remove(kind: Kind, id: string): Promise<void> {
    (kind === 'sandboxes' ? this.sandboxes : this.containers).delete(id);
    await fs.rm(this.layout.criRecord(kind, id), { force: true });
  }
}
