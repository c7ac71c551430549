// Running the external programs the bench measures or drives (runc, ctr,
// podman, socat, apt-get): one promise-returning helper that captures output,
// reports the wall time in milliseconds and kills the program when its named
// timeout runs out, so that no measurement can hang the run. Programs are
// started with execFile-like argument arrays, never through a shell, so that
// ids and paths are passed as they are.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * Set when the run is interrupted (SIGINT/SIGTERM): loops and pools stop at their next step
 * with an error, so that the one clean-up in run.ts's finally block runs after the last
 * container was started, never while more are still being started.
 */
export const interruption = new AbortController();

export function checkInterrupted(): void {
  if (interruption.signal.aborted) throw new Error('interrupted');
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  /** Kill the program (SIGKILL) after this long; every call must say how long it may take. */
  timeoutMs: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function run(cmd: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin!.on('error', () => {}); // a program that exits before reading its input is not our failure
    child.stdin!.end(options.input ?? '');
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = '') => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, stdout, stderr: stderr + extra, ms, timedOut });
    };
    child.on('error', (err) => finish(null, null, `cannot run ${cmd}: ${err.message}`));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** Like run(), but a non-zero exit or a timeout is an error that says what the program printed. */
export async function runOk(cmd: string, args: string[], options: RunOptions): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    const why = r.timedOut ? `timed out after ${options.timeoutMs} ms` : r.code === null ? `failed (${r.signal ?? 'not started'})` : `exited ${r.code}`;
    throw new Error(`${cmd} ${args.join(' ')} ${why}: ${(r.stderr || r.stdout).trim().slice(-800)}`);
  }
  return r;
}

const WHICH_TIMEOUT_MS = 5000;

/** Where `cmd` is on PATH, or null. */
export async function which(cmd: string): Promise<string | null> {
  const r = await run('sh', ['-c', `command -v "$0"`, cmd], { timeoutMs: WHICH_TIMEOUT_MS });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Is `cmd` on PATH? */
export const have = async (cmd: string): Promise<boolean> => (await which(cmd)) !== null;

/**
 * Spawns a long-lived program (a daemon under test), its output appended to a log the caller
 * names. It gets a process group of its own so that a Ctrl-C meant for the bench does not stop
 * it before the bench's clean-up has used it to remove its containers; the clean-up stops it.
 */
export function spawnDaemon(cmd: string, args: string[], logFd: number, options: SpawnOptions = {}): ChildProcess {
  return spawn(cmd, args, { stdio: ['ignore', logFd, logFd], detached: true, ...options });
}

/** Waits for a spawned child to exit, killing it with SIGKILL when it has not within timeoutMs. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Runs fn over items with at most `limit` at a time, keeping the order of results. After the
 * first failure no new item starts, and the promise rejects only once the ones in flight have
 * settled: a caller's clean-up must not race with work still being started. An interruption
 * stops it like a failure, except for clean-up work (interruptible: false).
 */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>, { interruptible = true } = {}): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        if (interruptible) checkInterrupted();
        results[i] = await fn(items[i], i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw (failure as { err: unknown }).err;
  return results;
}

/** Like Promise.all over fn(item), but rejects only once every call has settled, with the first error. */
export async function all<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  const settled = await Promise.allSettled(items.map(fn));
  const bad = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (bad) throw bad.reason;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Milliseconds since `t0` (from now()), for timing a phase. */
export const now = () => process.hrtime.bigint();
export const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
