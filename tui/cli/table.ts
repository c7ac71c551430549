// How the verbs print what they list: a plain table whose columns fit the
// terminal's width (the widest flexible column gives way, cut with "…") and
// stay whole off a terminal, so `corral ps | grep` sees every character;
// `--format json` for scripts; and templates in the shape podman and docker
// take, '{{.ID}} {{.State}}' or 'table {{.ID}}\t{{.Status}}'. A header is
// bold only on a terminal without NO_COLOR. Pure functions, unit-tested.
import { UsageError } from './parse.js';
import type { Output } from './spec.js';

export interface Column<R> {
  header: string;
  get: (row: R) => string;
  /** May be cut to fit the terminal (COMMAND, LABELS): the widest of these gives way first. */
  flex?: boolean;
}

const GAP = '  ';
const MIN_FLEX = 8;

const cut = (s: string, n: number) => (s.length <= n ? s : n <= 1 ? s.slice(0, n) : s.slice(0, n - 1) + '…');

/** Rows of cells under their headers, each column as wide as its widest cell, within WIDTH when given. */
export function renderTable(headers: string[], rows: string[][], opts: { width?: number; color?: boolean; flex?: boolean[] } = {}): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  if (opts.width !== undefined) {
    // a character at a time from the widest flexible column, so that they end up sharing the room evenly
    const flex = headers.map((_, i) => opts.flex?.[i] ?? i === headers.length - 1);
    while (total() > opts.width) {
      const i = widths.reduce((best, w, j) => (flex[j] && widths[j] > MIN_FLEX && (best < 0 || w > widths[best]) ? j : best), -1);
      if (i < 0) break;
      widths[i]--;
    }
  }
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? cut(c, widths[i]) : cut(c, widths[i]).padEnd(widths[i])))
      .join(GAP)
      .trimEnd();
  const head = line(headers);
  return [opts.color ? `\x1b[1m${head}\x1b[0m` : head, ...rows.map(line)].join('\n') + '\n';
}

/** Looks up a dotted path in OBJ, each step case-insensitive, so {{.ID}} and {{.id}} both find `id`. */
function lookup(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const step of path.split('.').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    const rec = v as Record<string, unknown>;
    const key = Object.hasOwn(rec, step) ? step : Object.keys(rec).find((k) => k.toLowerCase() === step.toLowerCase());
    v = key === undefined ? undefined : rec[key];
  }
  return v;
}

const show = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

const FIELD = /\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}/g;

/** One line of a template: {{.Field}}, {{.A.B}}, {{json .Field}}, {{json .}}; \t and \n as in Go. */
export function renderTemplate(template: string, obj: unknown): string {
  const text = template.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  if (/\{\{(?![^}]*\}\})/.test(text)) throw new UsageError(`--format: an unclosed {{ in "${template}"`);
  return text.replace(FIELD, (_, json: string | undefined, path: string) => {
    const v = path ? lookup(obj, path) : obj;
    return json ? JSON.stringify(v) ?? 'null' : show(v);
  });
}

export interface ListOptions<T, R> {
  format?: string;
  out: Output;
  columns: Column<R>[];
  /** The row a table and a template see: display fields, with the item's own after them. */
  row: (item: T) => R;
}

/** Prints ITEMS as --format asks: a table (default), json (the items as the API gave them), or a template. */
export function printList<T, R>(items: T[], o: ListOptions<T, R>): void {
  const format = o.format ?? 'table';
  const w = (s: string) => o.out.stdout.write(s);
  if (format === 'json') return void w(JSON.stringify(items, null, 2) + '\n');
  const rows = items.map((it) => ({ ...(it as object), ...(o.row(it) as object) }));
  if (format === 'table') {
    return void w(renderTable(o.columns.map((c) => c.header), items.map((it) => o.columns.map((c) => c.get(o.row(it)))), {
      width: o.out.columns, color: o.out.color, flex: o.columns.map((c) => Boolean(c.flex)),
    }));
  }
  if (format.startsWith('table ')) {
    const cells = format.slice(6).replace(/\\t/g, '\t').split('\t');
    const headers = cells.map((c) => [...c.matchAll(FIELD)].map((m) => m[2].replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()).join(' ') || c.trim());
    return void w(renderTable(headers, rows.map((r) => cells.map((c) => renderTemplate(c, r))), { width: o.out.columns, color: o.out.color }));
  }
  if (!format.includes('{{')) throw new UsageError(`--format must be table, json or a template with {{.Field}}, got "${format}"`);
  for (const r of rows) w(renderTemplate(format, r) + '\n');
}

/** Prints one object: as JSON by default (inspect, info), or through a template. */
export function printObject(value: unknown, format: string | undefined, out: Output): void {
  if (format === undefined || format === 'json') out.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else out.stdout.write(renderTemplate(format, value) + '\n');
}

/** What inspect prints: the objects as one JSON array (podman's form), or each through a template. */
export function printInspected(items: unknown[], format: string | undefined, out: Output): void {
  if (format === undefined || format === 'json') printObject(items, 'json', out);
  else for (const it of items) printObject(it, format, out);
}
