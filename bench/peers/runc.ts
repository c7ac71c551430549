// Bare `runc run`, the floor every start path is compared with: the same
// bundle corral runs, in a runc --root of this bench run's own, one container
// per call that prints a line and is deleted by runc itself on exit (runc run
// deletes unless --keep). runc has no detached lifecycle or monitor, so it
// takes part in the run-to-exit figure only.
import path from 'node:path';
import { run, runOk } from '../exec.js';
import type { Subject } from '../types.js';

const RUN_TIMEOUT_MS = 30_000;
const VERSION_TIMEOUT_MS = 5_000;
const CLEANUP_TIMEOUT_MS = 10_000;

export async function runcSubject(work: string, echoBundle: string): Promise<Subject> {
  const root = path.join(work, 'runc-peer');
  const version = (await runOk('runc', ['--version'], { timeoutMs: VERSION_TIMEOUT_MS })).stdout.split('\n')[0].trim();
  return {
    name: 'runc',
    version,
    notes: ['runc --root of its own; `runc run --bundle` of the bench bundle, which runc deletes on exit'],
    runToExit: [
      {
        label: 'runc run',
        async run(id) {
          const r = await runOk('runc', ['--root', root, 'run', '--bundle', echoBundle, id], { timeoutMs: RUN_TIMEOUT_MS });
          if (!r.stdout.includes('hi')) throw new Error(`runc run ${id} printed ${JSON.stringify(r.stdout)}, not "hi"`);
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
