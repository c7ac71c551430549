// Stats history of one container, as a pure function: each container.stats
// sample becomes a point with CPU % (of one core, as top shows it) computed
// from the usage counter's growth over the wall time since the previous
// point. A first sample, a gap in polling (the row was scrolled away) or a
// counter that went backwards (the container was recreated) starts the CPU
// series afresh rather than showing an average over the gap or a negative.
import type { ResultOf } from '../../shared/api.js';

export interface StatsPoint {
  t: number;
  usageNs: number;
  /** CPU % of one core since the previous point; undefined when there is no comparable previous one. */
  cpu?: number;
  mem: number;
  memLimit: number;
  pids: number;
}

/** Samples further apart than this are not compared (ms). */
export const MAX_SAMPLE_GAP_MS = 5000;

export function appendSample(points: StatsPoint[] | undefined, s: ResultOf<'container.stats'>, now: number, keep: number): StatsPoint[] {
  const prev = points?.[points.length - 1];
  const comparable = prev && now > prev.t && now - prev.t <= MAX_SAMPLE_GAP_MS && s.cpu.usageNs >= prev.usageNs;
  const cpu = comparable ? ((s.cpu.usageNs - prev.usageNs) / ((now - prev.t) * 1e6)) * 100 : undefined;
  const point: StatsPoint = { t: now, usageNs: s.cpu.usageNs, cpu, mem: s.memory.usageBytes, memLimit: s.memory.limitBytes, pids: s.pids.current };
  return [...(points ?? []), point].slice(-keep);
}
