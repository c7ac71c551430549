// The container verbs that list, look at and change containers that exist:
// ps, inspect, start, stop, restart, kill, pause, unpause, rm, wait, update.
// Each is a thin client of the container.* methods; what podman does on the
// client side (stop's grace time then SIGKILL, restart as stop and run again)
// is done here the same way, with the same flags. Verbs that take several
// containers go on past one that fails, as podman's do, and exit 125 if any did.
import { type ContainerT, INIT_PROCESS, type ParamsOf, type ResourcesT, signalNumber, unknownSignal } from '../../shared/api.js';
import type { Client } from '../../shared/client.js';
import { CorralError, isCorralError } from '../../shared/errors.js';
import { shortName } from '../../shared/image-ref.js';
import { each } from './errors.js';
import { ago, command, parseCpus, parseSize, status } from './human.js';
import { bool, closest, int, list, str, UsageError } from './parse.js';
import { FORMAT_FLAG, verb, type Ctx, type FlagSpec, type Parsed, type VerbSpec } from './spec.js';
import { streamLogs } from './stream.js';
import { sessionHere } from '../terminal/commands.js';
import { printInspected, printList, type Column } from './table.js';

/** podman's default grace time for stop and restart. */
const DEFAULT_STOP_SECONDS = 10;
/** How long stop waits for the container to be gone after SIGKILL before saying so. */
const KILL_WAIT_MS = 10_000;

const printId = (ctx: Ctx, id: string) => ctx.out.stdout.write(id + '\n');

/** A ps row: the fields a table and a template show, podman's names first. */
function psRow(c: ContainerT) {
  return {
    ID: c.id,
    Names: c.id,
    // podman's IMAGE: the ref it was made from, as typed short; a bundle's path for one made from a bundle
    Image: c.image ? shortName(c.image.ref) : c.bundle,
    Command: command(c),
    Created: ago(c.createdAt),
    CreatedAt: c.createdAt,
    Status: status(c),
    State: c.state,
    Pid: c.pid ?? '',
    ExitCode: c.exitStatus ?? '',
    Bundle: c.bundle,
    Labels: Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(','),
  };
}
type PsRow = ReturnType<typeof psRow>;

const PS_COLUMNS: Column<PsRow>[] = [
  { header: 'CONTAINER ID', get: (r) => r.ID },
  { header: 'IMAGE', get: (r) => r.Image, flex: true },
  { header: 'COMMAND', get: (r) => r.Command, flex: true },
  { header: 'CREATED', get: (r) => r.Created },
  { header: 'STATUS', get: (r) => r.Status },
  { header: 'PID', get: (r) => String(r.Pid) },
  { header: 'LABELS', get: (r) => r.Labels, flex: true },
];

const FILTER_KEYS = ['state', 'status', 'label', 'id', 'name'];

/** --filter KEY=VALUE, each a condition every container listed must meet. */
function psFilters(p: Parsed): { state?: ContainerT['state']; labels: Record<string, string>; test: (c: ContainerT) => boolean } {
  const tests: ((c: ContainerT) => boolean)[] = [];
  const labels: Record<string, string> = {};
  let state: ContainerT['state'] | undefined;
  for (const f of list(p, 'filter')) {
    const i = f.indexOf('=');
    const [key, value] = i < 0 ? [f, ''] : [f.slice(0, i), f.slice(i + 1)];
    if (key === 'state' || key === 'status') {
      const states = ['created', 'running', 'paused', 'stopped', 'exited'];
      if (!states.includes(value)) throw new UsageError(`--filter ${key}= takes one of ${states.join(', ')}, got "${value}"`);
      state = value === 'exited' ? 'stopped' : (value as ContainerT['state']);
    } else if (key === 'label') {
      const j = value.indexOf('=');
      if (j < 0) tests.push((c) => Object.hasOwn(c.labels, value));
      else labels[value.slice(0, j)] = value.slice(j + 1);
    } else if (key === 'id' || key === 'name') {
      tests.push((c) => c.id.includes(value));
    } else {
      throw new UsageError(`corral ps: unknown filter "${key}"; did you mean ${closest(key, FILTER_KEYS)}? (filters: ${FILTER_KEYS.join(', ')})`);
    }
  }
  return { state, labels, test: (c) => tests.every((t) => t(c)) };
}

