// Global flags of the `corral` command (--socket, --read-only), parsed the same
// way for the TUI and for `corral call`; CORRAL_SOCKET is the environment's say.
import { DEFAULT_SOCKET } from '../shared/client.js';

export interface GlobalOptions {
  socket: string;
  readOnly: boolean;
  rest: string[];
}

/** Pulls --socket / --read-only out wherever they stand before the first positional. */
export function parseGlobal(argv: string[]): GlobalOptions {
  const opts: GlobalOptions = { socket: process.env.CORRAL_SOCKET || DEFAULT_SOCKET, readOnly: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--socket') opts.socket = argv[++i] ?? '';
    else if (a.startsWith('--socket=')) opts.socket = a.slice('--socket='.length);
    else if (a === '--read-only') opts.readOnly = true;
    else opts.rest.push(a);
  }
  if (!opts.socket) fail('--socket needs a path');
  return opts;
}

export function fail(message: string): never {
  process.stderr.write(`corral: ${message}\n`);
  process.exit(2);
}

