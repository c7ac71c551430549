// The runtime's decisions as pure functions, so each can be table-tested
// without a container: which lifecycle operations a state allows, what a
// container's state is given runc's word and the exit files, what became of a
// process while corrald was away, and whether a monitor found running is one
// corral still owns. Nothing here touches the disk or spawns anything.
import type { ContainerStateT } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';
import type { RuncStatus } from '../oci/runc.js';

export type Operation = 'start' | 'pause' | 'resume' | 'kill' | 'exec' | 'update' | 'stats' | 'delete' | 'forceDelete';

/** The legal transitions: the states each operation may start from. Anything else is invalid_state. */
export const allowedFrom: Record<Operation, readonly ContainerStateT[]> = {
  start: ['created'],
  pause: ['running'],
  resume: ['paused'],
  kill: ['created', 'running', 'paused'],
  exec: ['running'],
  update: ['created', 'running', 'paused'],
  stats: ['created', 'running', 'paused'],
  delete: ['created', 'stopped'],
  forceDelete: ['created', 'running', 'paused', 'stopped'],
};

const hints: Record<Operation, string> = {
  start: 'only a created container can be started; create it again to rerun it',
  pause: 'only a running container can be paused',
  resume: 'only a paused container can be resumed',
  kill: 'it has already stopped',
  exec: 'exec needs a running container (resume a paused one first)',
  update: 'a stopped container has no resources to update',
  stats: 'a stopped container has no cgroup left to read',
  delete: 'stop it first (container.kill) or pass force: true',
  forceDelete: '',
};

export function checkTransition(op: Operation, id: string, state: ContainerStateT): void {
  if (allowedFrom[op].includes(state)) return;
  const verb = op === 'forceDelete' ? 'delete' : op;
  throw new CorralError('invalid_state', `cannot ${verb} container ${id}: it is ${state}; ${hints[op]}`, { data: { state } });
}

/** What conmon wrote to an exit file: a decimal exit code; anything else is not (yet) an exit. */
export function parseExitFile(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n < 0 ? 255 : n;
}

/**
 * A container's state: stopped once init's exit is recorded, else runc's
 * word. runc may say stopped a moment before the exit file is read; the
 * container stays running until then, so stopped always comes with its code.
 */
export function containerState(initExited: boolean, runc: RuncStatus): ContainerStateT {
  if (initExited) return 'stopped';
  switch (runc) {
    case 'created':
    case 'creating':
      return 'created';
    case 'paused':
      return 'paused';
    case 'running':
    case 'stopped':
      return 'running';
  }
}

export const EXIT_UNKNOWN = 255;
export const REASON_MONITOR_LOST = 'monitor (conmon) died without writing an exit code';
/** conmon writes the exit code under --root first and gives up when it cannot: name the cause. */
export const REASON_MONITOR_DISK_FULL = 'monitor (conmon) could not write the exit code: the disk under corrald\'s --root was full';
export const REASON_REBOOT = 'the host rebooted while the process ran';

export interface ProcessFacts {
  /** Exit already recorded in process.json. */
  recorded: boolean;
  /** Parsed exit file, if conmon wrote one. */
  exitFile: number | undefined;
  /** The process record was written in another boot. */
  rebooted: boolean;
  /** The recorded conmon pid runs with its recorded start time. */
  monitorAlive: boolean;
  /** The recorded process pid runs with its recorded start time. */
  processAlive: boolean;
  /** The record holds a pid: the start reached conmon's answer. */
  hasPid: boolean;
}

export type ProcessVerdict =
  | { kind: 'recorded' }
  | { kind: 'exited'; status: number; reason?: string }
  | { kind: 'live' }
  | { kind: 'unmonitored' }
  | { kind: 'incomplete' };

/** What became of a process while corrald was away. */
export function judgeProcess(f: ProcessFacts): ProcessVerdict {
  if (f.recorded) return { kind: 'recorded' };
  if (f.exitFile !== undefined) return { kind: 'exited', status: f.exitFile };
  if (f.rebooted) return f.hasPid ? { kind: 'exited', status: EXIT_UNKNOWN, reason: REASON_REBOOT } : { kind: 'incomplete' };
  if (f.monitorAlive) return { kind: 'live' };
  if (!f.hasPid) return { kind: 'incomplete' };
  if (f.processAlive) return { kind: 'unmonitored' };
  return { kind: 'exited', status: EXIT_UNKNOWN, reason: REASON_MONITOR_LOST };
}

export interface KnownMonitor {
  containerId: string;
  session: string;
}

/** A conmon under corral's runc root that no live record claims is a leak. */
export function isLeakedMonitor(m: KnownMonitor, owned: ReadonlySet<string>): boolean {
  return !owned.has(monitorKey(m.containerId, m.session));
}

export const monitorKey = (containerId: string, session: string) => `${containerId}\0${session}`;

/** What corral knows about a container's OOM kills when it considers reporting one. */
export interface OomFacts {
  /** The kernel's oom_kill counter of the container's memory cgroup, or undefined when it cannot be read (gone after a reboot). */
  kills: number | undefined;
  /** The counter's value when corral last reported (undefined: never, or a record from before counters were kept). */
  reportedKills: number | undefined;
  /** Whether a container.oom was ever reported. */
  reportedBefore: boolean;
  /** Whether conmon left an oom file, the fallback when the counter is unreadable. */
  oomFile: boolean;
  /** A process of the container has died and its exit is not recorded yet: an OOM kill may be its to claim. */
  victimPending: boolean;
  /** The exit being recorded could be the kill's (status 137): the report names it. */
  claimsIt: boolean;
}

/**
 * Whether to report container.oom now, and the counter value to record. The
 * kernel counts kills in the cgroup before the victim dies, so the exit of a
 * killed process always finds its kill counted: the report goes out with
 * that exit, before it, and names it. An unclaimed rise (the victim was a
 * worker of init) is reported only while no dead process's exit is pending,
 * since that exit may be the victim's. conmon's oom file, which conmon
 * writes only if it handles the kernel's notice before the exit, is the
 * fallback when the counter is gone, and then only once per container.
 */
export function decideOom(f: OomFacts): { report: false } | { report: true; kills: number } {
  if (!f.claimsIt && f.victimPending) return { report: false };
  if (f.kills !== undefined) {
    // a record from before counters were kept, that reported once: that report covered the kills so far
    const base = f.reportedKills ?? (f.reportedBefore ? f.kills : 0);
    return f.kills > base ? { report: true, kills: f.kills } : { report: false };
  }
  if (f.oomFile && !f.reportedBefore) return { report: true, kills: (f.reportedKills ?? 0) + 1 };
  return { report: false };
}
