// A thin wrapper of umoci, which turns an image into a root filesystem: it
// applies the layers in order and honours OCI whiteouts, which corral does not
// reimplement (Node has neither mknod nor setxattr for overlay whiteouts).
// Called once per image, never per container.
import { CorralError } from '../../shared/errors.js';
import { runTool, ToolError } from './tools.js';

/** A large image unpacks in a minute on a slow disk; past this umoci is stuck. */
const UNPACK_TIMEOUT_MS = 30 * 60 * 1000;

/** Unpacks image TAG of the OCI layout LAYOUT into DEST (a new folder: config.json, rootfs/, umoci's metadata). */
export async function unpack(layout: string, tag: string, dest: string, pidFile: string): Promise<void> {
  try {
    await runTool({ binary: 'umoci', pkg: 'umoci', args: ['unpack', '--image', `${layout}:${tag}`, dest], timeoutMs: UNPACK_TIMEOUT_MS, pidFile });
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    const full = /no space left on device|disk quota exceeded/i.test(err.message);
    const reason = full ? 'unavailable' : err.timedOut ? 'timeout' : 'runtime_error';
    throw new CorralError(reason, `umoci could not unpack the image: ${err.message}${full ? "; the disk under corrald's --root is full: free space and retry" : ''}`, {
      data: { stderr: err.message },
      cause: err,
    });
  }
}
