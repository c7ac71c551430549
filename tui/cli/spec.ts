// The shape of one verb of `corral`'s command line: its name, what it does,
// its flags and arguments, what its words complete to, and the function that
// runs it. The table of every verb (./verbs.ts) is made of these, and the
// usage texts, the bash completion and corral(1)'s COMMANDS section are all
// read from it, so that none of them can say something the parser does not do.
import type { Client } from '../../shared/client.js';

/** What a word completes to in `corral completion bash`. */
export type Completion = 'containers' | 'processes' | 'images' | 'signals' | 'files' | 'formats' | 'verbs' | 'shells' | 'none';

export interface FlagSpec {
  /** The long name, without the dashes. */
  name: string;
  /** One letter, for -x. */
  short?: string;
  /** Set when the flag takes a value: its placeholder in the usage (SECONDS). */
  value?: string;
  /** With value: a switch that may also be given a value with =, as podman's --tls-verify=false; alone it is true. */
  optionalValue?: boolean;
  /** Given more than once, each value counts (-e A=1 -e B=2). */
  multiple?: boolean;
  help: string;
  /** What the flag's value completes to. */
  complete?: Completion;
  /** The values it takes, when they are a fixed few: refused otherwise by the verb, and offered by completion. */
  choices?: string[];
}

/** A verb's words once parsed: flag values by long name, and the other words in order. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** What a verb's code may use: the chosen socket, one connection, and where output goes. */
export interface Ctx {
  socket: string;
  readOnly: boolean;
  /** The global flags as typed before the verb, for verbs that parse their own words (call). */
  globalArgs: string[];
  /** Connects on first use; the same client afterwards. */
  client(): Promise<Client>;
  out: Output;
}

export interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** stdout is a terminal: tables fit its width and may redraw. */
  tty: boolean;
  /** The terminal's width, or undefined off a terminal (no truncation). */
  columns?: number;
  /** Colour allowed: a terminal and no NO_COLOR. */
  color: boolean;
}

export type VerbGroup = 'Containers' | 'Images' | 'Daemon' | 'Other';

export interface VerbSpec {
  /** One word, or two for a verb with a noun in front ("image inspect"). */
  name: string;
  group: VerbGroup;
  /** One line, lower-case, no full stop: what it does. */
  summary: string;
  /** The words after the flags in the usage line: CONTAINER [CONTAINER...]. */
  args: string;
  flags: FlagSpec[];
  /** What its positional words complete to. */
  complete?: Completion;
  /** Per position, when they differ (attach: a container, then one of its processes); past the end, `complete`. */
  completeArgs?: Completion[];
  /** It changes something, so --read-only refuses it before anything is sent. */
  mutates: boolean;
  /** Fewest and most positional words; the parser refuses others. */
  minArgs?: number;
  maxArgs?: number;
  /** Flags end at the first positional word: what follows is a command and its own flags (run, create). */
  stopAtPositional?: boolean;
  /** Parses its own words (call, bundle): run gets them untouched. */
  rawArgs?: boolean;
  /** Left out of the usage, the completion and the page (__complete). */
  hidden?: boolean;
  /** Extra sentences for `corral VERB --help` and the page. */
  details?: string;
  run(ctx: Ctx, args: Parsed, raw: string[]): Promise<number>;
}

export const verb = (spec: VerbSpec): VerbSpec => spec;

/** `--format`, the same on every verb that prints a table. */
export const FORMAT_FLAG: FlagSpec = {
  name: 'format',
  value: 'FORMAT',
  help: 'table (the default), json, or a template such as \'{{.ID}} {{.State}}\'; "table {{.ID}}\\t{{.Status}}" gives a table of those columns',
  complete: 'formats',
};
