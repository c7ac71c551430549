// Test harness for integration tests: a real corrald (the built
// dist/corrald.js) in its own temporary --root and --state, a connected
// client, bundles with unique container ids, and the ways a test kills and
// restarts the daemon. Nothing here mocks runc or conmon; a missing host
// feature fails the test with a message that says what to install.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { unmountUnder } from '../../daemon/runtime/mounts.js';
import { fileURLToPath } from 'node:url';
import { Client } from '../../shared/client.js';
import { launchCorrald } from '../../shared/ready.js';
import { createBundle } from '../../shared/bundle.js';

export const TOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DAEMON = path.join(TOP, 'dist/corrald.js');
export const CLI = path.join(TOP, 'dist/tui/main.js');
/** The daemon restores and opens its socket in well under a second; this only bounds a broken start. */
const DAEMON_START_TIMEOUT_MS = 20_000;

/** Fails loudly (never skips) when the host cannot run the integration suite. */
function requireHost(): void {
  if (process.getuid?.() !== 0) throw new Error('integration tests need root (runc and conmon): run npm test as root');
  for (const bin of ['runc', 'conmon']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(`${bin} is missing: run npm test (it installs it) or apt-get install ${bin}`);
  }
  if (!fs.existsSync('/bin/busybox')) throw new Error('/bin/busybox is missing: apt-get install busybox-static');
  if (!fs.existsSync(DAEMON)) throw new Error(`${DAEMON} is missing: run npm run build first (npm test does)`);
}

export const uid = (prefix = 't') => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface DaemonHandle {
  dir: string;
  root: string;
  state: string;
  socket: string;
  roSocket: string;
  proc: ChildProcess;
  stderr: () => string;
  client: () => Promise<Client>;
  /** SIGKILL: no cleanup runs, as after a crash. */
  kill9: () => Promise<void>;
  stop: () => Promise<void>;
  restart: () => Promise<void>;
  /** Bundle with ARGS under the test's folder; returns its path. */
  bundle: (args: string[], name?: string) => Promise<string>;
  /** Stops the daemon, force-deletes every container it knows through runc, removes the folders. */
  cleanup: () => Promise<void>;
}

export interface StartOptions {
  extraArgs?: string[];
  dir?: string;
}

export async function startDaemon(opts: StartOptions = {}): Promise<DaemonHandle> {
  requireHost();
  const dir = opts.dir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'corral-test-')));
  const root = path.join(dir, 'root');
  const state = path.join(dir, 'state');
  const socket = path.join(state, 'corrald.sock');
  const roSocket = path.join(state, 'corrald-ro.sock');
  let out = '';
  const clients: Client[] = [];
  const h: DaemonHandle = {
    dir, root, state, socket, roSocket,
    proc: undefined as unknown as ChildProcess,
    stderr: () => out,
    client: async () => {
      const c = await Client.connect(socket);
      clients.push(c);
      return c;
    },
    kill9: async () => {
      for (const c of clients.splice(0)) c.close();
      await killAndWait(h.proc, 'SIGKILL');
    },
    stop: async () => {
      for (const c of clients.splice(0)) c.close();
      await killAndWait(h.proc, 'SIGTERM');
    },
    restart: async () => {
      await launch();
    },
    bundle: async (args, name) => createBundle(path.join(dir, 'bundles', name ?? uid('b')), { args }),
    cleanup: async () => {
      for (const c of clients.splice(0)) c.close();
      if (h.proc.exitCode === null && h.proc.signalCode === null) await killAndWait(h.proc, 'SIGTERM');
      await forceCleanRuntime(state);
      // containers from images leave their overlay mounts: rm -rf must not walk into them
      await unmountUnder(dir);
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
  const launch = async () => {
    const { child, ready } = launchCorrald(DAEMON, ['--root', root, '--state', state, '--log-level', 'debug', ...(opts.extraArgs ?? [])], { stdio: ['ignore', 'ignore', 'pipe'] }, () => `its log:\n${out}`);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      out += d;
    });
    h.proc = child;
    (await ready(socket, DAEMON_START_TIMEOUT_MS)).close();
  };
  await launch();
  return h;
}

async function killAndWait(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(signal);
  await done;
}

/** Whatever a test left behind in this --state: runc containers and their conmons. */
export async function forceCleanRuntime(state: string): Promise<void> {
  const runcRoot = path.join(state, 'runc');
  if (!fs.existsSync(runcRoot)) return;
  const list = spawnSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' });
  for (const id of (list.stdout ?? '').split('\n').filter(Boolean)) spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id]);
  for (const pid of conmonsUnder(runcRoot)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export function conmonsUnder(runcRoot: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('conmon') && argv.includes(runcRoot)) out.push(Number(e));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

export function runcState(state: string, id: string): { status: string; pid: number } | undefined {
  const r = spawnSync('runc', ['--root', path.join(state, 'runc'), 'state', id], { encoding: 'utf8' });
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls FN until it returns a truthy value; fails after TIMEOUTMS with WHAT. */
export async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
