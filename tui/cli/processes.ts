// The verbs that reach into a running container: exec (a new process, on
// this terminal with -t, fed this command's stdin with -i, or in the
// background with -d) and attach (a process that runs already: the init, or
// one left by a detach). Their flags are parsed by the verb table like every
// other verb's; the sessions themselves are tui/terminal/commands.ts's.
import { randomBytes } from 'node:crypto';
import { INIT_PROCESS } from '../../shared/api.js';
import { execHere, sessionHere } from '../terminal/commands.js';
import { bool, int, UsageError } from './parse.js';
import { PROCESS_FLAGS, processParams } from './process-flags.js';
import { verb, type VerbSpec } from './spec.js';

const exec = verb({
  name: 'exec',
  group: 'Containers',
  summary: "run a command in a running container and exit with its status; -t on a terminal, -i fed this command's stdin",
  args: 'CONTAINER [--] COMMAND [ARG...]',
  minArgs: 2,
  complete: 'containers',
  mutates: true,
  stopAtPositional: true,
  details:
    'Flags end at CONTAINER: what follows is the command and its own flags. Without -i the process\'s stdin is closed at ' +
    'once; with -i and no -t it is a pipe closed when this command\'s stdin ends (tar c . | corral exec -i web tar x). ' +
    'Without -t its stdout and stderr stay apart. On a terminal, Ctrl-P Ctrl-Q detaches and leaves the process running ' +
    '(corral attach CONTAINER PROCESS comes back to it); a process that exited is forgotten.',
  flags: [
    { name: 'interactive', short: 'i', help: "feed this command's stdin to it (a pipe, or the terminal with -t)" },
    { name: 'tty', short: 't', help: 'run it on a terminal; Ctrl-P Ctrl-Q detaches and leaves it running' },
    { name: 'detach', short: 'd', help: 'run it in the background and print its process id; its output goes to its log: corral logs --process PROCESS CONTAINER' },
    // corrald's process.exec takes env whole, where container.create adds to the image's or bundle's
    ...PROCESS_FLAGS.map((f) => (f.name === 'env' ? { ...f, help: "the process's environment, one KEY=VALUE each (KEY alone takes corral's own value); given, it replaces the container's whole environment, PATH too" } : f)),
  ],
  async run(ctx, p) {
    const [id, ...rest] = p.positionals;
    const args = rest[0] === '--' ? rest.slice(1) : rest;
    if (!args.length) throw new UsageError('corral exec: name the command to run after the container');
    const c = await ctx.client();
    const interactive = bool(p, 'interactive');
    const tty = bool(p, 'tty');
    if (bool(p, 'detach')) {
      if (interactive) throw new UsageError('corral exec: -d runs the process in the background, with no stdin to feed: leave out -i');
      const processId = `exec-${randomBytes(4).toString('hex')}`;
      await c.request('process.exec', { id, processId, args, ...processParams(p), ...(tty ? { terminal: true } : {}) });
      ctx.out.stdout.write(processId + '\n');
      return 0;
    }
    return execHere(c, { id, args, ...processParams(p), interactive, tty });
  },
});

const attach = verb({
  name: 'attach',
  group: 'Containers',
  summary: "join a container's init (or PROCESS) on this terminal and exit with its status; Ctrl-P Ctrl-Q detaches",
  args: 'CONTAINER [PROCESS]',
  minArgs: 1,
  maxArgs: 2,
  complete: 'containers',
  completeArgs: ['containers', 'processes'],
  mutates: false,
  details:
    'On a process with a terminal, typing reaches it; without one attach shows its output only, and Ctrl-C ends the ' +
    'attach, never the process. From the read-only socket it shows output only.',
  flags: [
    { name: 'tail', value: 'BYTES', help: 'first show the last BYTES of its output' },
    { name: 'no-stdin', help: 'show its output only; typing goes nowhere (Ctrl-P Ctrl-Q still detaches)' },
  ],
  async run(ctx, p) {
    const [id, processId = INIT_PROCESS] = p.positionals;
    const tail = int(p, 'tail');
    const { status } = await sessionHere(await ctx.client(), { id, processId, input: !ctx.readOnly && !bool(p, 'no-stdin'), tty: true, ...(tail ? { tail } : {}) });
    return status;
  },
});

export const processVerbs: VerbSpec[] = [exec, attach];
