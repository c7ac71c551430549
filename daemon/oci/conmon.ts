// Launches conmon, podman's per-process monitor, for a container's init
// (`runc create`) or for an exec (`runc exec`), following the protocol checked
// in docs/conmon.md: two extra pipes (sync fd 3, start fd 4), one byte on the
// start pipe, then one JSON line on the sync pipe with the pid or runc's error.
// A thin adapter like podman's: no state logic; runtime failures become typed
// errors here, at the edge, in runc's own words.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { CorralError } from '../../shared/errors.js';
import { lastRuntimeMessage, runtimeError } from './runc.js';
import type { ProcessFiles } from './runtime.js';
import { trace } from '../trace.js';

/** conmon answers in ~50 ms here; runc create of a large rootfs on a slow disk can take seconds. */
const CONMON_SYNC_TIMEOUT_MS = 60_000;

/** A process's files (from the layout) and the binaries and flags of this corrald. */
export interface ConmonLaunch extends ProcessFiles {
  conmon: string;
  runtime: string;
  runcRoot: string;
  logSizeMax: number;
  /**
   * For an exec with --exec-attach: called once conmon's attach socket is
   * ready and before runc exec runs, so a relay connected here misses no output.
   */
  attachReady?: () => Promise<void>;
}

/** An exec with a terminal or a stdin pipe waits for corrald's attach (--exec-attach), so its first bytes reach a client. */
const execAttaches = (o: ProcessFiles) => Boolean(o.execSpecFile && (o.terminal || o.stdin));

export function conmonArgs(o: ConmonLaunch): string[] {
  const args = [
    '--api-version', '1',
    '-c', o.containerId,
    '-u', o.session,
    '-n', o.containerId,
    '-r', o.runtime,
    '--runtime-arg', '--root', '--runtime-arg', o.runcRoot,
    '--runtime-arg', '--log-format=json', '--runtime-arg', '--log', '--runtime-arg', o.runcLogFile,
    '-b', o.bundle,
    '-p', o.pidFile,
    '-P', o.conmonPidFile,
    '--exit-dir', o.exitDir,
    '-0', o.persistDir,
    '-l', `k8s-file:${o.logFile}`,
    '--socket-dir-path', o.socketDir,
    '--log-level', 'warning',
    '--syslog',
  ];
  if (o.logSizeMax > 0) args.push('--log-size-max', String(o.logSizeMax));
  if (o.execSpecFile) args.push('-e', '--exec-process-spec', o.execSpecFile);
  // the pty is a terminal's stdin; a pipe's is closed by conmon when corrald's attach half-closes
  // (process.input eof) or goes, as -i without --leave-stdin-open does (docs/terminals.md)
  if (o.terminal) args.push('-t');
  else if (o.stdin) args.push('-i');
  if (execAttaches(o)) args.push('--exec-attach');
  return args;
}

export interface Launched {
  pid: number;
  conmonPid: number;
}

/** Parses conmon's sync message: `{"data": PID}` or `{"data": -1, "message": "..."}`. */
export function parseSyncMessage(line: string): { pid: number } | { error: string } {
  let j: { data?: unknown; message?: unknown };
  try {
    j = JSON.parse(line);
  } catch {
    return { error: `conmon sent an unreadable sync message: ${line.slice(0, 200)}` };
  }
  if (typeof j.data === 'number' && j.data > 0) return { pid: j.data };
  return { error: typeof j.message === 'string' ? j.message.trim() : `conmon reported failure (${String(j.data)})` };
}

export async function launchConmon(o: ConmonLaunch): Promise<Launched> {
  const what = o.execSpecFile ? `exec in ${o.containerId}` : `create of ${o.containerId}`;
  // stdio 0-2 go to /dev/null: the forked conmon outlives us and must never
  // write into a pipe nobody reads (SIGPIPE would kill it).
  const attaches = execAttaches(o);
  const child = spawn(o.conmon, conmonArgs(o), {
    // conmon also drops a legacy `oom` file into its working folder: keep it in the process's own
    cwd: o.socketDir,
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', attaches ? 'pipe' : 'ignore'],
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', ...(attaches ? { _OCI_ATTACHPIPE: '5' } : {}) },
  });
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  const attachPipe = attaches ? (child.stdio as unknown as Readable[])[5] : undefined;
  child.unref();
  trace('conmon.spawned', o.containerId);

  const line = await new Promise<string | undefined>((resolve, reject) => {
    let buf = '';
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sync.destroy();
      fn();
    };
    const timer = setTimeout(
      () =>
        finish(() => {
          // a monitor that never answered must not live on unrecorded: stop it, so the caller's cleanup is complete
          void killMonitor(child, o.conmonPidFile);
          reject(new CorralError('runtime_error', `${what}: conmon gave no pid within ${CONMON_SYNC_TIMEOUT_MS} ms; see the system log (journalctl -t conmon) and retry`));
        }),
      CONMON_SYNC_TIMEOUT_MS,
    );
    child.once('error', (err: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          err.code === 'ENOENT'
            ? new CorralError('unavailable', `the monitor ${o.conmon} is not installed; install conmon (apt-get install conmon) or pass --conmon`, { cause: err })
            : new CorralError('runtime_error', `${what}: cannot run ${o.conmon}: ${err.message}`, { cause: err }),
        ),
      ),
    );
    sync.setEncoding('utf8');
    sync.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(() => resolve(buf.slice(0, nl)));
    });
    sync.on('end', () => finish(() => resolve(buf.trim() || undefined)));
    sync.on('error', () => finish(() => resolve(buf.trim() || undefined)));
    start.on('error', () => {});
    if (!attachPipe) {
      start.end(Buffer.from([0]));
      return;
    }
    // --exec-attach: the first byte lets conmon set up its attach socket, which it reports on the
    // attach pipe; the second (here: the end of the pipe) lets it run runc exec
    start.write(Buffer.from([0]));
    firstLine(attachPipe)
      .then(() => o.attachReady?.())
      .catch(() => undefined)
      .finally(() => start.end(Buffer.from([0])));
  });

  trace('conmon.sync', o.containerId);
  const parsed = line === undefined ? { error: '' } : parseSyncMessage(line);
  if ('error' in parsed) {
    const fromLog = lastRuntimeMessage(await fs.readFile(o.runcLogFile, 'utf8').catch(() => ''));
    const message = parsed.error || fromLog || 'conmon exited without a pid; see the system log (journalctl -t conmon)';
    throw runtimeError(`${what} failed`, message);
  }
  return { pid: parsed.pid, conmonPid: await readPidFile(o.conmonPidFile) };
}

/** The first line on a pipe of conmon's, or what came before it ended. */
function firstLine(pipe: Readable): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const done = () => {
      pipe.destroy();
      resolve(buf);
    };
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.includes('\n')) done();
    });
    pipe.on('end', done);
    pipe.on('error', done);
  });
}

/** Kills conmon's first process, if it still runs, and the monitor it forked, if it wrote its pid. */
async function killMonitor(child: ChildProcess, conmonPidFile: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  const monitor = await readPidFile(conmonPidFile);
  if (monitor <= 0) return;
  try {
    process.kill(monitor, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** A pid file of conmon's (-p, -P): the pid, or 0 when it is missing or unreadable. */
export async function readPidFile(file: string): Promise<number> {
  let text = '';
  try {
    // a few bytes from the page cache: synchronous, off the thread pool (it is on every start's path)
    text = readFileSync(file, 'utf8');
  } catch {
    // missing or unreadable: 0
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}
