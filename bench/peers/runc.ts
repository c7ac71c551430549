// Bare runc, the floor every start path is compared with: the same bundle
// corral runs, in a runc --root of this bench run's own. Two ways:
// `runc run`, one process that creates, starts, waits and deletes (runc
// deletes unless --keep), and the "split" that every monitor-based tool pays
// for (issue 18): `runc create`, `runc start`, the wait for the exit and
// `runc delete`, each a runc process, driven the cheapest way there is (spawned
// straight from here, no shell, no conmon): the container's stdout is a pipe
// that runc create hands to it, and its end is the exit. runc has no detached
// lifecycle or monitor, so it takes part in the run-to-exit figure only.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { now, run, runOk, since } from '../exec.js';
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

export async function runcSubject(work: string, echoBundle: string): Promise<RuncSubject> {
  const root = path.join(work, 'runc-peer');
  const version = (await runOk('runc', ['--version'], { timeoutMs: VERSION_TIMEOUT_MS })).stdout.split('\n')[0].trim();
  const splitHops: SplitHops[] = [];
  return {
    name: 'runc',
    version,
    notes: [
      'runc --root of its own; `runc run --bundle` of the bench bundle, which runc deletes on exit',
      '"runc split": `runc create` (the container\'s stdout a pipe to the bench), `runc start`, the end of that pipe (the exit), `runc delete --force`, each spawned straight from Node: what a monitor-based tool cannot do with fewer runc processes',
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
