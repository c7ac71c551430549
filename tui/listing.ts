// Which containers the table shows and in what order: the `/` filter (id,
// state or any label key or value, case-insensitive), the all-or-running
// toggle and the sort key. Pure, so the table and the tests agree on it.
import type { ContainerT } from '../shared/api.js';
import { STATE_RANK } from './format.js';
import type { StatsPoint } from './store/stats.js';

export const SORTS = ['id', 'state', 'age', 'cpu', 'memory'] as const;
export type SortKey = (typeof SORTS)[number];

export interface ListingOptions {
  filter: string;
  showAll: boolean;
  sort: SortKey;
  stats: Readonly<Record<string, StatsPoint[]>>;
}

function matches(c: ContainerT, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  if (c.id.toLowerCase().includes(f) || c.state === f) return true;
  return Object.entries(c.labels).some(([k, v]) => k.toLowerCase().includes(f) || v.toLowerCase().includes(f) || `${k}=${v}`.toLowerCase() === f);
}

const last = (points: StatsPoint[] | undefined) => points?.[points.length - 1];

export function listing(byId: Readonly<Record<string, ContainerT>>, o: ListingOptions): ContainerT[] {
  const rows = Object.values(byId).filter((c) => (o.showAll || c.state === 'running') && matches(c, o.filter));
  const byIdOrder = (a: ContainerT, b: ContainerT) => a.id.localeCompare(b.id);
  const desc = (x: number | undefined, y: number | undefined) => (y ?? -1) - (x ?? -1);
  const cmp: Record<SortKey, (a: ContainerT, b: ContainerT) => number> = {
    id: byIdOrder,
    state: (a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || byIdOrder(a, b),
    age: (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || byIdOrder(a, b),
    cpu: (a, b) => desc(last(o.stats[a.id])?.cpu, last(o.stats[b.id])?.cpu) || byIdOrder(a, b),
    memory: (a, b) => desc(last(o.stats[a.id])?.mem, last(o.stats[b.id])?.mem) || byIdOrder(a, b),
  };
  return rows.sort(cmp[o.sort]);
}

/** The first row of a window of `height` rows that keeps `index` visible, moving as little as possible. */
export function scrollTop(index: number, count: number, height: number, prevTop: number): number {
  if (count <= height || index < 0) return 0;
  let top = Math.min(prevTop, count - height);
  if (index < top) top = index;
  if (index >= top + height) top = index - height + 1;
  return Math.max(0, top);
}
