// Which OOM kills of a container to report, gathered from the kernel and
// the disk and decided by decideOom: the kernel counts a kill in the
// container's memory cgroup before its victim dies, so the exit of a killed
// process (status 137) always finds its kill counted and claims it. An
// unclaimed rise waits while any dead process's exit is still pending,
// since it may be that exit's to claim.
import { INIT_PROCESS } from '../../shared/api.js';
import type { Container } from '../runtime/container.js';
import { decideOom, type OomFacts } from '../runtime/decide.js';
import { SIGKILL } from '../runtime/signals.js';

/** The exit status of a process ended by SIGKILL, as the OOM killer ends its victims. */
const EXIT_SIGKILL = 128 + SIGKILL;

/** The report to make now, if any: the counter value to record, and the process named when EXIT claims the kill. */
export async function oomToReport(c: Container, exit?: { processId: string; status: number }): Promise<{ kills: number; victim?: string } | undefined> {
  const claimsIt = exit?.status === EXIT_SIGKILL;
  const kills = await c.oomKills();
  const facts: OomFacts = {
    kills,
    reportedKills: c.record.oomKills,
    reportedBefore: c.record.oomReportedAt !== undefined,
    oomFile: kills === undefined && (await c.oomKilled(exit?.processId ?? INIT_PROCESS)),
    victimPending: false,
    claimsIt,
  };
  let d = decideOom(facts);
  // only a report that would go out unclaimed needs the look at the other processes
  if (d.report && !claimsIt) d = decideOom({ ...facts, victimPending: await c.hasUnrecordedDeath(exit?.processId) });
  if (!d.report) return undefined;
  return { kills: d.kills, ...(claimsIt ? { victim: exit!.processId } : {}) };
}
