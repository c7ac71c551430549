// The scale phase's chart (issue 18): how each figure grows from 10 to 100 to
// 1,000 running containers, as one hand-written SVG of small panels (a log
// scale of containers across, the figure up from zero, the goal as a dashed
// line and, dotted, where the figure would be if it grew linearly from the
// smallest level), so that anything growing faster than linearly shows. No
// charting package: a few dozen elements do not need one.
import type { ScaleResult } from './types.js';

interface Panel {
  title: string;
  unit: string;
  values: (number | null)[];
  goal?: number;
  /** Linear growth is drawn for figures that are per-container work (not for a fixed base like RSS). */
  linear: boolean;
}

const W = 300;
const H = 210;
const M = { left: 52, right: 34, top: 30, bottom: 36 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const num = (x: number) => (x === 0 || x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** A round step for about four ticks up to X: 1, 2, 2.5 or 5 times a power of ten. */
function niceStep(x: number): number {
  const raw = x / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function panel(p: Panel, counts: number[], ox: number, oy: number): string {
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const lx = (n: number) => {
    const [a, b] = [Math.log10(counts[0]), Math.log10(counts.at(-1)!)];
    return ox + M.left + (b === a ? iw / 2 : ((Math.log10(n) - a) / (b - a)) * iw);
  };
  const first = p.values[0];
  const linearTop = p.linear && first ? (first * counts.at(-1)!) / counts[0] : 0;
  const highest = Math.max(1e-9, ...p.values.map((v) => v ?? 0), p.goal ?? 0) * 1.05;
  const step = niceStep(highest);
  const ticks = Math.ceil(highest / step);
  const top = step * ticks;
  const ly = (v: number) => oy + M.top + ih - (Math.min(v, top) / top) * ih;
  const out: string[] = [];
  out.push(`<text x="${ox + M.left}" y="${oy + 18}" class="t">${esc(p.title)} (${esc(p.unit)})</text>`);
  out.push(`<rect x="${ox + M.left}" y="${oy + M.top}" width="${iw}" height="${ih}" class="frame"/>`);
  for (let i = 0; i <= ticks; i++) {
    const v = step * i;
    out.push(`<line x1="${ox + M.left - 3}" x2="${ox + M.left}" y1="${ly(v)}" y2="${ly(v)}" class="axis"/><text x="${ox + M.left - 5}" y="${ly(v) + 3}" class="l" text-anchor="end">${num(v)}</text>`);
  }
  for (const n of counts) out.push(`<text x="${lx(n)}" y="${oy + H - M.bottom + 14}" class="l" text-anchor="middle">${n}</text>`);
  out.push(`<text x="${ox + M.left + iw / 2}" y="${oy + H - 6}" class="l" text-anchor="middle">containers running (log scale)</text>`);
  if (p.goal !== undefined) out.push(`<line x1="${ox + M.left}" x2="${ox + M.left + iw}" y1="${ly(p.goal)}" y2="${ly(p.goal)}" class="goal"/><text x="${ox + M.left + iw - 2}" y="${ly(p.goal) - 3}" class="l goalt" text-anchor="end">goal ${num(p.goal)}</text>`);
  if (p.linear && first) {
    const pts = counts.map((n) => `${lx(n)},${ly((first * n) / counts[0])}`).join(' ');
    out.push(`<polyline points="${pts}" class="lin"/>`);
    if (linearTop > top) out.push(`<text x="${ox + M.left + iw - 2}" y="${oy + M.top + 10}" class="l" text-anchor="end">linear from ${counts[0]}: ${num(linearTop)} at ${counts.at(-1)}</text>`);
  }
  const pts = counts.map((n, i) => (p.values[i] === null ? null : `${lx(n)},${ly(p.values[i]!)}`)).filter(Boolean);
  out.push(`<polyline points="${pts.join(' ')}" class="line"/>`);
  counts.forEach((n, i) => {
    const v = p.values[i];
    if (v === null) return;
    out.push(`<circle cx="${lx(n)}" cy="${ly(v)}" r="3" class="dot"/><text x="${lx(n)}" y="${ly(v) - 6}" class="v" text-anchor="middle">${num(v)}</text>`);
  });
  return out.join('\n');
}

/** The SVG for a scale result; DATE and MACHINE go in its caption. */
export function scaleChart(s: ScaleResult, caption: string): string {
  const counts = s.levels.map((l) => l.containers);
  const panels: Panel[] = [
    { title: 'corrald RSS', unit: 'MiB', values: s.levels.map((l) => (l.rssKiB === null ? null : l.rssKiB / 1024)), goal: 150, linear: false },
    { title: 'container.list p50', unit: 'ms', values: s.levels.map((l) => l.list.median), goal: 20, linear: true },
    { title: 'recovery after SIGKILL', unit: 'ms', values: s.levels.map((l) => l.recovery.firstAnswerMs), goal: 2000, linear: false },
    { title: `start all from ${s.clients} clients`, unit: 'ms', values: s.levels.map((l) => l.startMs), linear: true },
    { title: 'kill + wait of all at once', unit: 'ms', values: s.levels.map((l) => l.killWaitMs), linear: true },
    { title: 'delete all', unit: 'ms', values: s.levels.map((l) => l.deleteMs), linear: true },
  ];
  const cols = 3;
  const rows = Math.ceil(panels.length / cols);
  const width = cols * W;
  const height = rows * H + 50;
  const body = panels.map((p, i) => panel(p, counts, (i % cols) * W, 44 + Math.floor(i / cols) * H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<style>
.t{font-size:12px;font-weight:bold}.l{font-size:10px;fill:#444}.v{font-size:10px;fill:#1f4e9a}
.frame{fill:#fafafa;stroke:#bbb}.axis{stroke:#888}.line{fill:none;stroke:#1f4e9a;stroke-width:2}.dot{fill:#1f4e9a}
.goal{stroke:#c0392b;stroke-dasharray:5 3}.goalt{fill:#c0392b}.lin{fill:none;stroke:#999;stroke-dasharray:2 3}
</style>
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="13">${esc(caption)}</text>
<text x="10" y="36" font-size="11" fill="#444">dotted: linear growth from the first level; dashed: the goal of issue 18</text>
${body}
</svg>
`;
}
