// Reading the exit code conmon writes when a process ends: two copies, one
// under --root (it survives a reboot) and one in the monitor's exit folder
// under --state (the one the inotify watch sees). Each is read once, for its
// code and for when it was written, which is when the process ended, maybe
// hours before corrald looked. The reads are synchronous: a file of a few
// bytes conmon has just written is in the page cache, and its absence (the
// usual answer while a process runs) is one failed open, where fs.promises
// spent four thread-pool round trips; a restore of 1,000 containers asks
// 2,000 times.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
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
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      continue;
    }
    try {
      const status = parseExitFile(readFileSync(fd, 'utf8'));
      if (status !== undefined) return { status, at: fstatSync(fd).mtime.toISOString() };
    } finally {
      closeSync(fd);
    }
  }
  return undefined;
}
