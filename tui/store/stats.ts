// Stats of the containers on screen. The model polls container.stats once a
// second, for the rows the view says are visible and only those running or
// paused, one poll at a time and only while the list is live; it keeps a
// minute of points per container and forgets containers that are gone. The
// polls are counted rather than logged one by one. Each sample becomes a
// point through a pure function: CPU % (of one core, as top shows it) from
// the usage counter's growth over the wall time since the previous point. A
// first sample, a gap in polling (the row was scrolled away) or a counter
// that went backwards (the container was recreated) starts the CPU series
// afresh rather than showing an average over the gap or a negative.
import type { ContainerT, ResultOf } from '../../shared/api.js';
import { Model } from './model.js';

/** Stats samples kept per container: a minute at one a second. */
const STATS_POINTS = 60;
export const STATS_INTERVAL_MS = 1000;

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

export interface StatsState {
  byId: Readonly<Record<string, StatsPoint[]>>;
  /** Requests made for these: shown in the action log as a count, not one by one. */
  polls: number;
}

export interface StatsDeps {
  /** Sends without recording in the action log. */
  request: (id: string) => Promise<ResultOf<'container.stats'>>;
  /** Whether the list follows the daemon now: polls wait otherwise. */
  live: () => boolean;
  containers: () => Readonly<Record<string, ContainerT>>;
}

export class Stats extends Model<StatsState> {
  private timer: NodeJS.Timeout | null = null;
  private targets: string[] = [];
  private inFlight = false;

  constructor(private readonly deps: StatsDeps) {
    super({ byId: {}, polls: 0 });
  }

  start(everyMs = STATS_INTERVAL_MS): void {
    this.timer = setInterval(() => void this.poll(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The ids whose stats are on screen; only those are polled. */
  watch(ids: string[]): void {
    this.targets = [...new Set(ids)];
  }

  async poll(): Promise<void> {
    if (this.inFlight || !this.deps.live()) return;
    const containers = this.deps.containers();
    const ids = this.targets.filter((id) => {
      const s = containers[id]?.state;
      return s === 'running' || s === 'paused';
    });
    if (!ids.length) return;
    this.inFlight = true;
    try {
      const results = await Promise.allSettled(ids.map((id) => this.deps.request(id)));
      const now = Date.now();
      const present = this.deps.containers();
      const byId: Record<string, StatsPoint[]> = {};
      for (const [id, points] of Object.entries(this.state.byId)) if (present[id]) byId[id] = points;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') byId[ids[i]] = appendSample(byId[ids[i]], r.value, now, STATS_POINTS);
      });
      this.set({ byId, polls: this.state.polls + ids.length });
    } finally {
      this.inFlight = false;
    }
  }
}
