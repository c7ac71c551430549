// corral under the bench: a corrald of this run's own (--root and --state in
// the run's temporary folder) spawned from the built dist/, driven through the
// project's socket client (shared/client.ts) and, for the fresh-connection
// figure, through one `socat` per call as a shell script would. Besides the
// figures every tool gets (./measure.ts), corral alone has the API figures
// (container.list latency with many records, daemon.version throughput) and
// the recovery time of a restarted corrald with containers on disk.
// Given the bench image's archive, it imports it (image.import) and runs the
// same container from the image as well as from the bundle. With `trace`,
// corrald writes its per-hop trace (daemon/trace.ts) there, for ./profile.ts.
// CORRAL_BENCH_NODE_ARGS passes node flags to corrald (e.g. "--cpu-prof
// --cpu-prof-dir=/tmp/p" to profile it, or a heap flag to try its effect on RSS).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { Client } from '../shared/client.js';
import { launchCorrald, type Launched } from '../shared/ready.js';
import { all, checkInterrupted, interruption, now, pool, run, since, waitExit } from './exec.js';
import { findPids } from './memory.js';
import { median, summarize } from './stats.js';
import { IMAGE_REF } from './image.js';
import type { ApiResult, RecoveryResult, Subject } from './types.js';

const TOP = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const DAEMON_MAIN = path.join(TOP, 'dist/corrald.js');

const READY_TIMEOUT_MS = 30_000;
const CONNECT_POLL_MS = 2;
const CALL_TIMEOUT_MS = 60_000;
const WAIT_TIMEOUT_MS = 30_000;
const SOCAT_TIMEOUT_MS = 60_000;
const STOP_DAEMON_TIMEOUT_MS = 15_000;
const CLEANUP_TIMEOUT_MS = 30_000;
/** Containers made or deleted at once when filling the record for the list figure. */
const RECORD_CONCURRENCY = 4;
/** The list figure stops at this many samples or this much time, whichever comes first. */
const LIST_MAX_SAMPLES = 200;
const LIST_BUDGET_MS = 30_000;
const LIST_WARMUP = 3;
/** daemon.version throughput is the median of this many rounds: one burst of other work on the machine then moves one round, not the figure. */
const RPS_ROUNDS = 3;
/** image.import of the few-MiB bench archive: skopeo and umoci, seconds on a loaded machine. */
const IMPORT_TIMEOUT_MS = 120_000;

export interface Bundles {
  echo: string;
  sleep: string;
  exitZero: string;
}

export interface CorralOptions {
  /** The bench image (./image.ts): imported, and run from as well as from the bundle. */
  imageArchive?: string;
  /** corrald's per-hop trace file (CORRAL_TRACE). */
  trace?: string;
}

export interface CorralSubject extends Subject {
  root: string;
  state: string;
  socket: string;
  /** The connection to the corrald now running. */
  client(): Client;
  /** The ref containers are made from (the bench image, imported), or null and why not. */
  imageRef: string | null;
  noImage: string | null;
  /** Restart corrald with the containers now on disk and time its first answer; KILL: SIGKILL it first instead of SIGTERM. */
  recover(containers: number, kill?: boolean): Promise<RecoveryResult>;
  measureApi(opts: { records: number[]; connections: number[]; seconds: number; idFor: (i: number) => string }): Promise<ApiResult>;
}

