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
/** The parts of a run `--only` can pick (besides tools): scale is long, and can be run alone. */
export type Phase = 'run' | 'concurrent' | 'memory' | 'api' | 'images' | 'profile' | 'scale';
export const PHASES: Phase[] = ['run', 'concurrent', 'memory', 'api', 'images', 'profile', 'scale'];

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
  /** The folders holding this tool's images and containers, for the disk figure (du -x). */
  diskDirs?: string[];
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
  /** How many containers that first answer listed, and how many of them as running. */
  listed: number;
  running?: number;
}

/** Disk added by N containers of one image (issue 14): du -x of the tool's folders before and after. */
export interface DiskResult {
  containers: number;
  beforeBytes: number;
  afterBytes: number;
  perContainerBytes: number;
  /** The first container's own folders ("root", "state") and their entries, in bytes (corral only). */
  oneContainer: Record<string, number>;
}

/** A pull of the bench image from a local registry: corrald's image.pull against skopeo copy alone (issue 14). */
export interface PullResult {
  rounds: number;
  imageBytes: number;
  corral: Summary;
  skopeo: Summary;
}

/** One hop of corral's run-to-exit, from the per-hop trace (./profile.ts). */
export interface HopResult {
  hop: string;
  /** ms since the client sent container.create: median over the runs. */
  atMs: number;
  /** ms since the latest of the hops it waits for: median and p95 over the runs. */
  sinceMs: number;
  sinceP95Ms: number;
}

export interface ProfileResult {
  /** What the container was made from. */
  from: 'bundle' | 'image';
  runs: number;
  hops: HopResult[];
  /** Each run's critical path split between the socket and client, corrald and the runtime (medians, ms). */
  critical: { socket: number; corrald: number; runtime: number };
  /** The client's whole run-to-exit (create with start, wait, delete), ms. */
  total: Summary;
  /** runc split's own hops in the run-to-exit phase (medians, ms), for comparison. */
  runcSplit: Record<string, number> | null;
}

/** The scale phase at one count of running containers (issue 18). */
export interface ScaleLevel {
  containers: number;
  /** From the first container.create {start: true} to the last answer, from SCALE_CLIENTS connections. */
  startMs: number;
  /** corrald's RSS with them running: the peak of readings over a second. */
  rssKiB: number | null;
  list: Summary;
  /** SIGKILL of corrald, then a new one: spawn to the answer of the first container.list. */
  recovery: RecoveryResult;
  /** corrald's RSS after that recovery, with every container restored. */
  rssAfterRecoveryKiB: number | null;
  /** container.kill SIGKILL + container.wait of all at once, until the last wait answers. */
  killWaitMs: number;
  /** process.exit events of init per container: every one must be exactly 1. */
  exitEvents: { once: number; missing: number; duplicated: number };
  deleteMs: number;
}

export interface ScaleResult {
  clients: number;
  levels: ScaleLevel[];
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
  /** N containers of the bench image (corral, containerd, podman). */
  disk: Outcome<DiskResult>;
  /** corral only. */
  pull: Outcome<PullResult>;
}

export interface Params {
  runs: number;
  concurrent: number;
  memoryContainers: number;
  listRecords: number[];
  rpsConnections: number[];
  rpsSeconds: number;
  recoveryContainers: number;
  diskContainers: number;
  pullRounds: number;
  profileRuns: number;
  scaleLevels: number[];
}

export interface Results {
  schema: 2;
  mode: 'full' | 'quick' | 'partial';
  /** The phases this run measured (all of PHASES for a full or quick run). */
  phases: Phase[];
  date: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; kernel: string; node: string; cgroup: string; runtimeState?: string };
  /** 1-minute load average at the start and the end: other work on the machine shows here. */
  loadAverage: { start: number; end: number };
  params: Params;
  tools: Record<ToolName, ToolResult>;
  profile: Outcome<ProfileResult>;
  /** The same profile of a container from the bench image. */
  profileImage: Outcome<ProfileResult>;
  scale: Outcome<ScaleResult>;
}
