// The usage texts, written from the verb table: `corral --help` (every
// visible verb by group, the global flags) and `corral VERB --help` (its
// usage line, what it does, its flags), and the `help` verb that prints them.
import { DEFAULT_RO_SOCKET, DEFAULT_SOCKET } from '../../shared/client.js';
import { UsageError, closest } from './parse.js';
import { verb, type FlagSpec, type VerbGroup, type VerbSpec } from './spec.js';

const GROUPS: VerbGroup[] = ['Containers', 'Images', 'Daemon', 'Other'];

/** The global flags, which go before the verb. */
export const GLOBAL_FLAG_SPECS: FlagSpec[] = [
  { name: 'socket', value: 'PATH', help: `corrald's socket; default $CORRAL_SOCKET, else ${DEFAULT_SOCKET}` },
  { name: 'read-only', help: `refuse every verb that changes something; without --socket use ${DEFAULT_RO_SOCKET}` },
  { name: 'help', short: 'h', help: 'print this usage, or with a verb its own' },
  { name: 'version', help: "print corral's version" },
];

/** "-a, --all" or "    --format FORMAT". */
const flagTerm = (f: FlagSpec) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.optionalValue ? `[=${f.value}]` : f.value ? ` ${f.value}` : ''}`;

function columns(rows: [string, string][], indent = '  '): string {
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${indent}${a.padEnd(w)}  ${b}`).join('\n');
}

function usageLine(v: VerbSpec): string {
  const flags = v.flags.length && !v.rawArgs ? ' [FLAGS]' : '';
  return `corral ${v.name}${flags}${v.args ? ` ${v.args}` : ''}`;
}

export function mainUsage(verbs: VerbSpec[]): string {
  const visible = verbs.filter((v) => !v.hidden);
  const groups = GROUPS.map((g) => [g, visible.filter((v) => v.group === g)] as const).filter(([, vs]) => vs.length);
  return [
    'Usage: corral [GLOBAL FLAGS] VERB [FLAGS] [ARGS...]',
    '       corral [GLOBAL FLAGS]                  open the terminal UI',
    '',
    ...groups.flatMap(([g, vs]) => [`${g}:`, columns(vs.map((v) => [v.name, v.summary])), '']),
    'Global flags (before the verb):',
    columns(GLOBAL_FLAG_SPECS.map((f) => [flagTerm(f), f.help])),
    '',
    'Run `corral VERB --help` for the flags of a verb. See corral(1) and corral-rpc(7).',
    '',
  ].join('\n');
}

export function verbUsage(v: VerbSpec): string {
  const flags = v.flags.length ? ['', 'Flags:', columns(v.flags.map((f) => [flagTerm(f), f.help]))] : [];
  return [`Usage: ${usageLine(v)}`, '', v.summary.charAt(0).toUpperCase() + v.summary.slice(1) + '.', ...(v.details ? ['', v.details] : []), ...flags, ''].join('\n');
}

/** The verb named by WORDS (one word, or a noun and a verb), and how many words it took. */
export function findVerb(verbs: VerbSpec[], words: string[]): { spec: VerbSpec; used: number } | undefined {
  const two = verbs.find((v) => words.length > 1 && v.name === `${words[0]} ${words[1]}`);
  if (two) return { spec: two, used: 2 };
  const one = verbs.find((v) => v.name === words[0]);
  return one ? { spec: one, used: 1 } : undefined;
}

export function unknownVerb(verbs: VerbSpec[], word: string): UsageError {
  const near = closest(word, verbs.filter((v) => !v.hidden).map((v) => v.name.split(' ')[0]));
  return new UsageError(`corral: unknown verb "${word}"${near ? `; did you mean "${near}"?` : ''} (see corral --help)`);
}

export function helpVerb(verbs: () => VerbSpec[]): VerbSpec {
  return verb({
    name: 'help',
    group: 'Other',
    summary: 'print the usage of corral, or of one verb',
    args: '[VERB]',
    maxArgs: 2,
    complete: 'verbs',
    mutates: false,
    flags: [],
    async run(ctx, p) {
      if (!p.positionals.length) {
        ctx.out.stdout.write(mainUsage(verbs()));
        return 0;
      }
      const found = findVerb(verbs(), p.positionals);
      if (!found) throw unknownVerb(verbs(), p.positionals[0]);
      ctx.out.stdout.write(verbUsage(found.spec));
      return 0;
    },
  });
}
