// Reading the exit code conmon writes when a process ends: two copies, one
// under --root (it survives a reboot) and one in the monitor's exit folder
// under --state (the one the inotify watch sees). Each is read once, for its
// code and for when it was written, which is when the process ended, maybe
// hours before corrald looked.
import fs from 'node:fs/promises';
import { parseExitFile } from './decide.js';
import type { Layout } from './layout.js';

/** An exit as conmon recorded it. */
export interface ExitFile {
  status: number;
  /** When the file was written (ISO time). */
  at: string;
}

/** The exit of process PROCESSID of container ID, or undefined while it runs. */
export async function readExitFile(layout: Layout, id: string, processId: string): Promise<ExitFile | undefined> {
  for (const file of [layout.exitFile(id, processId), layout.monitorExitFile(id, processId)]) {
    const fh = await fs.open(file, 'r').catch(() => undefined);
    if (!fh) continue;
    try {
      const status = parseExitFile(await fh.readFile('utf8'));
      if (status !== undefined) return { status, at: (await fh.stat()).mtime.toISOString() };
    } finally {
      await fh.close();
    }
  }
  return undefined;
}
