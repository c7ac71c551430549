// What the kernel says about processes and the boot: start times (field 22 of
// /proc/PID/stat) so a pid is only trusted together with its start time, the
// boot id so a reboot is recognised without probing pids, and a scan of
// running conmon monitors for leak detection. Reads only; decides nothing.
// /proc is read synchronously: procfs answers from the kernel's memory and
// never waits on a disk, and a sync read of a small file costs about a tenth
// of the four thread-pool round trips of fs.promises.readFile (open, fstat,
// read, close), which a restore of 1,000 containers does thousands of times.
import { readdirSync, readFileSync } from 'node:fs';

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

export function bootId(): string {
  return readFileSync(BOOT_ID_FILE, 'utf8').trim();
}

/** Start time of PID in clock ticks since boot, or undefined if it is gone. */
export async function startTime(pid: number): Promise<number | undefined> {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
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

/**
 * Between looks at whether a process still runs, while waiting for its end:
 * from 1 ms, doubling to 10. A monitor ends a moment after its exit file,
 * so the first looks usually find it gone; a slow one costs a look per 10 ms.
 */
const END_POLL_FIRST_MS = 1;
const END_POLL_MS = 10;

/**
 * Waits, at most TIMEOUTMS, until none of PROCESSES (pid and start time)
 * runs. Linux tells only a process's parent of its end, and the processes
 * waited for here (monitors) are not corrald's children: this looks, more
 * and more seldom, up to every END_POLL_MS.
 */
export async function waitForEnd(processes: { pid: number; start: number | undefined }[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pause = END_POLL_FIRST_MS;
  for (const p of processes) {
    while ((await isSameProcess(p.pid, p.start)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(END_POLL_MS, pause * 2);
    }
  }
}

/** Where cgroup file systems are mounted: v1 has one hierarchy per controller, v2 one for all. */
const CGROUP_MOUNT = '/sys/fs/cgroup';

/**
 * The file that holds the kernel's oom_kill counter for PID's memory cgroup:
 * memory.oom_control on cgroup v1, memory.events on v2. Undefined when PID is
 * gone or has no memory cgroup.
 */
export async function oomCounterFile(pid: number): Promise<string | undefined> {
  const text = readKernelFile(`/proc/${pid}/cgroup`);
  if (!text) return undefined;
  const lines = text.split('\n').map((l) => l.split(':'));
  const v1 = lines.find((f) => f.length >= 3 && f[1].split(',').includes('memory'));
  const candidates = v1 ? [`${CGROUP_MOUNT}/memory${v1.slice(2).join(':')}/memory.oom_control`] : [];
  const v2 = lines.find((f) => f.length >= 3 && f[0] === '0' && f[1] === '');
  if (v2) candidates.push(`${CGROUP_MOUNT}${v2.slice(2).join(':')}/memory.events`);
  for (const file of candidates) if ((await readOomKills(file)) !== undefined) return file;
  return undefined;
}

/** The oom_kill count in FILE (memory.oom_control or memory.events), or undefined when it cannot be read. */
export async function readOomKills(file: string): Promise<number | undefined> {
  const text = readKernelFile(file);
  const m = text === undefined ? null : /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface MonitorProcess {
  pid: number;
  containerId: string;
  session: string;
}

/** conmon processes whose runtime root is RUNC_ROOT: the ones corral started. */
export async function findMonitors(runcRoot: string): Promise<MonitorProcess[]> {
  const out: MonitorProcess[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    // no /proc: no monitors to find
  }
  for (const entry of entries) {
    const m = monitorOf(readKernelFile(`/proc/${entry}/cmdline`)?.split('\0'), runcRoot);
    if (m) out.push({ pid: Number(entry), ...m });
  }
  return out;
}

/** A file of /proc or a cgroup's, read at once; undefined when it is gone. */
function readKernelFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The container and session of a conmon under RUNCROOT, from its command line; undefined for anything else. */
function monitorOf(argv: string[] | undefined, runcRoot: string): { containerId: string; session: string } | undefined {
  if (!argv?.[0]?.endsWith('conmon')) return undefined;
  const rootAt = argv.indexOf(runcRoot);
  if (rootAt < 1 || argv[rootAt - 1] !== '--runtime-arg') return undefined;
  const flag = (f: string) => {
    const i = argv.indexOf(f);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const containerId = flag('-c');
  const session = flag('-u');
  return containerId && session ? { containerId, session } : undefined;
}
