// From `corral`'s argv to a verb's exit status: the global flags before the
// verb (--socket, --read-only, --help, --version; CORRAL_SOCKET in the
// environment), then the verb from the table, its flags, --read-only's
// refusal of a change before anything is sent, one connection shared by the
// verb's calls, and every failure turned into one message on stderr and
// podman's exit status. No verb at all means the terminal UI, which the
// caller opens with the socket chosen here.
import { Client } from '../../shared/client.js';
import { VERSION } from '../../shared/version.js';
import { parseGlobal, type SocketChoice } from '../args.js';
import { describeError, EXIT_CORRAL, exitStatusOf } from './errors.js';
import { findVerb, GLOBAL_FLAG_SPECS, mainUsage, unknownVerb, verbUsage } from './help.js';
import { closest, parseVerb, UsageError } from './parse.js';
import type { Ctx, Output } from './spec.js';
import { VERBS } from './verbs.js';

/** No verb: open the terminal UI on this socket. */
export interface OpenTui {
  tui: SocketChoice;
}

function output(): Output {
  const tty = Boolean(process.stdout.isTTY);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    tty,
    columns: tty ? process.stdout.columns : undefined,
    color: tty && !process.env.NO_COLOR,
  };
}

/** The global flags at the front of ARGV, and where the verb starts. */
function splitGlobal(argv: string[]): { globals: string[]; help: boolean; version: boolean; rest: string[] } {
  const globals: string[] = [];
  let help = false;
  let version = false;
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') help = true;
    else if (a === '--version') version = true;
    else if (a === '--read-only' || a.startsWith('--socket=')) globals.push(a);
    else if (a === '--socket') {
      if (argv[i + 1] === undefined) throw new UsageError('corral: --socket needs a path');
      globals.push(a, argv[++i]);
    } else {
      const near = closest(a, GLOBAL_FLAG_SPECS.map((f) => `--${f.name}`));
      throw new UsageError(`corral: unknown global flag ${a}${near ? `; did you mean ${near}?` : ''} (global flags go before the verb; see corral --help)`);
    }
  }
  return { globals, help, version, rest: argv.slice(i) };
}

/** Runs `corral ARGV`; the exit status, or the socket for the terminal UI when no verb was given. */
export async function runCli(argv: string[]): Promise<number | OpenTui> {
  const out = output();
  let verbName: string | undefined;
  let client: Promise<Client> | undefined;
  try {
    const g = splitGlobal(argv);
    if (g.version && !g.rest.length) {
      out.stdout.write(`corral ${VERSION}\n`);
      return 0;
    }
    if (g.help && !g.rest.length) {
      out.stdout.write(mainUsage(VERBS));
      return 0;
    }
    const choice = parseGlobal(g.globals);
    if (!g.rest.length) return { tui: choice };
    const found = findVerb(VERBS, g.rest);
    if (!found) throw unknownVerb(VERBS, g.rest[0]);
    const { spec } = found;
    verbName = spec.name;
    const words = g.rest.slice(found.used);
    if (choice.note && !spec.rawArgs) out.stderr.write(`corral: ${choice.note}\n`);
    const ctx: Ctx = {
      socket: choice.socket,
      readOnly: choice.readOnly,
      globalArgs: g.globals,
      client: () => (client ??= Client.connect(choice.socket)),
      out,
    };
    if (spec.rawArgs) return await spec.run(ctx, { values: {}, positionals: [] }, words);
    const parsed = parseVerb(spec, words);
    if (parsed.help || g.help) {
      out.stdout.write(verbUsage(spec));
      return 0;
    }
    if (choice.readOnly && spec.mutates) {
      throw new UsageError(`corral ${spec.name}: changes state, and corral runs read-only${choice.note ? ' (no permission on the main socket)' : ''}; leave out --read-only to make the change`);
    }
    return await spec.run(ctx, parsed, words);
  } catch (err) {
    out.stderr.write(describeError(err, verbName));
    return err instanceof UsageError ? EXIT_CORRAL : exitStatusOf(err);
  } finally {
    client?.then((c) => c.close(), () => undefined);
  }
}
