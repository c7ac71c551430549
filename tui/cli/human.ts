// The words and numbers of the command line in the forms podman users read
// and type: "Up 5 minutes", "Exited (0) 3 seconds ago", "2 hours ago" on the
// way out; sizes (256m, 1g), CPU counts (1.5), user ids (1000:1000) and times
// (10m, 2026-11-30T08:00:00Z) on the way in. Pure, unit-tested.
import type { ContainerT } from '../../shared/api.js';
import { UsageError } from './parse.js';

/** "5 seconds", "1 minute", "3 hours", "2 days". */
function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [n, unit] = s < 60 ? [s, 'second'] : s < 3600 ? [Math.floor(s / 60), 'minute'] : s < 86400 ? [Math.floor(s / 3600), 'hour'] : [Math.floor(s / 86400), 'day'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

export const ago = (iso: string | undefined, now = Date.now()) => (iso ? `${duration(now - Date.parse(iso))} ago` : '');

/** podman's STATUS column. */
export function status(c: ContainerT, now = Date.now()): string {
  switch (c.state) {
    case 'running':
      return `Up ${duration(now - Date.parse(c.startedAt ?? c.createdAt))}`;
    case 'paused':
      return `Up ${duration(now - Date.parse(c.startedAt ?? c.createdAt))} (paused)`;
    case 'created':
      return 'Created';
    case 'stopped':
      return `Exited (${c.exitStatus ?? '?'}) ${ago(c.exitedAt ?? c.createdAt, now)}`;
  }
}

/** The command of the container's init process, as one line. */
export function command(c: ContainerT): string {
  const init = c.processes.find((p) => p.id === 'init');
  return init ? init.args.join(' ') : '';
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** 512, 64k, 256m, 1g (binary units, as podman's --memory), to bytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} takes a size such as 512m or 1g, got "${text}"`);
  const n = Math.floor(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]);
  if (n < 1) throw new UsageError(`${flag} must be more than 0, got "${text}"`);
  return n;
}

/** The CFS period podman uses for --cpus; the quota is that many microseconds per CPU. */
const CPU_PERIOD_US = 100_000;

export function parseCpus(text: string): { cpuQuota: number; cpuPeriod: number } {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n <= 0) throw new UsageError(`--cpus takes a number of CPUs more than 0 such as 1.5, got "${text}"`);
  return { cpuQuota: Math.round(n * CPU_PERIOD_US), cpuPeriod: CPU_PERIOD_US };
}

/** -u UID[:GID], numbers only (corral reads no /etc/passwd in the container); GID defaults to 0, as podman's does for a uid it cannot name. */
export function parseUser(text: string): { uid: number; gid: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`--user takes UID[:GID] as numbers such as 1000:1000, got "${text}"`);
  return { uid: Number(m[1]), gid: m[2] === undefined ? 0 : Number(m[2]) };
}

/** --since: a time (RFC 3339, or anything Date reads) or an age back from now (30s, 10m, 1h30m, 2d); in ms since the epoch. */
export function parseSince(text: string, now = Date.now()): number {
  const rel = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (rel && text) {
    const [d, h, m, s] = rel.slice(1).map((x) => Number(x ?? 0));
    return now - (((d * 24 + h) * 60 + m) * 60 + s) * 1000;
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--since takes a time such as 2026-11-30T08:00:00Z or an age such as 10m, got "${text}"`);
  return t;
}

/** K=V pairs (-e, --label) to an object; a pair without = is refused. */
export function pairs(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const i = it.indexOf('=');
    if (i <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got "${it}"`);
    out[it.slice(0, i)] = it.slice(i + 1);
  }
  return out;
}
