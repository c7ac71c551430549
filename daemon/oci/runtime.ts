// The OCI runtime as the rest of corrald sees it: one interface for runc's
// lifecycle calls and conmon's launch of a process, like podman's OCIRuntime,
// "a fairly thin wrapper": it keeps no state and decides nothing, it only
// turns each call into runc's or conmon's and their failures into typed
// errors. The container record, the supervisor and recovery get it injected,
// so they can be driven in unit tests by a stand-in (test/unit/fake-runtime.ts)
// and in production by RuncConmon below.
import { startTime } from '../runtime/procinfo.js';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import type { ResourcesT } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';
import { launchConmon, type Launched } from './conmon.js';
import type { Runc, RuncState, RuncStats } from './runc.js';

/** `conmon --version` and `runc --version` answer at once; a hung binary must not hang daemon.version. */
const VERSION_TIMEOUT_MS = 10_000;

/** Where a process's monitor keeps its files: the paths come from the layout, never from the runtime. */
export interface ProcessFiles {
  containerId: string;
  /** Unique per process: conmon's -u (session) and the name runc sees for an exec. */
  session: string;
  bundle: string;
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  persistDir: string;
  logFile: string;
  socketDir: string;
  runcLogFile: string;
  /** For an exec: the OCI process spec file; absent for a container's init. */
  execSpecFile?: string;
  /** The process runs on a terminal that conmon holds (-t). */
  terminal?: boolean;
  /** The process's stdin is a pipe fed through the attach socket (-i). */
  stdin?: boolean;
}

export interface BinaryVersion {
  path: string;
  version: string;
}

export interface OciRuntime {
  /**
   * Starts a monitor for a container's init (`runc create`) or an exec, and returns the process's and the monitor's pids.
   * An exec with a terminal or stdin calls ATTACHREADY once its attach socket is there and before it runs.
   */
  launch(files: ProcessFiles, attachReady?: () => Promise<void>): Promise<Launched>;
  start(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** INIT: init's pid and start time as corral recorded them, which lets a runtime signal it without asking runc. */
  kill(id: string, signal: number, all: boolean, init?: { pid: number; start: number }): Promise<void>;
  /** not_found when the runtime does not know ID. */
  delete(id: string, force: boolean): Promise<void>;
  /** undefined when the runtime does not know ID. */
  state(id: string): Promise<RuncState | undefined>;
  list(): Promise<RuncState[]>;
  stats(id: string): Promise<RuncStats>;
  update(id: string, resources: ResourcesT): Promise<void>;
  /** The runtime's and the monitor's binaries and versions, for daemon.version. */
  versions(): Promise<{ runtime: BinaryVersion; monitor: BinaryVersion }>;
}

export interface RuncConmonOptions {
  runc: Runc;
  /** Absolute paths of the runtime binary (handed to conmon) and of conmon. */
  runtimePath: string;
  conmonPath: string;
  runcRoot: string;
  logSizeMax: number;
}

/** runc driven directly for lifecycle calls and through one conmon per process for its stdio and exit code. */
export class RuncConmon implements OciRuntime {
  private probed: Promise<{ runtime: BinaryVersion; monitor: BinaryVersion }> | undefined;

  constructor(private readonly o: RuncConmonOptions) {}

  async launch(files: ProcessFiles, attachReady?: () => Promise<void>): Promise<Launched> {
    await fs.access(this.o.runtimePath, fs.constants.X_OK).catch((err) => {
      // conmon would only say "exited without a pid": name the missing binary instead
      throw new CorralError('unavailable', `the OCI runtime ${this.o.runtimePath} is missing or not executable; install runc (apt-get install runc) or pass --runtime`, { cause: err });
    });
    return launchConmon({ ...files, conmon: this.o.conmonPath, runtime: this.o.runtimePath, runcRoot: this.o.runcRoot, logSizeMax: this.o.logSizeMax, attachReady });
  }

  start(id: string): Promise<void> {
    return this.o.runc.start(id);
  }
  pause(id: string): Promise<void> {
    return this.o.runc.pause(id);
  }
  resume(id: string): Promise<void> {
    return this.o.runc.resume(id);
  }
  /**
   * Init alone is signalled with kill(2) on its pid, checked against its
   * start time, which is what `runc kill` does itself: a fork of corrald's
   * heap for runc costs up to 12 ms of its one thread, and 1,000 kills at
   * once queued 12 s of it (bench/results/profile.md). Anything unsure (no
   * pid recorded, the pid not init's any more, ALL) goes through runc.
   */
  async kill(id: string, signal: number, all: boolean, init?: { pid: number; start: number }): Promise<void> {
    if (!all && init && (await startTime(init.pid)) === init.start) {
      try {
        process.kill(init.pid, signal);
        return;
      } catch {
        // gone between the look and the kill: runc says what that means
      }
    }
    return this.o.runc.kill(id, String(signal), all);
  }
  delete(id: string, force: boolean): Promise<void> {
    return this.o.runc.delete(id, force);
  }
  state(id: string): Promise<RuncState | undefined> {
    return this.o.runc.state(id);
  }
  list(): Promise<RuncState[]> {
    return this.o.runc.list();
  }
  stats(id: string): Promise<RuncStats> {
    return this.o.runc.stats(id);
  }
  update(id: string, resources: ResourcesT): Promise<void> {
    return this.o.runc.update(id, resources);
  }

  versions(): Promise<{ runtime: BinaryVersion; monitor: BinaryVersion }> {
    // the binaries do not change under a running daemon: asked once
    return (this.probed ??= Promise.all([binaryVersion(this.o.runtimePath), binaryVersion(this.o.conmonPath)]).then(([runtime, monitor]) => ({
      runtime: { path: this.o.runtimePath, version: runtime },
      monitor: { path: this.o.conmonPath, version: monitor },
    })));
  }
}

function binaryVersion(bin: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(bin, ['--version'], { timeout: VERSION_TIMEOUT_MS }, (err, stdout) => {
      if (err) return resolve(`unavailable (${(err as NodeJS.ErrnoException).code ?? err.message})`);
      resolve(/version:?\s+(\S+)/i.exec(stdout)?.[1] ?? stdout.split('\n')[0].trim());
    });
  });
}
