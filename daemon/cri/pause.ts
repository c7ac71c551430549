// The bundle of every pod's infra container, made once under <root>/cri/pause:
// busybox-static (as `corral bundle create` makes it) running a shell that
// sleeps until SIGTERM. It holds the pod's network, IPC and UTS namespaces,
// which the pod's containers join; as pid 1 of its own pid namespace it must
// trap SIGTERM itself, or the kernel would ignore it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createBundle } from '../../shared/bundle.js';
import type { Layout } from '../runtime/layout.js';

const PAUSE_ARGS = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];

/** The pause bundle, made if missing: built aside and renamed into place, so a crash never leaves half of one. */
export async function pauseBundle(layout: Layout): Promise<string> {
  const dir = layout.pauseBundle;
  if (await fs.stat(path.join(dir, 'config.json')).then(() => true, () => false)) return dir;
  const tmp = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  await createBundle(tmp, { args: PAUSE_ARGS });
  try {
    await fs.rename(tmp, dir);
  } catch (err) {
    // another RunPodSandbox made it meanwhile: that one is as good
    await fs.rm(tmp, { recursive: true, force: true });
    if (!['EEXIST', 'ENOTEMPTY'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  return dir;
}
