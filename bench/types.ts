// The shapes shared by the bench's modules: what a compared tool (corral or a
// peer) offers to the measurements, and the JSON written to
// bench/results/latest.json. A figure that could not be measured is never a
// number: it is `{skipped}` (not asked for in this mode, or not applicable to
// that tool) or `{failed}` with the reason, so that a reader of the JSON or the
// table always sees why a figure is missing.
import type { MonitorMemory } from './memory.js';
import type { Summary } from './stats.js';

export type ToolName = 'corral' | 'runc' | 'containerd' | 'podman';
export const TOOLS: ToolName[] = ['corral', 'runc', 'containerd', 'podman'];

interface Skipped {
  skipped: string;
}
interface Failed {
  failed: string;
}
export type Outcome<T> = T | Skipped | Failed;

export function isMeasured<T extends object>(o: Outcome<T> | undefined): o is T {
  return o !== undefined && !('skipped' in o) && !('failed' in o);
}

/** One way of running a container to its exit, timed as a whole by the caller. */
interface RunToExitVariant {
  /** What a user types or calls, for the table: "runc run", "ctr run --rm", "socket client". */
  label: string;
  run(id: string): Promise<void>;
}

/** Long-running containers: start, stop, delete, and the processes that cost memory meanwhile. */
export interface Lifecycle {
  /** How each phase is carried out, recorded beside the figures. */
  how: { start: string; stop: string; delete: string };
  start(id: string): Promise<void>;
  /** SIGKILL each container and return once all have exited. */
  stopAll(ids: string[]): Promise<void>;
  removeAll(ids: string[]): Promise<void>;
  /** The per-container monitor processes now alive (conmon, containerd-shim-runc-v2). */
  monitorPids(): Promise<number[]>;
  /** The daemon's pid, or null for a daemonless tool. */
  daemonPid(): number | null;
}

export interface Subject {
  name: ToolName;
  version: string;
  /** What a reader of the figures must know about how this tool was run (a workaround, a caveat). */
  notes?: string[];
  runToExit: RunToExitVariant[];
  lifecycle?: Lifecycle;
  /** Stops every container and process this subject started; safe to call twice and after a failed setup. */
  close(): Promise<void>;
}

export interface ConcurrentResult {
  containers: number;
  startMs: number;
  stopMs: number;
  deleteMs: number;
  how: Lifecycle['how'];
}

export interface MemoryResult {
  containers: number;
  /** null: the tool has no daemon (podman). */
  daemonIdleKiB: number | null;
  /** The peak of several readings over a second with the containers running. */
  daemonLoadedKiB: number | null;
  /** The peak of readings every 100 ms from before the first start to the end of that second. */
  daemonPeakKiB: number | null;
  monitor: MonitorMemory;
}

export interface ApiResult {
  /** container.list latency in ms, keyed by the number of containers on record. */
  list: Record<string, Summary & { listed: number }>;
  /** daemon.version requests per second, keyed by the number of concurrent connections: the median of the rounds. */
  versionRps: Record<string, { requests: number; seconds: number; rps: number; rounds: number[] }>;
}

export interface RecoveryResult {
  containers: number;
  /** From spawning corrald to its socket accepting a connection. */
  connectMs: number;
  /** From spawning corrald to the answer of the first request (container.list). */
  firstAnswerMs: number;
  /** How many containers that first answer listed. */
  listed: number;
}

export interface ToolResult {
  version: string | null;
  notes?: string[];
  /** The daemon's RSS right after it came up and answered (containerd: after the image import); null: no daemon. */
  daemonStartKiB?: number | null;
  runToExit: Record<string, Outcome<Summary>>;
  concurrent: Outcome<ConcurrentResult>;
  memory: Outcome<MemoryResult>;
  api: Outcome<ApiResult>;
  recovery: Outcome<RecoveryResult>;
}

export interface Params {
  runs: number;
  concurrent: number;
  memoryContainers: number;
  listRecords: number[];
  rpsConnections: number[];
  rpsSeconds: number;
  recoveryContainers: number;
}

export interface Results {
  schema: 1;
  mode: 'full' | 'quick';
  date: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; kernel: string; node: string; cgroup: string };
  /** 1-minute load average at the start and the end: other work on the machine shows here. */
  loadAverage: { start: number; end: number };
  params: Params;
  tools: Record<ToolName, ToolResult>;
}
