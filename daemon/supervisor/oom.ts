// Which OOM kills of a container to report, gathered from the kernel and
// the disk and decided by decideOom: the kernel counts a kill in the
// container's memory cgroup before its victim dies, so the exit of a killed
// process (status 137) always finds its kill counted and claims it. An
// unclaimed rise waits while any dead process's exit is still pending,
// since it may be that exit's to claim.
import { INIT_PROCESS } from '../../shared/api.js';
import type { Container } from '../runtime/container.js';
import { decideOom, type OomFacts } from '../runtime/decide.js';
import { readIfExists } from '../runtime/files.js';
import { isSameProcess, oomCounterFile, readOomKills } from '../runtime/procinfo.js';
import { SIGKILL } from '../runtime/signals.js';

/** The exit status of a process ended by SIGKILL, as the OOM killer ends its victims. */
const EXIT_SIGKILL = 128 + SIGKILL;

/** The report to make now, if any: the counter value to record, and the process named when EXIT claims the kill. */
export async function oomToReport(c: Container, exit?: { processId: string; status: number }): Promise<{ kills: number; victim?: string } | undefined> {
  const claimsIt = exit?.status === EXIT_SIGKILL;
  const kills = await oomKills(c);
  const facts: OomFacts = {
    kills,
    reportedKills: c.record.oomKills,
    reportedBefore: c.record.oomReportedAt !== undefined,
    oomFile: kills === undefined && (await readIfExists(c.layout.oomFile(c.id, exit?.processId ?? INIT_PROCESS))) !== undefined,
    victimPending: false,
    claimsIt,
  };
  let d = decideOom(facts);
  // only a report that would go out unclaimed needs the look at the other processes
  if (d.report && !claimsIt) d = decideOom({ ...facts, victimPending: await hasUnrecordedDeath(c, exit?.processId) });
  if (!d.report) return undefined;
  return { kills: d.kills, ...(claimsIt ? { victim: exit!.processId } : {}) };
}

/** The kernel's count of OOM kills in the container's memory cgroup; undefined once the cgroup is gone (deleted, rebooted). */
async function oomKills(c: Container): Promise<number | undefined> {
  let file = c.record.oomCounter;
  // a container started before the counter's file was recorded: init's cgroup, while init is still itself
  if (!file && c.init?.pid && c.init.exitStatus === undefined && (await isSameProcess(c.init.pid, c.init.pidStart))) {
    file = await oomCounterFile(c.init.pid);
  }
  return file ? readOomKills(file) : undefined;
}

/** Whether a process other than EXCEPT has died with its exit not yet recorded (its monitor is still writing it). */
async function hasUnrecordedDeath(c: Container, except?: string): Promise<boolean> {
  for (const p of c.processes.values()) {
    if (p.id === except || p.exitStatus !== undefined || p.pid === null) continue;
    if (!(await isSameProcess(p.pid, p.pidStart))) return true;
  }
  return false;
}
