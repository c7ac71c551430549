// The records corral keeps on disk for each container and each of its
// processes (state.json, process.json), as zod schemas so that load can tell
// a record of corral's from a torn or foreign file; and the runtime config
// corral derives from a user's bundle, which is what runc actually runs.
import path from 'node:path';
import { z } from 'zod';
import type { ParsedParamsOf } from '../../shared/api.js';
import { OciProcess, type OciSpecT } from '../oci/spec.js';

export const ContainerRecord = z.object({
  id: z.string(),
  bundle: z.string(),
  /** For a container from an image: which one (its bundle is then its own folder, rootfs an overlay on the image). */
  image: z.object({ ref: z.string(), digest: z.string() }).optional(),
  labels: z.record(z.string(), z.string()),
  createdAt: z.string(),
  bootId: z.string(),
  startedAt: z.string().optional(),
  exitStatus: z.number().int().optional(),
  exitedAt: z.string().optional(),
  exitReason: z.string().optional(),
  /** When corral last reported an OOM kill of the container. */
  oomReportedAt: z.string().optional(),
  /** The kernel's oom_kill counter of the container's memory cgroup at that report: each kill is reported once. */
  oomKills: z.number().int().optional(),
  /** The file that holds that counter, found from init's pid when it started (init may be the victim). */
  oomCounter: z.string().optional(),
});
export type ContainerRecordT = z.output<typeof ContainerRecord>;

export const ProcessRecord = z.object({
  id: z.string(),
  session: z.string(),
  spec: OciProcess,
  bootId: z.string(),
  startedAt: z.string(),
  pid: z.number().int().nullable(),
  pidStart: z.number().optional(),
  conmonPid: z.number().int().optional(),
  conmonStart: z.number().optional(),
  exitStatus: z.number().int().optional(),
  exitedAt: z.string().optional(),
  exitReason: z.string().optional(),
  /** Where conmon writes its output when not in its folder: a CRI container's log_directory/log_path. */
  logFile: z.string().optional(),
  /** Its stdin is a pipe fed through the attach socket (process.exec stdin: true); a terminal is spec.terminal. */
  stdin: z.boolean().optional(),
});
export type ProcessRecordT = z.output<typeof ProcessRecord>;

/** What an exec is given: process.exec's params but the container's id. */
export type ExecOptions = Omit<ParsedParamsOf<'process.exec'>, 'id'>;

/** The user's bundle path, kept in the runtime config so runc can tell it after state.json is lost. */
export const BUNDLE_ANNOTATION = 'org.corral.bundle';

/**
 * The user's config.json as runc must see it from corral's runtime bundle
 * (layout.runtimeBundle): the root filesystem and relative bind-mount sources
 * made absolute against the user's bundle, which stays untouched.
 */
export function runtimeConfig(spec: OciSpecT, bundle: string): OciSpecT {
  const bind = (m: { type?: string; options?: unknown }) => m.type === 'bind' || (Array.isArray(m.options) && m.options.some((o) => o === 'bind' || o === 'rbind'));
  return {
    ...spec,
    root: { ...spec.root, path: path.resolve(bundle, spec.root.path) },
    // runc reports annotations back: recovery reads the user's bundle here if state.json is lost
    annotations: { ...(spec.annotations as Record<string, string> | undefined), [BUNDLE_ANNOTATION]: bundle },
    ...(spec.mounts
      ? { mounts: spec.mounts.map((m) => (m.source && !path.isAbsolute(m.source) && bind(m) ? { ...m, source: path.resolve(bundle, m.source) } : m)) }
      : {}),
  };
}