const ps = verb({
  name: 'ps',
  group: 'Containers',
  summary: 'list containers: the running and paused ones, or with -a all of them',
  args: '',
  maxArgs: 0,
  mutates: false,
  flags: [
    { name: 'all', short: 'a', help: 'every container, also created and stopped ones' },
    { name: 'quiet', short: 'q', help: 'print the ids only' },
    { name: 'no-trunc', help: 'on a terminal too, print every column whole rather than fit its width' },
    { name: 'filter', short: 'f', value: 'KEY=VALUE', multiple: true, help: 'only containers that match: state=running|paused|created|stopped, label=KEY or label=KEY=VALUE, id=PART' },
    FORMAT_FLAG,
  ],
  async run(ctx, p) {
    const f = psFilters(p);
    const res = await (await ctx.client()).request('container.list', { ...(f.state ? { state: f.state } : {}), ...(Object.keys(f.labels).length ? { labels: f.labels } : {}) });
    const shown = res.containers.filter((c) => f.test(c) && (bool(p, 'all') || f.state || c.state === 'running' || c.state === 'paused'));
    if (bool(p, 'quiet')) for (const c of shown) printId(ctx, c.id);
    else printList(shown, { format: str(p, 'format'), out: bool(p, 'no-trunc') ? { ...ctx.out, columns: undefined } : ctx.out, columns: PS_COLUMNS, row: psRow });
    return 0;
  },
});

const inspect = verb({
  name: 'inspect',
  group: 'Containers',
  summary: 'print containers as JSON, with their processes',
  args: 'CONTAINER [CONTAINER...]',
  minArgs: 1,
  complete: 'containers',
  mutates: false,
  flags: [{ ...FORMAT_FLAG, help: 'json (the default: an array, as podman prints), or a template applied to each, such as \'{{.State}} {{.Pid}}\'' }],
  async run(ctx, p) {
    const found: ContainerT[] = [];
    const status = await each(ctx, 'inspect', p.positionals, async (c, id) => void found.push(await c.request('container.get', { id })));
    printInspected(found, str(p, 'format'), ctx.out);
    return status;
  },
});

const start = verb({
  name: 'start',
  group: 'Containers',
  summary: 'start created containers; with -a print the output (or be its terminal) and exit with its status',
  args: 'CONTAINER [CONTAINER...]',
  minArgs: 1,
  complete: 'containers',
  mutates: true,
  flags: [
    { name: 'attach', short: 'a', help: "print the container's output until it exits, and exit with its status (one container); one made with -t gets this terminal" },
    { name: 'interactive', short: 'i', help: 'with -a, on a container made with -t: send what is typed here to it' },
  ],
  async run(ctx, p) {
    if (bool(p, 'attach')) {
      if (p.positionals.length > 1) throw new UsageError('corral start: -a takes one container');
      const c = await ctx.client();
      const id = p.positionals[0];
      await startOne(c, id);
      const init = (await c.request('container.get', { id })).processes.find((q) => q.id === INIT_PROCESS);
      if (!init?.terminal) return foreground(ctx, c, id);
      return (await sessionHere(c, { id, processId: INIT_PROCESS, input: bool(p, 'interactive'), tty: true })).status;
    }
    if (bool(p, 'interactive')) throw new UsageError('corral start: -i goes with -a');
    return each(ctx, 'start', p.positionals, async (c, id) => {
      await startOne(c, id);
      printId(ctx, id);
    });
  },
});

async function startOne(c: Client, id: string): Promise<void> {
  try {
    await c.request('container.start', { id });
  } catch (err) {
    if (isCorralError(err, 'invalid_state') && (await c.request('container.get', { id })).state === 'stopped') {
      throw new CorralError('invalid_state', `container ${id} has stopped; \`corral restart ${id}\` runs it again`);
    }
    throw err;
  }
}

/**
 * A started container in the foreground: its output until it ends, SIGINT and
 * SIGTERM passed on to it (podman's --sig-proxy), then its exit status.
 */
