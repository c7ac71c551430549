// Memory figures read straight from /proc, the way `ps` does: VmRSS from
// /proc/PID/status (what the issue asks for) and Pss from
// /proc/PID/smaps_rollup (the same memory with shared pages split between
// their users, a fairer per-container cost when a hundred monitors share one
// binary). Also finds the monitor processes of one tool by name and by a path
// that only this bench run's processes carry on their command line.
import fs from 'node:fs/promises';
import { summarize, type Summary } from './stats.js';

export interface ProcMemory {
  pid: number;
  rssKiB: number;
  pssKiB: number | null;
}

async function readField(file: string, field: string): Promise<number | null> {
  try {
    const text = await fs.readFile(file, 'utf8');
    const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // the process ended meanwhile, or smaps_rollup is not there (old kernel)
  }
}

export async function procMemory(pid: number): Promise<ProcMemory | null> {
  const rssKiB = await readField(`/proc/${pid}/status`, 'VmRSS');
  if (rssKiB === null) return null;
  return { pid, rssKiB, pssKiB: await readField(`/proc/${pid}/smaps_rollup`, 'Pss') };
}

/** Pids whose comm starts with `comm` (the kernel cuts comm to 15 bytes) and whose command line contains `marker`. */
export async function findPids(comm: string, marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const c = (await fs.readFile(`/proc/${entry}/comm`, 'utf8')).trim();
      if (!comm.startsWith(c) && !c.startsWith(comm)) continue;
      const cmdline = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

/** Every pid (any name) whose command line contains marker: used to clean up what this run started. */
export async function pidsWithMarker(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

export interface MonitorMemory {
  /** How many monitor processes were found (should equal the containers running). */
  count: number;
  rssKiB: Summary;
  pssKiB: Summary | null;
}

export async function monitorMemory(pids: number[]): Promise<MonitorMemory> {
  const mems = (await Promise.all(pids.map(procMemory))).filter((m): m is ProcMemory => m !== null);
  const pss = mems.map((m) => m.pssKiB).filter((x): x is number => x !== null);
  return { count: mems.length, rssKiB: summarize(mems.map((m) => m.rssKiB)), pssKiB: pss.length ? summarize(pss) : null };
}
