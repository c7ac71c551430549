// Formatting for the terminal UI: how a container state reads (word and glyph,
// so it survives NO_COLOR and light terminals), ages, byte sizes, CPU
// percentages, sparklines, clock times and fitting text into a column. Pure
// functions with no Ink in them, so they are unit-tested on their own.
import type { ContainerStateT } from '../shared/api.js';

export const STATE_GLYPH: Record<ContainerStateT, string> = {
  running: '●',
  paused: '‖',
  created: '○',
  stopped: '■',
};

export const STATE_COLOR: Record<ContainerStateT, string> = {
  running: 'green',
  paused: 'yellow',
  created: 'cyan',
  stopped: 'gray',
};

/** Rank of a state when the list is sorted by state: live ones first. */
export const STATE_RANK: Record<ContainerStateT, number> = { running: 0, paused: 1, created: 2, stopped: 3 };

/** "5s", "12m", "3h", "4d": the age of something started at `iso`. */
export function age(iso: string | undefined, now: number): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '-';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Binary units as top and free print them: 512B, 3.4K, 12M, 1.5G. */
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n) || n < 0) return '-';
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

/** A memory limit of "unlimited" comes back as a huge number from cgroups. */
export function limit(n: number | undefined): string {
  if (n === undefined || n <= 0 || n >= 2 ** 60) return '∞';
  return bytes(n);
}

export function percent(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '-';
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** HH:MM:SS in local time, the form of "stale since" and the logs. */
export function clock(t: number | string | undefined): string {
  if (t === undefined) return '--:--:--';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '--:--:--';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A date and time for the Info tab: "2026-11-28 12:44:21". */
export function dateTime(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${clock(iso)}`;
}

const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` values as a sparkline scaled to `max` (default: their maximum). */
export function sparkline(values: number[], width: number, max?: number): string {
  const shown = values.slice(-width);
  const top = max ?? Math.max(0, ...shown);
  const line = shown
    .map((v) => (top <= 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.max(0, Math.round((v / top) * (BARS.length - 1))))]))
    .join('');
  return line.padStart(width, ' ');
}

/** Cut or pad `text` to exactly `width` cells, marking a cut with "…". */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return width === 1 ? '…' : chars.slice(0, width - 1).join('') + '…';
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/** Shell-like splitting of an exec command line: spaces separate, quotes group, backslash escapes. */
export function splitArgs(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let inArg = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inArg = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inArg = true;
    } else if (c === ' ' || c === '\t') {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote`);
  if (inArg) args.push(cur);
  return args;
}

/** A command line as a shell would need it typed: words with spaces or quotes are quoted. */
export function joinArgs(args: string[]): string {
  return args.map((a) => (a === '' || /[\s'"\\$`;&|<>]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
}

/** The one line a request's failure is shown as: the daemon's message, never a stack. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const stderr = (err as { data?: { stderr?: unknown } }).data?.stderr;
    const first = typeof stderr === 'string' ? stderr.trim().split('\n')[0] : '';
    return first && !err.message.includes(first) ? `${err.message}: ${first}` : err.message;
  }
  return String(err);
}
