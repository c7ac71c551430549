#!/usr/bin/env node
// The `corral` command: dispatches to `corral call` (scripts), `corral bundle
// create` (bundle maker) or, with no subcommand, the Ink terminal UI. NO_COLOR
// is honoured here, before chalk is first loaded, because chalk ignores it.
import { DEFAULT_RO_SOCKET, DEFAULT_SOCKET } from '../shared/client.js';
import { parseGlobal, fail } from './args.js';

const USAGE = `Usage:
  corral [--socket PATH] [--read-only]          open the terminal UI
  corral call [--socket PATH] [--read-only] [--follow] METHOD [JSON-PARAMS]
                                                call one API method, print the result as JSON
  corral exec [-i] [-t] ID [--] CMD [ARGS...]   run CMD in container ID (-i: pipe stdin, -t: on a terminal)
  corral attach [--tail BYTES] ID [PROCESS]     join init (or PROCESS) of ID; Ctrl-P Ctrl-Q detaches
  corral bundle create DIR [-- ARGS...]         write a runnable busybox OCI bundle to DIR
  corral --help | --version

The socket defaults to ${DEFAULT_SOCKET}; --read-only, or no permission on it,
means ${DEFAULT_RO_SOCKET}. See corral(1) and corral-rpc(7).`;

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (argv[0] === '--version') {
    const { VERSION } = await import('../shared/version.js');
    process.stdout.write(`corral ${VERSION}\n`);
    return;
  }
  if (argv[0] === 'call') {
    const { runCall } = await import('./call.js');
    process.exitCode = await runCall(argv.slice(1));
    return;
  }
  if (argv[0] === 'exec' || argv[0] === 'attach') {
    const { runExec, runAttach, UsageError, EXEC_USAGE, ATTACH_USAGE } = await import('./terminal/commands.js');
    try {
      process.exitCode = await (argv[0] === 'exec' ? runExec : runAttach)(argv.slice(1));
    } catch (err) {
      if (err instanceof UsageError) fail(`${err.message}\nUsage: ${argv[0] === 'exec' ? EXEC_USAGE : ATTACH_USAGE}`);
      throw err;
    }
    return;
  }
  if (argv[0] === 'bundle') {
    const { runBundle } = await import('./bundle.js');
    process.exitCode = await runBundle(argv.slice(1));
    return;
  }
  const opts = parseGlobal(argv);
  if (opts.rest.length) fail(`unknown argument "${opts.rest[0]}"\n${USAGE}`);
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
  const { runTui } = await import('./app.js');
  await runTui({ socket: opts.socket, readOnly: opts.readOnly, note: opts.note });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`corral: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
