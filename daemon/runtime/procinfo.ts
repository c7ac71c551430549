// What the kernel says about processes and the boot: start times (field 22 of
// /proc/PID/stat) so a pid is only trusted together with its start time, the
// boot id so a reboot is recognised without probing pids, and a scan of
// running conmon monitors for leak detection. Reads only; decides nothing.
import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

export function bootId(): string {
  return readFileSync(BOOT_ID_FILE, 'utf8').trim();
}

/** Start time of PID in clock ticks since boot, or undefined if it is gone. */
export async function startTime(pid: number): Promise<number | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count from the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** True when PID runs and is the same process that was recorded (same start time). */
export async function isSameProcess(pid: number | null | undefined, recordedStart: number | undefined): Promise<boolean> {
  if (!pid) return false;
  const now = await startTime(pid);
  if (now === undefined) return false;
  return recordedStart === undefined || now === recordedStart;
}

export interface MonitorProcess {
  pid: number;
  containerId: string;
  session: string;
}

/** conmon processes whose runtime root is RUNC_ROOT: the ones corral started. */
export async function findMonitors(runcRoot: string): Promise<MonitorProcess[]> {
  const out: MonitorProcess[] = [];
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith('conmon')) continue;
    const rootAt = argv.indexOf(runcRoot);
    if (rootAt < 1 || argv[rootAt - 1] !== '--runtime-arg') continue;
    const flag = (f: string) => {
      const i = argv.indexOf(f);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const containerId = flag('-c');
    const session = flag('-u');
    if (containerId && session) out.push({ pid: Number(entry), containerId, session });
  }
  return out;
}
