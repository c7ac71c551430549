// The on-disk layout of corral, in one place (DESIGN.md "On disk"): every path
// the daemon reads or writes is built here, from the two roots, so no other
// module joins path strings. Ids are validated against ID_PATTERN before they
// reach these functions, which also refuse anything else: an id is never a path.
import path from 'node:path';
import { CONTAINER_RECORD_NAME, ID_PATTERN } from '../../shared/api.js';

/** Beside the process folders of a container, so it is a name no process id may take (shared/api.ts). */
const STATE_FILE = CONTAINER_RECORD_NAME;
const PROCESS_FILE = 'process.json';
const LOG_FILE = 'log';
const EXIT_FILE = 'exit';
const OOM_FILE = 'oom';
const PID_FILE = 'pid';
const CONMON_PID_FILE = 'conmon.pid';
const RUNC_LOG_FILE = 'runc.log';
const EXEC_SPEC_FILE = 'exec.json';
const RUNTIME_CONFIG_FILE = 'config.json';
const RUNTIME_BUNDLE_DIR = 'bundle';
/**
 * conmon's --exit-dir, a folder of its own: conmon names its file there after
 * the container, and a container called `pid` or `bundle` must not find
 * another of corral's files in its place.
 */
const MONITOR_EXIT_DIR = 'exits';
const EVENTS_FILE = 'events.log';
/** Folders renamed aside start with a dot, which no valid id does. */
export const DELETING_PREFIX = '.deleting-';
export const QUARANTINE_PREFIX = '.quarantine-';

function safe(id: string): string {
  if (!ID_PATTERN.test(id)) throw new Error(`refusing to build a path from invalid id ${JSON.stringify(id)}`);
  return id;
}

export class Layout {
  constructor(
    readonly root: string,
    readonly state: string,
  ) {}

  get containersDir(): string {
    return path.join(this.root, 'containers');
  }
  get runtimeContainersDir(): string {
    return path.join(this.state, 'containers');
  }
  get runcRoot(): string {
    return path.join(this.state, 'runc');
  }
  get eventsFile(): string {
    return path.join(this.root, EVENTS_FILE);
  }

  containerDir(id: string): string {
    return path.join(this.containersDir, safe(id));
  }
  stateFile(id: string): string {
    return path.join(this.containerDir(id), STATE_FILE);
  }
  processDir(id: string, processId: string): string {
    return path.join(this.containerDir(id), safe(processId));
  }
  processFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), PROCESS_FILE);
  }
  logFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), LOG_FILE);
  }
  exitFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), EXIT_FILE);
  }
  oomFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), OOM_FILE);
  }
  execSpecFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), EXEC_SPEC_FILE);
  }

  /** Per-process folder under --state: pid files, conmon's exit dir and attach sockets, runc's log. */
  runtimeContainerDir(id: string): string {
    return path.join(this.runtimeContainersDir, safe(id));
  }
  runtimeDir(id: string, processId: string): string {
    return path.join(this.runtimeContainerDir(id), safe(processId));
  }
  pidFile(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), PID_FILE);
  }
  conmonPidFile(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), CONMON_PID_FILE);
  }
  /** conmon's --exit-dir; the one folder the exit watcher watches. */
  monitorExitDir(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), MONITOR_EXIT_DIR);
  }
  /** conmon's --exit-dir copy of the exit code, named after the container. */
  monitorExitFile(id: string, processId: string): string {
    return path.join(this.monitorExitDir(id, processId), safe(id));
  }
  /**
   * conmon's -b: the bundle it hands runc, and where it puts its attach socket
   * and ctl/winsz fifos. A folder of corral's own per process, so that
   * containers sharing a user's bundle never race there nor write into it.
   */
  runtimeBundle(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), RUNTIME_BUNDLE_DIR);
  }
  runtimeConfigFile(id: string, processId: string): string {
    return path.join(this.runtimeBundle(id, processId), RUNTIME_CONFIG_FILE);
  }
  runcLogFile(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), RUNC_LOG_FILE);
  }
}
