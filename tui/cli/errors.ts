// What a verb's failure looks like and which exit status it gets, podman's
// rules: 125 when corral itself failed (the API error's reason, its message
// with the hint of what to do, and what runc said), 126 when the container's
// command exists but cannot be run, 127 when it is not there at all; any other
// status is the container's or process's own (run, start -a, wait).
import type { Client } from '../../shared/client.js';
import { CorralError } from '../../shared/errors.js';
import { UsageError } from './parse.js';
import type { Ctx } from './spec.js';

export const EXIT_CORRAL = 125;
const EXIT_CANNOT_INVOKE = 126;
const EXIT_NOT_FOUND = 127;

/** The exit status for ERR: 126 or 127 for a command runc could not start, else 125. */
export function exitStatusOf(err: unknown): number {
  if (err instanceof CorralError && err.reason === 'runtime_error') {
    const said = `${err.message}\n${err.data.stderr ?? ''}`.toLowerCase();
    if (/executable file not found|no such file or directory/.test(said)) return EXIT_NOT_FOUND;
    if (/permission denied|exec format error/.test(said)) return EXIT_CANNOT_INVOKE;
  }
  return EXIT_CORRAL;
}

/** corrald's hints name API methods and params; at a prompt the verb or flag that does the same is what helps. */
const CLI_WORDS: [string, string][] = [
  ['list them with container.list', 'list them with `corral ps -a`'],
  ['pull it (image.pull) or list them with image.list', 'pull it (`corral pull`) or list them with `corral images`'],
  ['list them with image.list', 'list them with `corral images`'],
  ['pull with insecure: true', 'pull with --tls-verify=false'],
  ['free space (image.prune)', 'free space (`corral image prune`)'],
  ['remove with force: true', 'remove with -f'],
];
const cliWords = (message: string) => CLI_WORDS.reduce((m, [api, cli]) => m.replace(api, cli), message);

/** The lines on stderr for ERR, each starting with "corral:" or indented under it. */
export function describeError(err: unknown, verb?: string): string {
  const who = verb ? `corral ${verb}` : 'corral';
  if (err instanceof UsageError) return err.message + '\n';
  if (err instanceof CorralError) {
    const lines = [`${who}: ${err.reason}: ${cliWords(err.message)}`];
    // corrald's message most often quotes its issues already
    for (const i of err.data.issues ?? []) if (!err.message.includes(i.message)) lines.push(`  ${i.path || '(params)'}: ${i.message}`);
    if (err.data.stderr && !err.message.includes(err.data.stderr.trim())) lines.push(`  runtime said: ${err.data.stderr.trim()}`);
    return lines.join('\n') + '\n';
  }
  return `${who}: ${err instanceof Error ? err.message : String(err)}\n`;
}

/**
 * Runs FN for each of the ITEMS a verb was given (containers, images), as
 * podman does: one that fails is reported and the rest still run; 0 when all
 * went well, else 125.
 */
export async function each(ctx: Ctx, verb: string, items: string[], fn: (c: Client, item: string) => Promise<void>): Promise<number> {
  const c = await ctx.client();
  let failed = false;
  for (const item of items) {
    try {
      await fn(c, item);
    } catch (err) {
      failed = true;
      ctx.out.stderr.write(describeError(err, verb));
    }
  }
  return failed ? EXIT_CORRAL : 0;
}
