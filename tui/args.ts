// Global flags of the `corral` command (--socket, --read-only), parsed the same
// way for the TUI and for `corral call`, and the choice of socket they lead to.
// An explicit --socket or CORRAL_SOCKET is always obeyed. Otherwise corral
// picks what the user can use: --read-only prefers the read-only socket, and a
// user who may not use the main socket but may use the read-only one (a member
// of corrald's --ro-group only) gets the read-only one, read-only, instead of
// "permission denied".
import fs from 'node:fs';
import { DEFAULT_RO_SOCKET, DEFAULT_SOCKET } from '../shared/client.js';

export interface GlobalOptions {
  socket: string;
  readOnly: boolean;
  /** Why corral chose another socket than the one asked for, to tell the user. */
  note?: string;
  rest: string[];
}

/** What connecting to a socket path would meet, without connecting. */
export type SocketAccess = 'ok' | 'denied' | 'missing';

function socketAccess(p: string): SocketAccess {
  try {
    // connect(2) on a Unix socket needs write permission on it
    fs.accessSync(p, fs.constants.W_OK);
    return 'ok';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'denied' : 'missing';
  }
}

export interface SocketChoice {
  socket: string;
  readOnly: boolean;
  note?: string;
}

/** The socket to connect to, from the flags and what the user may open. */
export function chooseSocket(o: { explicit?: string; readOnly: boolean; access: (p: string) => SocketAccess }): SocketChoice {
  if (o.explicit) return { socket: o.explicit, readOnly: o.readOnly };
  if (o.readOnly) return { socket: o.access(DEFAULT_RO_SOCKET) === 'ok' ? DEFAULT_RO_SOCKET : DEFAULT_SOCKET, readOnly: true };
  if (o.access(DEFAULT_SOCKET) === 'denied' && o.access(DEFAULT_RO_SOCKET) === 'ok') {
    return {
      socket: DEFAULT_RO_SOCKET,
      readOnly: true,
      note: `no permission on ${DEFAULT_SOCKET} (root or corrald's --group only): using the read-only ${DEFAULT_RO_SOCKET}`,
    };
  }
  return { socket: DEFAULT_SOCKET, readOnly: false };
}

/** Pulls --socket / --read-only out wherever they stand before the first positional. */
export function parseGlobal(argv: string[], access: (p: string) => SocketAccess = socketAccess): GlobalOptions {
  let explicit: string | undefined = process.env.CORRAL_SOCKET || undefined;
  let readOnly = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--socket' || a.startsWith('--socket=')) {
      explicit = a === '--socket' ? (argv[++i] ?? '') : a.slice('--socket='.length);
      if (!explicit) fail('--socket needs a path');
    } else if (a === '--read-only') readOnly = true;
    else rest.push(a);
  }
  return { ...chooseSocket({ explicit, readOnly, access }), rest };
}

function fail(message: string): never {
  process.stderr.write(`corral: ${message}\n`);
  process.exit(2);
}
