// Bare runc, the floor every start path is compared with: the same bundle
// corral runs, in a runc --root of this bench run's own. Two ways:
// `runc run`, one process that creates, starts, waits and deletes (runc
// deletes unless --keep), and the "split" that every monitor-based tool pays
// for (issue 18): `runc create`, `runc start`, the wait for the exit and
// `runc delete`, each a runc process, driven the cheapest way there is (spawned
// straight from here, no shell, no conmon): the container's stdout is a pipe
// that runc create hands to it, and its end is the exit. A third way, the
// "conmon split", is the floor of any conmon-based supervisor: corrald's own
// conmon launch (daemon/oci/conmon.ts, the same flags and pipes), `runc
// start`, conmon's exit file, `runc delete`, with no records, queue or socket.
// runc has no detached lifecycle or monitor, so it takes part in the
// run-to-exit figure only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launchConmon } from '../../daemon/oci/conmon.js';
import { now, run, runOk, since, which } from '../exec.js';
import type { Subject } from '../types.js';

const RUN_TIMEOUT_MS = 30_000;
const VERSION_TIMEOUT_MS = 5_000;
const CLEANUP_TIMEOUT_MS = 10_000;

/** The hops of one split run, in ms, for the profile (bench/profile.ts). */
export interface SplitHops {
  create: number;
  start: number;
  exitSeen: number;
  delete: number;
}

export interface RuncSubject extends Subject {
  /** The hops of each split run so far, in order. */
  splitHops: SplitHops[];
}

/**
 * `runc create` with the container's stdout on a pipe: resolves when create has exited, with
 * a promise for the pipe's end (every holder gone: the container has exited) and what it carried.
 */
function createWithPipe(root: string, bundle: string, id: string): Promise<{ ended: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const child = spawn('runc', ['--root', root, 'create', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const ended = new Promise<string>((res) => child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d)).on('end', () => res(out)));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (e) => reject(e));
    // 'exit', not 'close': the container holds the pipes on after runc create is gone
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ended });
      else reject(new Error(`runc create ${id} exited ${code}: ${err.trim()}`));
    });
  });
}

/** Resolves when FILE exists: conmon writes a process's exit file once it has ended. */
function fileAppears(file: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = fs.watch(path.dirname(file));
    const done = (err?: Error) => {
      clearTimeout(timer);
      watcher.close();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`no exit file ${file} in ${timeoutMs} ms`)), timeoutMs);
    watcher.on('change', () => fs.existsSync(file) && done());
    // it may have come before the watch
    if (fs.existsSync(file)) done();
  });
}

/** conmon, runc start, the exit file, runc delete: what corrald drives, driven from here with nothing else. */
async function conmonSplit(root: string, runcPath: string, work: string, volatile: string, bundle: string, id: string): Promise<void> {
  // where corrald keeps them: the process's record folder and log on disk, the rest in the runtime folder
  const persist = path.join(work, 'conmon-split', id);
  const dir = path.join(volatile, 'conmon-split', id);
  const exitDir = path.join(dir, 'exits');
  fs.mkdirSync(exitDir, { recursive: true });
  fs.mkdirSync(persist, { recursive: true });
  fs.mkdirSync(path.join(dir, 'bundle'));
  // corrald hands conmon a runtime bundle of its own: config.json there, the root filesystem where the bench bundle has it
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as { root: { path: string } };
  config.root.path = path.resolve(bundle, config.root.path);
  fs.writeFileSync(path.join(dir, 'bundle', 'config.json'), JSON.stringify(config));
  await launchConmon({
    containerId: id,
    session: id,
    bundle: path.join(dir, 'bundle'),
    pidFile: path.join(dir, 'pid'),
    conmonPidFile: path.join(dir, 'conmon.pid'),
    exitDir,
    persistDir: persist,
    logFile: path.join(persist, 'log'),
    socketDir: dir,
    runcLogFile: path.join(dir, 'runc.log'),
    conmon: 'conmon',
    runtime: runcPath,
    runcRoot: root,
    logSizeMax: -1,
  });
  const exited = fileAppears(path.join(exitDir, id), RUN_TIMEOUT_MS);
  await runOk('runc', ['--root', root, 'start', id], { timeoutMs: RUN_TIMEOUT_MS });
  await exited;
  await runOk('runc', ['--root', root, 'delete', id], { timeoutMs: RUN_TIMEOUT_MS });
  const out = fs.readFileSync(path.join(persist, 'log'), 'utf8');
  if (!out.includes('hi')) throw new Error(`conmon split ${id} logged ${JSON.stringify(out)}, not "hi"`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(persist, { recursive: true, force: true });
}

export async function runcSubject(work: string, volatile: string, echoBundle: string): Promise<RuncSubject> {
  const root = path.join(volatile, 'runc-peer');
  const version = (await runOk('runc', ['--version'], { timeoutMs: VERSION_TIMEOUT_MS })).stdout.split('\n')[0].trim();
  const splitHops: SplitHops[] = [];
  // conmon wants the runtime by its path, as corrald gives it
  const runcPath = (await which('runc')) ?? 'runc';
  return {
    name: 'runc',
    version,
    notes: [
      'runc --root of its own; `runc run --bundle` of the bench bundle, which runc deletes on exit',
      '"runc split": `runc create` (the container\'s stdout a pipe to the bench), `runc start`, the end of that pipe (the exit), `runc delete --force`, each spawned straight from Node: what a monitor-based tool cannot do with fewer runc processes',
      '"conmon split": corrald\'s own conmon launch code (daemon/oci/conmon.ts: conmon runs `runc create`, its pid on the sync pipe), `runc start`, conmon\'s exit file (inotify), `runc delete`, driven from Node with no records, queue or socket: the floor of a conmon-based supervisor such as corral or podman',
    ],
    splitHops,
    runToExit: [
      {
        label: 'runc run',
        async run(id) {
          const r = await runOk('runc', ['--root', root, 'run', '--bundle', echoBundle, id], { timeoutMs: RUN_TIMEOUT_MS });
          if (!r.stdout.includes('hi')) throw new Error(`runc run ${id} printed ${JSON.stringify(r.stdout)}, not "hi"`);
        },
      },
      {
        label: 'runc split',
        async run(id) {
          let t = now();
          const { ended } = await createWithPipe(root, echoBundle, id);
          const create = since(t);
          t = now();
          await runOk('runc', ['--root', root, 'start', id], { timeoutMs: RUN_TIMEOUT_MS });
          const start = since(t);
          t = now();
          const out = await ended;
          const exitSeen = since(t);
          t = now();
          await runOk('runc', ['--root', root, 'delete', '--force', id], { timeoutMs: RUN_TIMEOUT_MS });
          splitHops.push({ create, start, exitSeen, delete: since(t) });
          if (!out.includes('hi')) throw new Error(`runc split ${id} printed ${JSON.stringify(out)}, not "hi"`);
        },
      },
      {
        label: 'conmon split',
        run: (id) => conmonSplit(root, runcPath, work, volatile, echoBundle, id),
      },
    ],
    async close() {
      // a run cut short by its timeout leaves its container behind
      const list = await run('runc', ['--root', root, 'list', '-q'], { timeoutMs: CLEANUP_TIMEOUT_MS });
      for (const id of list.stdout.split('\n').filter(Boolean)) {
        await run('runc', ['--root', root, 'delete', '--force', id], { timeoutMs: CLEANUP_TIMEOUT_MS });
      }
    },
  };
}
