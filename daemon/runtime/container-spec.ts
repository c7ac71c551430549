// The runtime spec a new container runs: a bundle's own config.json, or one
// built from an image's config (Entrypoint + Cmd, Env, WorkingDir, User) over
// the defaults `corral bundle create` writes; then the request's own fields
// (args, env, cwd, user, resources) over either, as podman's run flags do.
// Pure but for reading the image's /etc/passwd and /etc/group for a user name.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImageConfigT, ResourcesT } from '../../shared/api.js';
import { defaultSpec } from '../../shared/bundle.js';
import { errors } from '../../shared/errors.js';
import type { OciSpecT } from '../oci/spec.js';

export interface SpecOverrides {
  args?: string[];
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number; additionalGids?: number[] };
  resources?: ResourcesT;
  /** Init on a terminal that conmon holds (container.create terminal: true). */
  terminal?: boolean;
  /** What only the CRI gives (the JSON-RPC API does not): an image's Entrypoint replaced, a user by name, a pod's hostname, the namespaces it shares, bind mounts, annotations. */
  entrypoint?: string[];
  userName?: string;
  hostname?: string;
  namespaces?: NamespaceOverride[];
  mounts?: { destination: string; source: string; type: string; options: string[] }[];
  annotations?: Record<string, string>;
}

/** A namespace of the spec: a new one, one to join (path), or none of that type (absent: the host's). */
export type NamespaceOverride = { type: string; path?: string } | { type: string; absent: true };

/** The spec's namespaces with OVER's replacing those of the same type. */
export function mergeNamespaces(base: { type: string; path?: string }[], over: NamespaceOverride[]): { type: string; path?: string }[] {
  const types = new Set(over.map((n) => n.type));
  return [...base.filter((n) => !types.has(n.type)), ...over.filter((n): n is { type: string; path?: string } => !('absent' in n))];
}

/** Annotations that say which image a container's spec came from, so recovery can tell it without state.json. */
export const IMAGE_REF_ANNOTATION = 'org.corral.image.ref';
export const IMAGE_DIGEST_ANNOTATION = 'org.corral.image.digest';

const envName = (e: string) => e.slice(0, e.indexOf('='));

/** ENV with each of OVER's names replaced (or added, in OVER's order). */
export function mergeEnv(env: readonly string[], over: readonly string[]): string[] {
  const names = new Set(over.map(envName));
  return [...env.filter((e) => !names.has(envName(e))), ...over];
}

/** linux.resources of the spec from container.create's resources (the shape container.update takes). */
export function specResources(r: ResourcesT, base: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  if (r.memoryLimitBytes !== undefined) out.memory = { ...(base.memory as object), limit: r.memoryLimitBytes };
  const cpu: Record<string, number> = {};
  if (r.cpuShares !== undefined) cpu.shares = r.cpuShares;
  if (r.cpuQuota !== undefined) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod !== undefined) cpu.period = r.cpuPeriod;
  if (Object.keys(cpu).length) out.cpu = { ...(base.cpu as object), ...cpu };
  if (r.pidsLimit !== undefined) out.pids = { limit: r.pidsLimit };
  return out;
}

/** SPEC with the request's fields over its own. */
export function applyOverrides(spec: OciSpecT, o: SpecOverrides): OciSpecT {
  const linux = (spec.linux ?? {}) as Record<string, unknown>;
  const nextLinux = {
    ...linux,
    ...(o.resources ? { resources: specResources(o.resources, linux.resources as Record<string, unknown> | undefined) } : {}),
    ...(o.namespaces ? { namespaces: mergeNamespaces((linux.namespaces as { type: string; path?: string }[] | undefined) ?? [], o.namespaces) } : {}),
  };
  return {
    ...spec,
    process: {
      ...spec.process,
      ...(o.args ? { args: o.args } : {}),
      ...(o.env ? { env: mergeEnv(spec.process.env ?? [], o.env) } : {}),
      ...(o.cwd ? { cwd: o.cwd } : {}),
      ...(o.user ? { user: o.user } : {}),
      ...(o.terminal ? { terminal: true } : {}),
    },
    ...(o.hostname !== undefined ? { hostname: o.hostname } : {}),
    ...(o.mounts ? { mounts: [...(spec.mounts ?? []), ...o.mounts] } : {}),
    ...(o.annotations ? { annotations: { ...(spec.annotations as Record<string, string> | undefined), ...o.annotations } } : {}),
    ...(o.resources || o.namespaces ? { linux: nextLinux } : {}),
  };
}

