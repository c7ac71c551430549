#!/usr/bin/env node
// The `corral` command: with a verb (`corral ps`, `corral run`, `corral call`,
// ...) the command line of tui/cli/, whose table of verbs also writes the
// usage, the completion and corral(1)'s COMMANDS; with none, the Ink terminal
// UI on the socket the global flags chose. NO_COLOR is honoured here, before
// chalk is first loaded, because chalk ignores it.
import { runCli } from './cli/dispatch.js';

async function main(argv: string[]): Promise<void> {
  const r = await runCli(argv);
  if (typeof r === 'number') {
    process.exitCode = r;
    return;
  }
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
  const { runTui } = await import('./app.js');
  await runTui({ socket: r.tui.socket, readOnly: r.tui.readOnly, note: r.tui.note });
}

// a reader that stops early (`corral ps | head`) wants nothing more: no error, no stack
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`corral: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(125);
});
