// Starting corrald and waiting for it, shared by `npm start`, the tests and
// the bench. corrald is run as the file itself, never as `node FILE`: its
// first line carries the node flags it is measured and shipped with. A socket that accepts is not proof that the new daemon
// is up: a corrald killed while it was spawning a monitor leaves a child that
// is still inside execve(2) and, until the exec closes its close-on-exec
// descriptors (up to seconds on a loaded machine, while the kernel tears down
// the copy of a large heap), still holds the dead daemon's listening socket.
// The kernel queues connections to it that nobody will ever answer. So a
// started daemon counts as ready only once it answers daemon.info with its own
// pid; anything else is a previous daemon's socket, or a ghost of one.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { Client } from './client.js';

/** One connection attempt, or one daemon.info, while the daemon comes up; the loop around it has its own deadline. */
const READY_ATTEMPT_TIMEOUT_MS = 1_000;
/** Between attempts: short, since a daemon that restores quickly should be used quickly. */
const READY_POLL_MS = 20;

interface ReadyOptions {
  /** The whole wait; past it the error says what was last seen. */
  timeoutMs: number;
  /** Says why the daemon cannot come up any more (it exited), or undefined while it may. */
  gone?: () => string | undefined;
  pollMs?: number;
}

/**
 * Connects to SOCKET once the corrald of process PID answers there, and
 * returns that connection. Throws when gone() says the daemon exited, or
 * after timeoutMs.
 */
async function connectWhenReady(socket: string, pid: number, o: ReadyOptions): Promise<Client> {
  const deadline = Date.now() + o.timeoutMs;
  let last: string;
  for (;;) {
    const why = o.gone?.();
    if (why !== undefined) throw new Error(`corrald${pid > 0 ? ` (pid ${pid})` : ''} stopped before it served ${socket}: ${why}`);
    let client: Client | undefined;
    try {
      client = await Client.connect(socket, READY_ATTEMPT_TIMEOUT_MS);
      const info = await client.request('daemon.info', {}, { timeoutMs: READY_ATTEMPT_TIMEOUT_MS });
      if (info.pid === pid) return client;
      last = `${socket} is served by another corrald (pid ${info.pid})`;
    } catch (err) {
      last = (err as Error).message;
    }
    client?.close();
    if (Date.now() > deadline) throw new Error(`corrald (pid ${pid}) did not answer on ${socket} within ${o.timeoutMs} ms; last: ${last}`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? READY_POLL_MS));
  }
}

export interface LaunchOptions {
  stdio: StdioOptions;
  /** In its own session, to outlive the caller (npm start, the bench). */
  detached?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface Launched {
  child: ChildProcess;
  /** The connection to it once it answers on SOCKET as itself; fails if it exits first or after timeoutMs. */
  ready: (socket: string, timeoutMs: number, pollMs?: number) => Promise<Client>;
}

/** Spawns the corrald at BINARY with ARGS; LOG, if given, is where the error of an early exit says to look. */
export function launchCorrald(binary: string, args: string[], o: LaunchOptions, log?: () => string): Launched {
  const child = spawn(binary, args, { stdio: o.stdio, detached: o.detached ?? false, env: o.env ?? process.env });
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exit ${code ?? signal}${log ? `; ${log()}` : ''}`));
  // a binary that cannot be run (missing, not executable) never exits: it fails to start
  child.once('error', (err) => (exited = `cannot run ${binary}: ${err.message}`));
  return {
    child,
    ready: (socket, timeoutMs, pollMs) => connectWhenReady(socket, child.pid ?? -1, { timeoutMs, pollMs, gone: () => exited }),
  };
}