/** WORK: the run's folder on disk (--root); VOLATILE: its runtime folder, a tmpfs where there is one (--state), see run.ts. */
export async function corralSubject(work: string, volatile: string, bundles: Bundles, log: (line: string) => void, opts: CorralOptions = {}, name = 'corral'): Promise<CorralSubject> {
  if (!fs.existsSync(DAEMON_MAIN)) throw new Error(`${DAEMON_MAIN} is missing: the daemon is not built (npm run build)`);
  const dir = path.join(work, name);
  const root = path.join(dir, 'root');
  const state = path.join(volatile, name, 'state');
  const socket = path.join(state, 'corrald.sock');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(state, { recursive: true });
  const logPath = path.join(dir, 'corrald.log');

  let daemon: ChildProcess | null = null;
  let client: Client | null = null;

  let ready: Launched['ready'] | undefined;
  const spawnCorrald = () => {
    const fd = fs.openSync(logPath, 'a');
    // extra node flags for an experiment go through NODE_OPTIONS; the file's own first line stays in force
    const extra = process.env.CORRAL_BENCH_NODE_ARGS;
    const env = { ...process.env, ...(extra ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${extra}`.trim() } : {}), ...(opts.trace ? { CORRAL_TRACE: opts.trace } : {}) };
    const launched = launchCorrald(DAEMON_MAIN, ['--root', root, '--state', state, '--log-level', 'warn'], { stdio: ['ignore', fd, fd], detached: true, env }, () => `see ${logPath}: ${tail(logPath)}`);
    fs.closeSync(fd);
    daemon = launched.child;
    ready = launched.ready;
    return daemon;
  };

  /** Connects once the corrald just spawned answers as itself (not a crashed one's leftover socket). */
  const connectWhenUp = (): Promise<Client> => ready!(socket, READY_TIMEOUT_MS, CONNECT_POLL_MS);

  const stopDaemon = async (signal: NodeJS.Signals = 'SIGTERM') => {
    client?.close();
    client = null;
    if (daemon) {
      daemon.kill(signal);
      await waitExit(daemon, STOP_DAEMON_TIMEOUT_MS);
      daemon = null;
    }
  };

  const c = () => {
    if (!client) throw new Error('no connection to corrald');
    return client;
  };

  const runOnce = async (id: string, from: { bundle: string } | { image: string; args: string[] }) => {
    await c().request('container.create', { id, ...from, start: true }, { timeoutMs: CALL_TIMEOUT_MS });
    const exit = await c().request('container.wait', { id, timeoutMs: WAIT_TIMEOUT_MS }, { timeoutMs: WAIT_TIMEOUT_MS + 5000 });
    if (exit.exitStatus !== 0) throw new Error(`container ${id} exited ${exit.exitStatus}`);
  };

  /** One call over a fresh socat, as `echo '{...}' | socat - UNIX-CONNECT:...` does. */
  const socatCall = async (method: string, params: unknown) => {
    const line = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) + '\n';
    const r = await run('socat', ['-t', String(SOCAT_TIMEOUT_MS / 1000), '-', `UNIX-CONNECT:${socket}`], { input: line, timeoutMs: SOCAT_TIMEOUT_MS });
    const first = r.stdout.split('\n')[0];
    if (r.code !== 0 || !first) throw new Error(`socat ${method} exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim()}`);
    const msg = JSON.parse(first) as { result?: Record<string, unknown>; error?: { message: string } };
    if (msg.error) throw new Error(`${method} over socat: ${msg.error.message}`);
    return msg.result ?? {};
  };

  const close = async () => {
    try {
      if (client && !client.isClosed) {
        const { containers } = await client.request('container.list', {}, { timeoutMs: CALL_TIMEOUT_MS });
        await pool(containers, 8, (ct) => client!.request('container.delete', { id: ct.id, force: true }, { timeoutMs: CALL_TIMEOUT_MS }).catch(() => {}), { interruptible: false });
      }
    } finally {
      await stopDaemon();
      // whatever corrald could not delete (it crashed, or a call timed out) is removed with runc itself
      const runcRoot = path.join(state, 'runc');
      if (fs.existsSync(runcRoot)) {
        const list = await run('runc', ['--root', runcRoot, 'list', '-q'], { timeoutMs: CLEANUP_TIMEOUT_MS });
        for (const id of list.stdout.split('\n').filter(Boolean)) {
          await run('runc', ['--root', runcRoot, 'delete', '--force', id], { timeoutMs: CLEANUP_TIMEOUT_MS });
        }
      }
    }
  };

  try {
    client = await (spawnCorrald(), connectWhenUp());
    const v = await client.request('daemon.version', {}, { timeoutMs: CALL_TIMEOUT_MS });
    const version = `corral ${v.version} (api ${v.apiVersion})`;
    log(`corrald up: ${version}, runtime ${v.runtime?.version ?? '?'}, monitor ${v.monitor?.version ?? '?'}`);
    let imageRef: string | null = null;
    /** Why there is no image to run from, for the figures that need one. */
    let noImage: string | null = opts.imageArchive ? null : 'no bench image was given';
    if (opts.imageArchive) {
      try {
        await client.request('image.import', { path: opts.imageArchive, format: 'oci-archive', ref: IMAGE_REF }, { timeoutMs: IMPORT_TIMEOUT_MS });
        imageRef = IMAGE_REF;
      } catch (err) {
        noImage = `image.import of the bench image failed: ${err instanceof Error ? err.message : String(err)}`;
        log(`corral: ${noImage}`);
      }
    }
    const fromImage = (args: string[]) => ({ image: imageRef!, args });

    const subject: CorralSubject = {
      name: 'corral',
      version,
      root,
      state,
      socket,
      client: c,
      imageRef,
      noImage,
      notes: [
        'corrald from dist/ with its own --root and --state, --log-level warn; "socat per call" is one `socat - UNIX-CONNECT:` per request, three per run (create with start, wait, delete); "from image": container.create {image, args: [/bin/echo, hi], start: true} of the bench image, imported once with image.import (an overlay over its unpacked tree)',
      ],
      runToExit: [
        {
          label: 'socket client',
          async run(id) {
            await runOnce(id, { bundle: bundles.echo });
            await c().request('container.delete', { id }, { timeoutMs: CALL_TIMEOUT_MS });
          },
        },
        ...(imageRef
          ? [
              {
                label: 'from image',
                async run(id: string) {
                  await runOnce(id, fromImage(['/bin/echo', 'hi']));
                  await c().request('container.delete', { id }, { timeoutMs: CALL_TIMEOUT_MS });
                },
              },
            ]
          : []),
        {
          label: 'socat per call',
          async run(id) {
            await socatCall('container.create', { id, bundle: bundles.echo, start: true });
            const exit = await socatCall('container.wait', { id, timeoutMs: WAIT_TIMEOUT_MS });
            if (exit.exitStatus !== 0) throw new Error(`container ${id} exited ${String(exit.exitStatus)}`);
            await socatCall('container.delete', { id });
          },
        },
      ],
      lifecycle: {
        how: {
          start: 'container.create {start: true}, one request per container, all at once on one connection',
          stop: 'container.kill SIGKILL then container.wait, per container, all at once',
          delete: 'container.delete, per container, all at once',
        },
        async start(id) {
          await c().request('container.create', { id, bundle: bundles.sleep, start: true }, { timeoutMs: CALL_TIMEOUT_MS });
        },
        async stopAll(ids) {
          await all(ids, async (id) => {
            await c().request('container.kill', { id, signal: 'SIGKILL' }, { timeoutMs: CALL_TIMEOUT_MS });
            await c().request('container.wait', { id, timeoutMs: WAIT_TIMEOUT_MS }, { timeoutMs: WAIT_TIMEOUT_MS + 5000 });
          });
        },
        async removeAll(ids) {
          await all(ids, (id) => c().request('container.delete', { id }, { timeoutMs: CALL_TIMEOUT_MS }));
        },
        monitorPids: () => findPids('conmon', state),
        daemonPid: () => daemon?.pid ?? null,
      },
      close,

      async recover(containers, kill = false) {
        await stopDaemon(kill ? 'SIGKILL' : 'SIGTERM');
        const t0 = now();
        spawnCorrald();
        client = await connectWhenUp();
        const connectMs = since(t0);
        const list = await client.request('container.list', {}, { timeoutMs: CALL_TIMEOUT_MS });
        const firstAnswerMs = since(t0);
        const r = (x: number) => Math.round(x * 10) / 10;
        const running = list.containers.filter((ct) => ct.state === 'running').length;
        return { containers, connectMs: r(connectMs), firstAnswerMs: r(firstAnswerMs), listed: list.containers.length, running };
      },

      async measureApi({ records, connections, seconds, idFor }) {
        const list: ApiResult['list'] = {};
        const made: string[] = [];
        try {
          for (const target of [...records].sort((a, b) => a - b)) {
            // stopped containers: a record and an exit file each, no process left running
            const fresh = Array.from({ length: target - made.length }, (_, i) => idFor(made.length + i));
            await pool(fresh, RECORD_CONCURRENCY, async (id) => {
              await runOnce(id, { bundle: bundles.exitZero });
              made.push(id);
            });
            for (let i = 0; i < LIST_WARMUP; i++) await c().request('container.list', {}, { timeoutMs: CALL_TIMEOUT_MS });
            const samples: number[] = [];
            let listed = 0;
            const started = Date.now();
            while (samples.length < LIST_MAX_SAMPLES && Date.now() - started < LIST_BUDGET_MS) {
              checkInterrupted();
              const t0 = now();
              const res = await c().request('container.list', {}, { timeoutMs: CALL_TIMEOUT_MS });
              samples.push(since(t0));
              listed = res.containers.length;
            }
            list[String(target)] = { ...summarize(samples), listed };
            log(`corral container.list with ${target} on record: p50 ${list[String(target)].median} ms over ${samples.length}`);
          }
        } finally {
          await pool([...made], RECORD_CONCURRENCY, (id) => c().request('container.delete', { id, force: true }, { timeoutMs: CALL_TIMEOUT_MS }), { interruptible: false });
        }

        const versionRps: ApiResult['versionRps'] = {};
        for (const n of connections) {
          checkInterrupted();
          const clients = await Promise.all(Array.from({ length: n }, () => Client.connect(socket)));
          try {
            let requests = 0;
            let total = 0;
            const rounds: number[] = [];
            for (let round = 0; round < RPS_ROUNDS; round++) {
              let done = 0;
              const t0 = now();
              const end = Date.now() + (seconds * 1000) / RPS_ROUNDS;
              // closed loop: each connection has one request outstanding at a time
              await Promise.all(
                clients.map(async (cl) => {
                  while (Date.now() < end && !interruption.signal.aborted) {
                    await cl.request('daemon.version', {}, { timeoutMs: CALL_TIMEOUT_MS });
                    done++;
                  }
                }),
              );
              const secs = since(t0) / 1000;
              requests += done;
              total += secs;
              rounds.push(Math.round(done / secs));
            }
            versionRps[String(n)] = { requests, seconds: Math.round(total * 1000) / 1000, rps: Math.round(median(rounds)), rounds };
            log(`corral daemon.version from ${n} connection(s): ${versionRps[String(n)].rps} requests/s (rounds ${rounds.join(', ')})`);
          } finally {
            for (const cl of clients) cl.close();
          }
        }
        return { list, versionRps };
      },
    };
    return subject;
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ').slice(-800);
  } catch {
    return '(no log)';
  }
}
