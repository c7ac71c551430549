// A thin wrapper of the runc command line, always with corral's own --root so
// its containers never mix with other runc users'. It holds no state and
// makes no decisions: each call runs runc under a named timeout and turns a
// failure into a CorralError carrying runc's own words (classified by the pure
// classifyRuntimeError). Works with crun too, which speaks the same CLI.
import { execFile } from 'node:child_process';
import { CorralError, type ErrorReason } from '../../shared/errors.js';
import type { ResourcesT, ResultOf } from '../../shared/api.js';

/** Most runc calls answer in tens of ms; past this runc is wedged (e.g. a frozen cgroup). */
const RUNC_TIMEOUT_MS = 30_000;
/** `runc delete` and `update` can wait on the kernel tearing down cgroups. */
const RUNC_SLOW_TIMEOUT_MS = 60_000;

export type RuncStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface RuncState {
  id: string;
  pid: number;
  status: RuncStatus;
  bundle: string;
  created?: string;
  annotations?: Record<string, string>;
}

/** runc's counters in the shape that container.stats answers with. */
export type RuncStats = ResultOf<'container.stats'>;

/** A full or read-only disk under --state (runc's root, its logs, conmon's pid files). */
const HOST_DISK = /no space left on device|disk quota exceeded|read-only file system/;

/** Maps what runc said to one of corral's error reasons; pure, table-tested. */
export function classifyRuntimeError(message: string): ErrorReason {
  const m = message.toLowerCase();
  // the host's state, as for corrald's own writes (server/rpc-errors.ts): whatever else runc then failed at
  if (HOST_DISK.test(m)) return 'unavailable';
  if (/container .*does not exist|container does not exist|not exist/.test(m)) return 'not_found';
  if (/not running|is not paused|container not paused|already paused|is paused|cannot (start|pause|resume|exec)|process already finished|container is stopped|cannot kill|not created|not stopped|still running/.test(m)) return 'invalid_state';
  if (/no such file or directory.*(criu)|criu|cgroup.*not (supported|mounted)|not supported/.test(m)) return 'unavailable';
  return 'runtime_error';
}

/** Extracts runc's last error message from its output (json log lines or plain text). */
export function lastRuntimeMessage(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    try {
      const j = JSON.parse(line) as { level?: string; msg?: string };
      if (j.msg && (j.level === 'error' || j.level === 'fatal')) return j.msg;
    } catch {
      const m = /level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"/.exec(line);
      if (m) return m[1].replace(/\\"/g, '"');
    }
  }
  return lines.at(-1) ?? '';
}

export function runtimeError(what: string, message: string, cause?: unknown): CorralError {
  const reason = classifyRuntimeError(message);
  const text = message || 'no message';
  const hint = HOST_DISK.test(text.toLowerCase()) ? "; the disk under corrald's --root or --state is full or read-only: free space and retry" : '';
  return new CorralError(reason, `${what}: ${text}${hint}`, { data: { stderr: text }, cause });
}

export class Runc {
  constructor(
    readonly binary: string,
    readonly root: string,
  ) {}

  private run(args: string[], timeoutMs = RUNC_TIMEOUT_MS): Promise<string> {
    const argv = ['--root', this.root, '--log-format', 'json', ...args];
    return new Promise((resolve, reject) => {
      execFile(this.binary, argv, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === 'ENOENT') {
          return reject(new CorralError('unavailable', `the OCI runtime ${this.binary} is not installed; install runc (apt-get install runc) or pass --runtime`, { cause: err }));
        }
        if (e.killed) return reject(new CorralError('runtime_error', `${this.binary} ${args[0]} did not finish within ${timeoutMs} ms`, { data: { stderr }, cause: err }));
        reject(runtimeError(`${this.binary} ${args[0]} failed`, lastRuntimeMessage(stderr) || e.message, err));
      });
    });
  }

  async version(): Promise<string> {
    const out = await this.run(['--version']);
    return /version\s+(\S+)/.exec(out)?.[1] ?? out.split('\n')[0];
  }

  /** The container's state, or undefined when runc does not know it. */
  async state(id: string): Promise<RuncState | undefined> {
    try {
      return JSON.parse(await this.run(['state', id])) as RuncState;
    } catch (err) {
      if (err instanceof CorralError && err.reason === 'not_found') return undefined;
      throw err;
    }
  }

  async list(): Promise<RuncState[]> {
    const out = await this.run(['list', '--format', 'json']);
    return (JSON.parse(out || 'null') as RuncState[] | null) ?? [];
  }

  async start(id: string): Promise<void> {
    await this.run(['start', id]);
  }
  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }
  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }
  async kill(id: string, signal: string, all = false): Promise<void> {
    await this.run(['kill', ...(all ? ['--all'] : []), id, signal]);
  }
  async delete(id: string, force = false): Promise<void> {
    await this.run(['delete', ...(force ? ['--force'] : []), id], RUNC_SLOW_TIMEOUT_MS);
  }
  async update(id: string, r: ResourcesT): Promise<void> {
    const args = ['update'];
    if (r.memoryLimitBytes !== undefined) args.push('--memory', String(r.memoryLimitBytes));
    if (r.cpuShares !== undefined) args.push('--cpu-share', String(r.cpuShares));
    if (r.cpuQuota !== undefined) args.push('--cpu-quota', String(r.cpuQuota));
    if (r.cpuPeriod !== undefined) args.push('--cpu-period', String(r.cpuPeriod));
    if (r.pidsLimit !== undefined) args.push('--pids-limit', String(r.pidsLimit));
    await this.run([...args, id], RUNC_SLOW_TIMEOUT_MS);
  }

  async stats(id: string): Promise<RuncStats> {
    const out = await this.run(['events', '--stats', id]);
    const j = JSON.parse(out) as { data?: { cpu?: { usage?: { total?: number } }; memory?: { usage?: { usage?: number; limit?: number } }; pids?: { current?: number; limit?: number } } };
    const d = j.data ?? {};
    return {
      cpu: { usageNs: d.cpu?.usage?.total ?? 0 },
      memory: { usageBytes: d.memory?.usage?.usage ?? 0, limitBytes: d.memory?.usage?.limit ?? 0 },
      pids: { current: d.pids?.current ?? 0, limit: d.pids?.limit ?? 0 },
    };
  }
}
