// Turns the words after a verb into its flag values and positional words,
// through Node's own util.parseArgs for the tokenising (-abc groups, --x=y,
// --), and checks every token against the verb's FlagSpec table so that an
// unknown or misused flag is refused with one line that names the closest
// valid one. Verbs that run a command (run, create) stop reading flags at the
// first positional word, as podman does, so `corral run --bundle B sh -c 'ls -l'`
// leaves `-c` and `-l` to the command.
import { parseArgs } from 'node:util';
import type { FlagSpec, Parsed, VerbSpec } from './spec.js';

/** Bad usage of corral itself: podman's exit status 125, with one line on stderr. */
export class UsageError extends Error {}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = next;
    }
  }
  return row[b.length];
}

/** The candidate nearest to WORD: a prefix match first, then the fewest edits. */
export function closest(word: string, candidates: string[]): string | undefined {
  const prefixed = candidates.filter((c) => c.startsWith(word) || word.startsWith(c));
  const pool = prefixed.length ? prefixed : candidates;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of pool) {
    const d = distance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

const flagWord = (f: FlagSpec) => `--${f.name}`;

/** The global flags, which podman's habit (and corral's) puts before the verb. */
const GLOBAL_AFTER_VERB = ['--socket', '--read-only'];

function unknownFlag(verb: string, raw: string, flags: FlagSpec[]): UsageError {
  if (GLOBAL_AFTER_VERB.includes(raw)) return new UsageError(`corral ${verb}: ${raw} is a global flag: put it before the verb (corral ${raw}${raw === '--socket' ? ' PATH' : ''} ${verb} ...)`);
  const names = [...flags.map(flagWord), ...flags.filter((f) => f.short).map((f) => `-${f.short}`), '--help'];
  const near = closest(raw, names);
  return new UsageError(`corral ${verb}: unknown flag ${raw}${near ? `; did you mean ${near}?` : ''} (see corral ${verb} --help)`);
}

/** Where the flags end when they stop at the first positional word. */
function flagsEnd(argv: string[], flags: FlagSpec[]): number {
  const takesValue = (a: string) => {
    if (a.includes('=')) return false;
    const f = a.startsWith('--') ? flags.find((x) => x.name === a.slice(2)) : flags.find((x) => x.short === a.slice(-1));
    return Boolean(f?.value && !f.optionalValue);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--' || a === '-' || !a.startsWith('-')) return i;
    if (takesValue(a)) i++;
  }
  return argv.length;
}

/** Parses ARGV by SPEC's flags; --help is every verb's. Throws UsageError. */
export function parseVerb(spec: VerbSpec, argv: string[]): Parsed & { help: boolean } {
  const cut = spec.stopAtPositional ? flagsEnd(argv, spec.flags) : argv.length;
  const tail = argv.slice(cut);
  if (tail[0] === '--') tail.shift();
  const options = Object.fromEntries(
    [...spec.flags, { name: 'help', short: 'h', help: '' } as FlagSpec].map((f) => [
      f.name,
      { type: f.value && !f.optionalValue ? ('string' as const) : ('boolean' as const), multiple: Boolean(f.multiple), ...(f.short ? { short: f.short } : {}) },
    ]),
  );
  const { tokens } = parseArgs({ args: argv.slice(0, cut), options, allowPositionals: true, strict: false, tokens: true });
  const values: Parsed['values'] = {};
  const positionals: string[] = [];
  let help = false;
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    if (t.name === 'help') {
      help = true;
      continue;
    }
    const f = spec.flags.find((x) => x.name === t.name);
    if (!f) throw unknownFlag(spec.name, t.rawName, spec.flags);
    // --tls-verify alone is --tls-verify=true
    const value = f.optionalValue ? (t.value ?? 'true') : t.value;
    if (f.value && value === undefined) throw new UsageError(`corral ${spec.name}: ${t.rawName} needs a value (${f.value})`);
    if (f.choices && !f.choices.includes(value!)) throw new UsageError(`corral ${spec.name}: ${t.rawName} takes one of ${f.choices.join(', ')}, got "${value}"`);
    if (f.optionalValue) {
      values[f.name] = value;
      continue;
    }
    if (!f.value && t.inlineValue) throw new UsageError(`corral ${spec.name}: ${t.rawName} takes no value`);
    if (f.multiple) values[f.name] = [...((values[f.name] as string[] | undefined) ?? []), t.value!];
    else values[f.name] = f.value ? t.value : true;
  }
  positionals.push(...tail);
  if (!help) {
    const usage = `usage: corral ${spec.name} [FLAGS] ${spec.args}`.trimEnd();
    if (spec.minArgs !== undefined && positionals.length < spec.minArgs) throw new UsageError(`corral ${spec.name}: too few arguments; ${usage}`);
    if (spec.maxArgs !== undefined && positionals.length > spec.maxArgs) {
      throw new UsageError(`corral ${spec.name}: unexpected argument "${positionals[spec.maxArgs]}"; ${usage}`);
    }
  }
  return { values, positionals, help };
}

/** A flag's value as one string (the last one given), or undefined. */
export const str = (p: Parsed, name: string): string | undefined => {
  const v = p.values[name];
  return Array.isArray(v) ? v.at(-1) : typeof v === 'string' ? v : undefined;
};
export const list = (p: Parsed, name: string): string[] => {
  const v = p.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
};
export const bool = (p: Parsed, name: string): boolean => p.values[name] === true;

/** A whole number at least MIN, for flags such as --tail and -t. */
export function int(p: Parsed, name: string, min = 0): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be a whole number of at least ${min}, got "${v}"`);
  return Number(v);
}
