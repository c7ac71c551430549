// `corral run` and `corral create`: a container from an IMAGE (pulled first
// when missing, as podman does) or a --bundle DIR, with podman's flags for
// its name, command, environment, working folder, user, labels, limits and
// terminal. They map onto container.create's params one to one ({image} or
// {bundle}, args, env, cwd, user, labels, resources, terminal), so the limits
// hold before the first instruction runs. run creates and starts it in one
// call and then, unless -d, either prints its output (podman's exit-code
// rules) or, with -t, puts this terminal on it (raw, Ctrl-P Ctrl-Q
// detaches); it exits with the container's status, deleting it after with --rm.
import { randomBytes } from 'node:crypto';
import { ID_PATTERN, INIT_PROCESS, type ParamsOf } from '../../shared/api.js';
import type { Client } from '../../shared/client.js';
import { sessionHere } from '../terminal/commands.js';
import { foreground, RESOURCE_FLAGS, resourcesOf } from './containers.js';
import { pairs } from './human.js';
import { imageFor, PULL_FLAGS, PULL_POLICIES, type PullPolicy } from './images.js';
import { bool, list, str, UsageError } from './parse.js';
import { PROCESS_FLAGS, processParams } from './process-flags.js';
import { verb, type Ctx, type FlagSpec, type Parsed, type VerbSpec } from './spec.js';

const CREATE_FLAGS: FlagSpec[] = [
  { name: 'name', value: 'ID', help: 'the container id; default 12 random hex digits' },
  { name: 'bundle', value: 'DIR', help: 'an OCI bundle folder (config.json and its root filesystem) instead of an IMAGE', complete: 'files' },
  { name: 'tty', short: 't', help: 'run its init on a terminal held by its monitor (attach to it with corral attach, or run -it)' },
  ...PROCESS_FLAGS,
  { name: 'label', short: 'l', value: 'KEY=VALUE', multiple: true, help: 'a label on the container (KEY alone for an empty value)' },
  ...RESOURCE_FLAGS,
  { name: 'pull', value: 'POLICY', choices: PULL_POLICIES, help: `when to pull IMAGE: ${PULL_POLICIES.join(', ')} (default missing: only when corrald does not hold it)` },
  ...PULL_FLAGS,
];

type CreateParams = ParamsOf<'container.create'>;

/** container.create's params from the flags and words of run or create. */
export function createParams(p: Parsed): CreateParams {
  const bundle = str(p, 'bundle');
  const image = bundle === undefined ? p.positionals[0] : undefined;
  const cmd = bundle === undefined ? p.positionals.slice(1) : p.positionals;
  if (bundle === undefined && !image) throw new UsageError('give an IMAGE or --bundle DIR');
  const id = str(p, 'name') ?? randomBytes(6).toString('hex');
  if (!ID_PATTERN.test(id)) throw new UsageError(`--name must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit; got "${id}"`);
  const labels = pairs(list(p, 'label').map((l) => (l.includes('=') ? l : `${l}=`)), '--label');
  const resources = resourcesOf(p);
  return {
    id,
    ...(bundle !== undefined ? { bundle: absolute(bundle) } : { image }),
    ...(cmd.length ? { args: cmd } : {}),
    ...processParams(p),
    ...(Object.keys(labels).length ? { labels } : {}),
    ...(resources ? { resources } : {}),
    ...(bool(p, 'tty') ? { terminal: true } : {}),
  };
}

/** corrald wants an absolute bundle path; the shell gives whatever was typed. */
const absolute = (dir: string) => (dir.startsWith('/') ? dir : `${process.cwd()}/${dir}`);

const pullPolicy = (p: Parsed) => (str(p, 'pull') ?? 'missing') as PullPolicy;

/** Creates the container (and with START starts it, all or nothing); an IMAGE not held yet is pulled first. */
async function createContainer(ctx: Ctx, c: Client, p: Parsed, start: boolean): Promise<CreateParams> {
  const params = createParams(p);
  if (params.image !== undefined) await imageFor(c, params.image, pullPolicy(p), p, ctx.out);
  await c.request('container.create', { ...params, ...(start ? { start: true } : {}) });
  return params;
}

const ARGS = 'IMAGE|--bundle DIR [COMMAND [ARG...]]';
const DETAILS =
  "Without COMMAND the image's or bundle's own command runs (an image's Entrypoint stays, COMMAND replaces its Cmd). " +
  'Flags end at IMAGE (or, with --bundle, at COMMAND): what follows is the command and its own flags. ' +
  'An IMAGE corrald does not hold is pulled first, its progress on stderr, as corral pull shows it.';

const create = verb({
  name: 'create',
  group: 'Containers',
  summary: 'create a container without starting it, and print its id',
  args: ARGS,
  complete: 'images',
  mutates: true,
  stopAtPositional: true,
  details: DETAILS,
  flags: CREATE_FLAGS,
  async run(ctx, p) {
    const { id } = await createContainer(ctx, await ctx.client(), p, false);
    ctx.out.stdout.write(id + '\n');
    return 0;
  },
});

/** After the session: the container's status, and with --rm the container gone, unless it goes on (a detach). */
async function afterRun(c: Client, id: string, status: number, goesOn: boolean, rm: boolean): Promise<number> {
  if (rm && goesOn) process.stderr.write(`corral: ${id} goes on, so --rm leaves it; corral rm -f ${id} deletes it\n`);
  else if (rm) await c.request('container.delete', { id, force: true });
  return status;
}

const run = verb({
  name: 'run',
  group: 'Containers',
  summary: 'create and start a container; print its output (or with -it be its terminal) and exit with its status, or with -d print its id',
  args: ARGS,
  complete: 'images',
  mutates: true,
  stopAtPositional: true,
  details:
    DETAILS +
    ' With -t the container\'s init runs on a terminal and this one becomes it (raw, its size followed); -i sends what is typed; ' +
    'Ctrl-P Ctrl-Q detaches and leaves the container running (corral attach ID comes back). ' +
    "The exit status is the container's, or 125, 126, 127 as corral(1) EXIT STATUS says.",
  flags: [
    { name: 'detach', short: 'd', help: 'start it in the background and print its id' },
    { name: 'rm', help: 'delete the container once it has exited (not with -d)' },
    { name: 'interactive', short: 'i', help: 'send what is typed here to the container (with -t: corrald gives an init a stdin only on a terminal)' },
    ...CREATE_FLAGS,
  ],
  async run(ctx, p) {
    const detach = bool(p, 'detach');
    const rm = bool(p, 'rm');
    const tty = bool(p, 'tty');
    const interactive = bool(p, 'interactive');
    if (detach && rm) throw new UsageError('corral run: --rm needs corral to stay until the container exits, so it cannot go with -d');
    if (interactive && !tty) {
      throw new UsageError("corral run: -i without -t would need a stdin pipe for the container's init, which corrald gives only to exec processes; use -it for a terminal, or run -d and then corral exec -i");
    }
    const c = await ctx.client();
    const { id } = await createContainer(ctx, c, p, true);
    if (detach) {
      ctx.out.stdout.write(id + '\n');
      return 0;
    }
    if (tty) {
      const { end, status } = await sessionHere(c, { id, processId: INIT_PROCESS, input: interactive, tty: true });
      return afterRun(c, id, status, end.reason !== 'exit', rm);
    }
    return afterRun(c, id, await foreground(ctx, c, id), false, rm);
  },
});

export const runVerbs: VerbSpec[] = [run, create];
