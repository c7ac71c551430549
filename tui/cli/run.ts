// `corral run` and `corral create`: a container from an IMAGE or a --bundle
// DIR, with podman's flags for its name, command, environment, working
// folder, user, labels and limits. They map onto container.create's params
// one to one ({image} or {bundle}, args, env, cwd, user, labels); the limits
// are set with container.update between create and start, so they hold
// before the first instruction runs. run then starts it and, unless -d, prints
// its output and exits with its status (podman's exit-code rules), deleting
// it afterwards with --rm.
import { randomBytes } from 'node:crypto';
import { ID_PATTERN } from '../../shared/api.js';
import type { Client } from '../../shared/client.js';
import { CorralError, isCorralError } from '../../shared/errors.js';
import { foreground, RESOURCE_FLAGS, resourcesOf } from './containers.js';
import { parseUser, pairs } from './human.js';
import { bool, list, str, UsageError } from './parse.js';
import { verb, type FlagSpec, type Parsed, type VerbSpec } from './spec.js';

const CREATE_FLAGS: FlagSpec[] = [
  { name: 'name', value: 'ID', help: 'the container id; default 12 random hex digits' },
  { name: 'bundle', value: 'DIR', help: 'an OCI bundle folder (config.json and its root filesystem) instead of an IMAGE', complete: 'files' },
  { name: 'env', short: 'e', value: 'KEY=VALUE', multiple: true, help: "add to the process's environment (KEY alone takes its value from corral's own)" },
  { name: 'workdir', short: 'w', value: 'DIR', help: 'the working folder of the process, an absolute path in the container' },
  { name: 'user', short: 'u', value: 'UID[:GID]', help: 'run the process as this user and group, as numbers (GID default 0)' },
  { name: 'label', short: 'l', value: 'KEY=VALUE', multiple: true, help: 'a label on the container (KEY alone for an empty value)' },
  ...RESOURCE_FLAGS,
];

/** container.create's params from the flags and words of run or create. */
export function createParams(p: Parsed): Record<string, unknown> {
  const bundle = str(p, 'bundle');
  const [image, ...cmd] = bundle === undefined ? p.positionals : [undefined, ...p.positionals];
  if (bundle === undefined && !image) throw new UsageError('give an IMAGE or --bundle DIR');
  const id = str(p, 'name') ?? randomBytes(6).toString('hex');
  if (!ID_PATTERN.test(id)) throw new UsageError(`--name must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit; got "${id}"`);
  const env = list(p, 'env').flatMap((e) => (e.includes('=') ? [e] : process.env[e] !== undefined ? [`${e}=${process.env[e]}`] : []));
  const labels = pairs(list(p, 'label').map((l) => (l.includes('=') ? l : `${l}=`)), '--label');
  const workdir = str(p, 'workdir');
  if (workdir !== undefined && !workdir.startsWith('/')) throw new UsageError(`--workdir must be an absolute path in the container, got "${workdir}"`);
  const user = str(p, 'user');
  return {
    id,
    ...(bundle !== undefined ? { bundle: absolute(bundle) } : { image }),
    ...(cmd.length ? { args: cmd } : {}),
    ...(env.length ? { env } : {}),
    ...(workdir !== undefined ? { cwd: workdir } : {}),
    ...(user !== undefined ? { user: parseUser(user) } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
  };
}

/** corrald wants an absolute bundle path; the shell gives whatever was typed. */
const absolute = (dir: string) => (dir.startsWith('/') ? dir : `${process.cwd()}/${dir}`);

/** Creates the container and sets its limits; a failure to set them deletes it again, so create is all or nothing. */
async function createContainer(c: Client, p: Parsed): Promise<string> {
  const resources = resourcesOf(p);
  const params = createParams(p);
  const id = params.id as string;
  try {
    await c.rawRequest('container.create', params);
  } catch (err) {
    // a corrald from before images knows only bundles: say that, rather than which keys it refused
    if (params.image !== undefined && isCorralError(err, 'invalid_params') && err.data.issues?.some((i) => i.message.includes('"image"'))) {
      throw new CorralError('unavailable', `this corrald runs containers from bundles only, not from images; give --bundle DIR (corral bundle create DIR makes one)`);
    }
    throw err;
  }
  if (resources) {
    try {
      await c.request('container.update', { id, resources });
    } catch (err) {
      await c.request('container.delete', { id, force: true }).catch(() => undefined);
      throw err;
    }
  }
  return id;
}

const ARGS = 'IMAGE|--bundle DIR [COMMAND [ARG...]]';
const DETAILS =
  'Without COMMAND the image\'s or bundle\'s own command runs. Flags end at IMAGE (or, with --bundle, at COMMAND): ' +
  'what follows is the command and its own flags.';

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
    const id = await createContainer(await ctx.client(), p);
    ctx.out.stdout.write(id + '\n');
    return 0;
  },
});

const run = verb({
  name: 'run',
  group: 'Containers',
  summary: 'create and start a container; print its output and exit with its status, or with -d its id',
  args: ARGS,
  complete: 'images',
  mutates: true,
  stopAtPositional: true,
  details: DETAILS + ' Its exit status is the container\'s, or 125, 126, 127 as corral(1) EXIT STATUS says.',
  flags: [
    { name: 'detach', short: 'd', help: 'start it in the background and print its id' },
    { name: 'rm', help: 'delete the container once it has exited (not with -d)' },
    ...CREATE_FLAGS,
  ],
  async run(ctx, p) {
    if (bool(p, 'detach') && bool(p, 'rm')) throw new UsageError('corral run: --rm needs corral to stay until the container exits, so it cannot go with -d');
    const c = await ctx.client();
    const id = await createContainer(c, p);
    try {
      await c.request('container.start', { id });
    } catch (err) {
      if (bool(p, 'rm')) await c.request('container.delete', { id, force: true }).catch(() => undefined);
      throw err;
    }
    if (bool(p, 'detach')) {
      ctx.out.stdout.write(id + '\n');
      return 0;
    }
    const status = await foreground(ctx, c, id);
    if (bool(p, 'rm')) await c.request('container.delete', { id, force: true });
    return status;
  },
});

export const runVerbs: VerbSpec[] = [run, create];
