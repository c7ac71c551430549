// A stand-in for runc and conmon (the OciRuntime interface), so the
// supervisor and recovery run in unit tests in seconds: each "container
// process" and each "monitor" is a real `sleep` (so pids, start times and
// liveness checks are the kernel's own), and what conmon would do at an exit
// is done on request: the exit code into both exit files, then the monitor
// ends. Its runc state outlives a Supervisor, as runc's does corrald's.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ResourcesT } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';
import type { Launched } from '../../daemon/oci/conmon.js';
import type { RuncState, RuncStats, RuncStatus } from '../../daemon/oci/runc.js';
import type { BinaryVersion, OciRuntime, ProcessFiles } from '../../daemon/oci/runtime.js';

interface FakeProcess {
  files: ProcessFiles;
  proc: ChildProcess;
  monitor: ChildProcess;
}

const sleeper = (): ChildProcess => spawn('sleep', ['1000'], { stdio: 'ignore' });

export class FakeRuntime implements OciRuntime {
  readonly containers = new Map<string, { status: RuncStatus; pid: number; bundle: string }>();
  private readonly processes = new Map<string, FakeProcess>();
  /** Every call, in order: `op id`. */
  readonly calls: string[] = [];
  /** How long a monitor lives on after writing its exit file. */
  monitorLingerMs = 0;

  /** The monitors' pids that still run. */
  liveMonitors(): number[] {
    return [...this.processes.values()].filter((p) => p.monitor.exitCode === null && p.monitor.signalCode === null).map((p) => p.monitor.pid!);
  }

  async launch(files: ProcessFiles): Promise<Launched> {
    this.calls.push(`launch ${files.session}`);
    const proc = sleeper();
    const monitor = sleeper();
    await Promise.all([proc, monitor].map((p) => new Promise((r) => p.once('spawn', r))));
    await fs.writeFile(files.pidFile, `${proc.pid}`);
    await fs.writeFile(files.conmonPidFile, `${monitor.pid}`);
    this.processes.set(files.session, { files, proc, monitor });
    if (!files.execSpecFile) this.containers.set(files.containerId, { status: 'created', pid: proc.pid!, bundle: files.bundle });
    return { pid: proc.pid!, conmonPid: monitor.pid! };
  }

  /** What conmon does when SESSION's process ends: ends it, writes STATUS to both exit files, then ends itself. */
  async exit(session: string, status: number): Promise<void> {
    const p = this.processes.get(session);
    if (!p) throw new Error(`no fake process ${session}`);
    await stop(p.proc);
    await fs.writeFile(path.join(p.files.persistDir, 'exit'), `${status}`);
    await fs.writeFile(path.join(p.files.exitDir, p.files.containerId), `${status}`);
    // conmon finishes its work after the exit file (closes, syncs, unlinks): a busy machine stretches that
    if (this.monitorLingerMs) setTimeout(() => void stop(p.monitor), this.monitorLingerMs);
    else await stop(p.monitor);
    const c = this.containers.get(p.files.containerId);
    if (c && !p.files.execSpecFile) c.status = 'stopped';
  }

  /** The monitor dies (OOM-killed, say) and its process runs on. */
  killMonitor(session: string): Promise<void> {
    return stop(this.processes.get(session)!.monitor);
  }

  /** The process dies without its monitor there to write an exit code. */
  killProcess(session: string): Promise<void> {
    return stop(this.processes.get(session)!.proc);
  }

  async start(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    this.must(id).status = 'running';
  }
  async pause(id: string): Promise<void> {
    this.must(id).status = 'paused';
  }
  async resume(id: string): Promise<void> {
    this.must(id).status = 'running';
  }
  async kill(id: string, signal: number): Promise<void> {
    this.calls.push(`kill ${id} ${signal}`);
    this.must(id);
    // like a real kill, the exit arrives a moment after the call returns
    setTimeout(() => void this.exit(`${id}.init`, 128 + signal).catch(() => {}), 20);
  }
  async delete(id: string): Promise<void> {
    this.calls.push(`delete ${id}`);
    this.must(id);
    this.containers.delete(id);
    // runc delete -f kills the processes; their monitors then end on their own, as conmon does
    for (const p of this.processes.values()) {
      if (p.files.containerId === id && p.proc.exitCode === null && p.proc.signalCode === null) void this.exit(p.files.session, 137).catch(() => {});
    }
  }
  async state(id: string): Promise<RuncState | undefined> {
    const c = this.containers.get(id);
    return c && { id, status: c.status, pid: c.pid, bundle: c.bundle };
  }
  async list(): Promise<RuncState[]> {
    return [...this.containers.entries()].map(([id, c]) => ({ id, status: c.status, pid: c.pid, bundle: c.bundle }));
  }
  async stats(): Promise<RuncStats> {
    return { cpu: { usageNs: 1 }, memory: { usageBytes: 1, limitBytes: 2 }, pids: { current: 1, limit: 0 } } as RuncStats;
  }
  async update(id: string, _resources: ResourcesT): Promise<void> {
    this.must(id);
  }
  async versions(): Promise<{ runtime: BinaryVersion; monitor: BinaryVersion }> {
    return { runtime: { path: 'fake', version: '0' }, monitor: { path: 'fake', version: '0' } };
  }

  /** Ends every process it started. */
  async close(): Promise<void> {
    for (const p of this.processes.values()) await Promise.all([stop(p.proc), stop(p.monitor)]);
  }

  private must(id: string) {
    const c = this.containers.get(id);
    if (!c) throw new CorralError('not_found', `container ${id} does not exist`);
    return c;
  }
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}
