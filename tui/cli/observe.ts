// The verbs that watch containers without changing them: logs (process.logs,
// followed with -f), top (process.list: the processes corral started in it)
// and stats (container.stats sampled every second into a live table; CPU %
// is the usage between two samples over the time between them). On a
// terminal stats redraws in place; off one it prints one table per sample,
// and --no-stream prints one and exits.
import type { ContainerT, ProcessT, ResultOf } from '../../shared/api.js';
import type { Client } from '../../shared/client.js';
import { isCorralError } from '../../shared/errors.js';
import { bytes, limit, percent } from '../format.js';
import { ago, parseSince } from './human.js';
import { bool, int, str } from './parse.js';
import { FORMAT_FLAG, verb, type VerbSpec } from './spec.js';
import { streamLogs } from './stream.js';
import { printList, type Column } from './table.js';

/** How often stats samples. */
const STATS_INTERVAL_MS = 1000;
/** The first sample's partner for CPU %: short so --no-stream answers quickly, long enough to mean something. */
const FIRST_SAMPLE_MS = 500;

const logs = verb({
  name: 'logs',
  group: 'Containers',
  summary: "print a container's output; with -f follow it until the container exits",
  args: 'CONTAINER',
  minArgs: 1,
  maxArgs: 1,
  complete: 'containers',
  mutates: false,
  flags: [
    { name: 'follow', short: 'f', help: 'keep printing new lines until the process exits' },
    { name: 'tail', short: 'n', value: 'N', help: 'only the last N lines' },
    { name: 'since', value: 'TIME', help: 'only lines since TIME: RFC 3339 (2026-11-30T08:00:00Z) or an age (30s, 10m, 1h)' },
    { name: 'timestamps', short: 't', help: 'start each line with its time' },
    { name: 'process', value: 'ID', help: 'the log of this exec process instead of the container\'s init' },
  ],
  async run(ctx, p) {
    const since = str(p, 'since');
    await streamLogs(await ctx.client(), {
      id: p.positionals[0],
      processId: str(p, 'process'),
      tail: int(p, 'tail'),
      follow: bool(p, 'follow'),
      since: since === undefined ? undefined : parseSince(since),
      timestamps: bool(p, 'timestamps'),
    }, ctx.out);
    return 0;
  },
});

const processRow = (q: ProcessT) => ({
  ID: q.id,
  Pid: q.pid ?? '',
  State: q.state,
  ExitCode: q.exitStatus ?? '',
  Started: ago(q.startedAt),
  Command: q.args.join(' '),
});
type ProcessRow = ReturnType<typeof processRow>;

const TOP_COLUMNS: Column<ProcessRow>[] = [
  { header: 'PROCESS', get: (r) => r.ID },
  { header: 'PID', get: (r) => String(r.Pid) },
  { header: 'STATE', get: (r) => r.State },
  { header: 'EXIT', get: (r) => String(r.ExitCode) },
  { header: 'STARTED', get: (r) => r.Started },
  { header: 'COMMAND', get: (r) => r.Command, flex: true },
];

const top = verb({
  name: 'top',
  group: 'Containers',
  summary: 'list the processes corral started in a container: init and every exec',
  args: 'CONTAINER',
  minArgs: 1,
  maxArgs: 1,
  complete: 'containers',
  mutates: false,
  flags: [FORMAT_FLAG],
  async run(ctx, p) {
    const { processes } = await (await ctx.client()).request('process.list', { id: p.positionals[0] });
    printList(processes, { format: str(p, 'format'), out: ctx.out, columns: TOP_COLUMNS, row: processRow });
    return 0;
  },
});

interface StatsRow {
  id: string;
  cpuPercent: number;
  memory: { usageBytes: number; limitBytes: number };
  pids: { current: number; limit: number };
}

const STATS_COLUMNS: Column<StatsRow>[] = [
  { header: 'ID', get: (r) => r.id },
  { header: 'CPU %', get: (r) => percent(r.cpuPercent) },
  { header: 'MEM USAGE / LIMIT', get: (r) => `${bytes(r.memory.usageBytes)} / ${limit(r.memory.limitBytes)}` },
  { header: 'MEM %', get: (r) => (r.memory.limitBytes > 0 && r.memory.limitBytes < 2 ** 60 ? percent((100 * r.memory.usageBytes) / r.memory.limitBytes) : '-') },
  { header: 'PIDS', get: (r) => String(r.pids.current) },
];

type Sample = { at: number; stats: ResultOf<'container.stats'> };

/** One sample of each container; a container that stopped or went meanwhile is left out. */
async function sample(c: Client, ids: string[]): Promise<Map<string, Sample>> {
  const out = new Map<string, Sample>();
  await Promise.all(ids.map(async (id) => {
    try {
      out.set(id, { at: performance.now(), stats: await c.request('container.stats', { id }) });
    } catch (err) {
      if (!isCorralError(err, 'not_found') && !isCorralError(err, 'invalid_state')) throw err;
    }
  }));
  return out;
}

const stats = verb({
  name: 'stats',
  group: 'Containers',
  summary: 'a live table of CPU, memory and pids of running containers',
  args: '[CONTAINER...]',
  complete: 'containers',
  mutates: false,
  flags: [{ name: 'no-stream', help: 'print one table and exit' }, FORMAT_FLAG],
  async run(ctx, p) {
    const c = await ctx.client();
    const named = p.positionals;
    const targets = async () => named.length ? named : (await c.request('container.list', { state: 'running' })).containers.map((x: ContainerT) => x.id);
    if (named.length) for (const id of named) await c.request('container.get', { id }); // a typo fails at once, not as an empty table
    let prev = await sample(c, await targets());
    let wait = FIRST_SAMPLE_MS;
    let stopped = false;
    const onInt = () => { stopped = true; };
    process.once('SIGINT', onInt);
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, wait));
        if (stopped) return 0;
        wait = STATS_INTERVAL_MS;
        const now = await sample(c, await targets());
        const rows: StatsRow[] = [...now].map(([id, s]) => {
          const before = prev.get(id);
          const cpu = before ? ((s.stats.cpu.usageNs - before.stats.cpu.usageNs) / 1e6 / (s.at - before.at)) * 100 : 0;
          return { id, cpuPercent: Math.max(0, cpu), memory: s.stats.memory, pids: s.stats.pids };
        });
        prev = now;
        if (ctx.out.tty && !bool(p, 'no-stream')) ctx.out.stdout.write('\x1b[H\x1b[2J');
        printList(rows, { format: str(p, 'format'), out: ctx.out, columns: STATS_COLUMNS, row: (r) => r });
        if (bool(p, 'no-stream') || stopped) return 0;
      }
    } finally {
      process.off('SIGINT', onInt);
    }
  },
});

export const observeVerbs: VerbSpec[] = [logs, top, stats];
