// The one table of `corral`'s verbs, in the order `corral --help` and
// corral(1) list them. The parser, the usage texts, the bash completion and
// the man page's COMMANDS section all read this array; a verb exists when it
// is here. `call` and `bundle create` keep their own parsers (their words are
// passed untouched) but are listed like the others.
import { runBundle } from '../bundle.js';
import { runCall } from '../call.js';
import { completionVerbs } from './completion.js';
import { containerVerbs } from './containers.js';
import { daemonVerbs } from './daemon.js';
import { helpVerb } from './help.js';
import { imageVerbs } from './images.js';
import { observeVerbs } from './observe.js';
import { processVerbs } from './processes.js';
import { runVerbs } from './run.js';
import { verb, type VerbSpec } from './spec.js';

const byName = (list: VerbSpec[], names: string[]) => names.map((n) => list.find((v) => v.name === n)!);

const call = verb({
  name: 'call',
  group: 'Other',
  summary: 'call one API method and print its result as JSON, for scripts (exit 0, 1 on an error, 2 on bad usage)',
  args: '[--follow] METHOD [JSON-PARAMS]',
  mutates: false,
  rawArgs: true,
  flags: [{ name: 'follow', help: 'print every notification of the stream the method starts, one JSON line each' }],
  run: (ctx, _p, raw) => runCall([...ctx.globalArgs, ...raw]),
});

const bundle = verb({
  name: 'bundle create',
  group: 'Other',
  summary: 'write a runnable busybox OCI bundle to DIR and print its path',
  args: 'DIR [-- ARGS...]',
  mutates: false,
  rawArgs: true,
  flags: [],
  run: (_ctx, _p, raw) => runBundle(['create', ...raw]),
});

const containers = [...containerVerbs, ...runVerbs, ...observeVerbs, ...processVerbs];

export const VERBS: VerbSpec[] = [
  ...byName(containers, ['ps', 'run', 'create', 'start', 'stop', 'restart', 'kill', 'pause', 'unpause', 'rm', 'wait', 'inspect', 'logs', 'top', 'stats', 'update', 'exec', 'attach']),
  ...imageVerbs,
  ...daemonVerbs,
  call,
  bundle,
  ...completionVerbs(() => VERBS),
  helpVerb(() => VERBS),
];

// a verb left out of the order above would be silently missing
if (VERBS.length !== new Set(VERBS).size || containers.some((v) => !VERBS.includes(v))) throw new Error('tui/cli/verbs.ts: a container verb is missing from the order or listed twice');