export async function foreground(ctx: Ctx, c: Client, id: string): Promise<number> {
  const forward = (signal: string) => () => void c.request('container.kill', { id, signal }).catch(() => undefined);
  const onInt = forward('INT');
  const onTerm = forward('TERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    await streamLogs(c, { id, follow: true }, ctx.out);
    return (await c.request('container.wait', { id })).exitStatus;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

const TIME_FLAG: FlagSpec = { name: 'time', short: 't', value: 'SECONDS', help: `seconds to wait after the stop signal before SIGKILL (default ${DEFAULT_STOP_SECONDS})` };

/** podman's stop: SIGTERM, up to SECONDS for the container to exit, then SIGKILL. A paused one is thawed to hear it. */
async function stopOne(c: Client, id: string, seconds: number): Promise<void> {
  const before = await c.request('container.get', { id });
  if (before.state === 'stopped' || before.state === 'created') return;
  await c.request('container.kill', { id, signal: 'TERM' });
  if (before.state === 'paused') await c.request('container.resume', { id });
  try {
    await c.request('container.wait', { id, timeoutMs: seconds * 1000 });
  } catch (err) {
    if (!isCorralError(err, 'timeout')) throw err;
    await c.request('container.kill', { id, signal: 'KILL', all: true });
    await c.request('container.wait', { id, timeoutMs: KILL_WAIT_MS });
  }
}

const stop = verb({
  name: 'stop',
  group: 'Containers',
  summary: 'stop running containers: SIGTERM, then SIGKILL after the grace time',
  args: 'CONTAINER [CONTAINER...]',
  minArgs: 1,
  complete: 'containers',
  mutates: true,
  flags: [TIME_FLAG],
  async run(ctx, p) {
    const seconds = int(p, 'time') ?? DEFAULT_STOP_SECONDS;
    return each(ctx, 'stop', p.positionals, async (c, id) => {
      await stopOne(c, id, seconds);
      printId(ctx, id);
    });
  },
});

/**
 * container.create's params that make X again under its id: from its image
 * (or bundle), with its command, labels and terminal. An image's container
 * keeps no folder of its own after a delete, so it is made again from its
 * image, the same one (by digest) even when its name has moved to another.
 */
async function recreateParams(c: Client, x: ContainerT): Promise<ParamsOf<'container.create'>> {
  const init = x.processes.find((q) => q.id === INIT_PROCESS);
  const base = { id: x.id, labels: x.labels, ...(init?.terminal ? { terminal: true } : {}) };
  if (!x.image) return { ...base, bundle: x.bundle, ...(init ? { args: init.args } : {}) };
  const named = await c.request('image.get', { ref: x.image.ref }).catch(() => undefined);
  const same = named?.digest === x.image.digest;
  const image = same ? named : await c.request('image.get', { ref: x.image.digest });
  // init ran the image's Entrypoint and then the command; create takes the command and adds the Entrypoint
  const entry = image.config.entrypoint ?? [];
  const args = init?.args ?? [];
  const own = entry.every((w, i) => args[i] === w) ? args.slice(entry.length) : args;
  return { ...base, image: same ? x.image.ref : x.image.digest, ...(own.length ? { args: own } : {}) };
}

const restart = verb({
  name: 'restart',
  group: 'Containers',
  summary: 'stop containers and run them again under the same id, from their image or bundle, with the same command and labels',
  args: 'CONTAINER [CONTAINER...]',
  minArgs: 1,
  complete: 'containers',
  mutates: true,
  details:
    'A stopped container cannot run again as it is (runc runs a container once), so restart deletes it and creates it ' +
    'afresh under the same id: from the same image (the same digest, even if its name now points at another) or the same ' +
    'bundle, with the same command, labels and terminal. The environment, working folder, user and limits given to run ' +
    "come from the image's or bundle's defaults again (corrald does not report them), and what the container wrote on " +
    "an image's root is gone with it.",
  flags: [TIME_FLAG],
  async run(ctx, p) {
    const seconds = int(p, 'time') ?? DEFAULT_STOP_SECONDS;
    return each(ctx, 'restart', p.positionals, async (c, id) => {
      await stopOne(c, id, seconds);
      const x = await c.request('container.get', { id });
      if (x.state === 'stopped') {
        // everything the new one needs is read before the old one goes
        const params = await recreateParams(c, x);
        await c.request('container.delete', { id });
        await c.request('container.create', { ...params, start: true });
      } else await c.request('container.start', { id });
      printId(ctx, id);
    });
  },
});

const kill = verb({
  name: 'kill',
  group: 'Containers',
  summary: "send a signal to containers' init process (default SIGKILL, as podman)",
  args: 'CONTAINER [CONTAINER...]',
  minArgs: 1,
  complete: 'containers',
  mutates: true,
  flags: [{ name: 'signal', short: 's', value: 'SIGNAL', help: 'a name (TERM, SIGHUP) or a number; default KILL', complete: 'signals' }],
  async run(ctx, p) {
    const signal = str(p, 'signal') ?? 'KILL';
    if (signalNumber(signal) === undefined) throw new UsageError(`corral kill: ${unknownSignal(signal)}`);
    return each(ctx, 'kill', p.positionals, async (c, id) => {
      await c.request('container.kill', { id, signal });
      printId(ctx, id);
    });
  },
});

/** A verb that calls one method per container and prints each id: pause, unpause, rm. */
function simple(name: string, summary: string, call: (c: Client, id: string, p: Parsed) => Promise<unknown>, flags: FlagSpec[] = []): VerbSpec {
  return verb({
    name, group: 'Containers', summary, args: 'CONTAINER [CONTAINER...]', minArgs: 1, complete: 'containers', mutates: true, flags,
    run: (ctx, p) => each(ctx, name, p.positionals, async (c, id) => {
      await call(c, id, p);
      printId(ctx, id);
    }),
  });
}

const pause = simple('pause', 'freeze every process of running containers', (c, id) => c.request('container.pause', { id }));
const unpause = simple('unpause', 'thaw paused containers', (c, id) => c.request('container.resume', { id }));
const rm = simple(
  'rm',
  'delete containers and every file corral keeps for them',
  (c, id, p) => c.request('container.delete', { id, force: bool(p, 'force') }),
  [{ name: 'force', short: 'f', help: 'delete running and paused ones too (SIGKILL first)' }],
);

const wait = verb({
  name: 'wait',
  group: 'Containers',
  summary: 'wait for containers to exit, print their exit status, and exit with the last one',
  args: 'CONTAINER [CONTAINER...]',
  minArgs: 1,
  complete: 'containers',
  mutates: false,
  flags: [],
  async run(ctx, p) {
    const c = await ctx.client();
    let last = 0;
    for (const id of p.positionals) {
      last = (await c.request('container.wait', { id })).exitStatus;
      ctx.out.stdout.write(`${last}\n`);
    }
    return last;
  },
});

export const RESOURCE_FLAGS: FlagSpec[] = [
  { name: 'memory', short: 'm', value: 'SIZE', help: 'memory limit: bytes, or with k, m, g (256m)' },
  { name: 'cpus', value: 'N', help: 'CPUs it may use, such as 1.5 (a CFS quota over a 100 ms period)' },
  { name: 'cpu-shares', value: 'N', help: 'relative CPU weight, 2 to 262144' },
  { name: 'pids-limit', value: 'N', help: 'most processes at once; -1 for no limit' },
];

/** The limits the resource flags ask for; undefined when none was given. */
export function resourcesOf(p: Parsed): ResourcesT | undefined {
  const r: ResourcesT = {};
  const memory = str(p, 'memory');
  if (memory !== undefined) r.memoryLimitBytes = parseSize(memory, '--memory');
  const cpus = str(p, 'cpus');
  if (cpus !== undefined) Object.assign(r, parseCpus(cpus));
  const shares = int(p, 'cpu-shares', 2);
  if (shares !== undefined) r.cpuShares = shares;
  const pids = int(p, 'pids-limit', -1);
  if (pids !== undefined) r.pidsLimit = pids;
  return Object.keys(r).length ? r : undefined;
}

const update = verb({
  name: 'update',
  group: 'Containers',
  summary: 'change the resource limits of created, running or paused containers',
  args: 'CONTAINER [CONTAINER...]',
  minArgs: 1,
  complete: 'containers',
  mutates: true,
  flags: RESOURCE_FLAGS,
  async run(ctx, p) {
    const resources = resourcesOf(p);
    if (!resources) throw new UsageError(`corral update: give at least one of ${RESOURCE_FLAGS.map((f) => `--${f.name}`).join(', ')}`);
    return each(ctx, 'update', p.positionals, async (c, id) => {
      await c.request('container.update', { id, resources });
      printId(ctx, id);
    });
  },
});

export const containerVerbs: VerbSpec[] = [ps, inspect, start, stop, restart, kill, pause, unpause, rm, wait, update];