export interface ImageSource {
  ref: string;
  digest: string;
  config: ImageConfigT;
  /** The image's unpacked root filesystem, for a user name's uid and gid. */
  rootfs: string;
}

/** The spec of container ID from an image; ARGS replace the image's Cmd (its Entrypoint stays), as in podman. */
export async function specFromImage(id: string, image: ImageSource, o: SpecOverrides): Promise<OciSpecT> {
  const cfg = image.config;
  // a new Entrypoint drops the image's Cmd too, as docker's --entrypoint does
  const command = [...(o.entrypoint ?? cfg.entrypoint ?? []), ...(o.args ?? (o.entrypoint ? [] : (cfg.cmd ?? [])))];
  if (command.length === 0) {
    throw errors.invalidParams(`image ${image.ref} names no command (no Entrypoint nor Cmd): give args`, [{ path: 'args', message: 'required: the image has no command' }]);
  }
  const base = defaultSpec({ hostname: id.slice(0, 63) }) as OciSpecT;
  const named = o.userName ?? cfg.user;
  const user = o.user ?? (named ? await imageUser(named, image.rootfs, image.ref) : base.process.user);
  const workdir = cfg.workdir && cfg.workdir.startsWith('/') ? cfg.workdir : '/';
  const spec: OciSpecT = {
    ...base,
    root: { path: 'rootfs', readonly: false },
    process: { ...base.process, args: command, env: mergeEnv(base.process.env ?? [], cfg.env ?? []), cwd: workdir, user },
    annotations: { [IMAGE_REF_ANNOTATION]: image.ref, [IMAGE_DIGEST_ANNOTATION]: image.digest },
  };
  return applyOverrides(spec, { ...o, args: undefined, user: undefined });
}

/** Parses an image's User (`uid`, `uid:gid`, `name`, `name:group`) against its passwd and group files; pure, table-tested. */
export function parseImageUser(user: string, passwd: string, group: string): { uid: number; gid: number } | string {
  const [u, g] = user.split(':', 2);
  const rows = (text: string) => text.split('\n').filter(Boolean).map((l) => l.split(':'));
  const numeric = (s: string) => /^\d+$/.test(s);
  let uid: number;
  let gid: number | undefined;
  if (numeric(u)) {
    uid = Number(u);
    const row = rows(passwd).find((r) => r[2] === u);
    if (row) gid = Number(row[3]);
  } else {
    const row = rows(passwd).find((r) => r[0] === u);
    if (!row) return `user ${u} is not in the image's /etc/passwd`;
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined) {
    if (numeric(g)) gid = Number(g);
    else {
      const row = rows(group).find((r) => r[0] === g);
      if (!row) return `group ${g} is not in the image's /etc/group`;
      gid = Number(row[2]);
    }
  }
  if (!Number.isInteger(uid) || (gid !== undefined && !Number.isInteger(gid))) return `user ${user} has no numeric uid/gid in the image`;
  return { uid, gid: gid ?? 0 };
}

/** Reads FILE inside ROOTFS only if it is a plain file under a real etc/: an image's symlink must not reach the host. */
async function imageFile(rootfs: string, name: string): Promise<string> {
  const etc = path.join(rootfs, 'etc');
  const etcSt = await fs.lstat(etc).catch(() => undefined);
  if (!etcSt?.isDirectory()) return '';
  const file = path.join(etc, name);
  const st = await fs.lstat(file).catch(() => undefined);
  return st?.isFile() ? fs.readFile(file, 'utf8') : '';
}

async function imageUser(user: string, rootfs: string, ref: string): Promise<{ uid: number; gid: number }> {
  const r = parseImageUser(user, await imageFile(rootfs, 'passwd'), await imageFile(rootfs, 'group'));
  if (typeof r === 'string') throw errors.invalidParams(`image ${ref}: ${r}; give user {uid, gid}`, [{ path: 'user', message: r }]);
  return r;
}
