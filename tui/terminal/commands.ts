// `corral exec [-i] [-t] ID [--] CMD [ARGS…]` and `corral attach ID
// [PROCESS]`: the command-line ends of a terminal session (session.ts). exec
// starts a process of its own (a fresh exec-<hex> id), relays it and, once it
// has exited, forgets it (process.delete), so its exit status is this
// command's, as `podman exec` does; attach joins a process that runs already.
// Without -i the process's stdin is closed at once (like /dev/null), and
// without -t its output keeps its two streams apart.
import { UsageError } from '../cli/parse.js';
import { randomBytes } from 'node:crypto';
import { INIT_PROCESS } from '../../shared/api.js';
import { Client } from '../../shared/client.js';
import { isCorralError } from '../../shared/errors.js';
import { parseGlobal } from '../args.js';
import { runTerminalSession, sessionExitCode, type SessionEnd } from './session.js';


/** A usage mistake: the caller prints it with the usage line and exits 2 (125 is the process's own range). */

interface ExecArgs {
  id: string;
  args: string[];
  interactive: boolean;
  tty: boolean;
}

export function parseExecArgs(rest: string[]): ExecArgs {
  let interactive = false;
  let tty = false;
  let i = 0;
  for (; i < rest.length && rest[i].startsWith('-') && rest[i] !== '--'; i++) {
    const flag = rest[i];
    if (flag === '--interactive') interactive = true;
    else if (flag === '--tty') tty = true;
    else if (/^-[it]+$/.test(flag)) {
      if (flag.includes('i')) interactive = true;
      if (flag.includes('t')) tty = true;
    } else throw new UsageError(`unknown option ${flag}`);
  }
  const id = rest[i++];
  if (!id) throw new UsageError('name the container');
  if (rest[i] === '--') i++;
  const args = rest.slice(i);
  if (!args.length) throw new UsageError('name the command to run');
  return { id, args, interactive, tty };
}

function describe(end: SessionEnd, id: string, processId: string): string | undefined {
  switch (end.reason) {
    case 'detached':
      return `detached from ${id} (${processId} goes on; corral attach ${id} ${processId} to come back)`;
    case 'overflow':
      return `output came faster than this terminal took it, so corrald detached it; ${processId} goes on: corral attach ${id} ${processId}`;
    case 'lost':
      return end.message;
    default:
      return undefined;
  }
}

function report(end: SessionEnd, id: string, processId: string, raw: boolean): number {
  const line = describe(end, id, processId);
  // a raw terminal may have left the cursor mid-line
  if (line) process.stderr.write(`${raw ? '\r\n' : ''}corral: ${line}\n`);
  return sessionExitCode(end);
}

/**
 * The global flags (--socket, --read-only) stand before the container's id;
 * whatever follows it is the command's own, a `--socket` of its included.
 */
function splitAtId(argv: string[]): [string[], string[]] {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--socket') i++;
    else if (argv[i] === '--' || !argv[i].startsWith('-')) return [argv.slice(0, i), argv.slice(i)];
  }
  return [argv, []];
}

/** A terminal once read keeps its handle reading, paused or not, and the command would never exit: it is done with. */
function letStdinGo(): void {
  process.stdin.destroy();
}

export async function runExec(argv: string[]): Promise<number> {
  const [flags, rest] = splitAtId(argv);
  const g = parseGlobal(flags);
  const a = parseExecArgs([...g.rest, ...rest]);
  const client = await Client.connect(g.socket);
  try {
    const processId = `exec-${randomBytes(4).toString('hex')}`;
    const size = a.tty && process.stdout.isTTY ? { rows: process.stdout.rows, cols: process.stdout.columns } : {};
    // without a terminal the process always gets a stdin pipe, closed at once without -i: conmon
    // then waits for corrald's attach before running it, so no early output is lost
    await client.request('process.exec', { id: a.id, processId, args: a.args, ...(a.tty ? { terminal: true, ...size } : { stdin: true }) });
    // a quick command may have ended already, its stdin with it: that is not a failure
    if (!a.tty && !a.interactive) await client.request('process.input', { id: a.id, processId, eof: true }).catch((err) => {
      if (!isCorralError(err, 'invalid_state')) throw err;
    });
    const tty = a.tty && process.stdin.isTTY === true;
    const end = await runTerminalSession(client, {
      id: a.id,
      processId,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      input: a.interactive,
      tty,
      eofOnEnd: !a.tty,
    });
    // an exec of this command's own is forgotten once it has exited; a detached one goes on
    if (end.reason === 'exit') await client.request('process.delete', { id: a.id, processId }).catch(() => {});
    return report(end, a.id, processId, tty);
  } finally {
    client.close();
    letStdinGo();
  }
}

export async function runAttach(argv: string[]): Promise<number> {
  const g = parseGlobal(argv);
  let tail: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < g.rest.length; i++) {
    const x = g.rest[i];
    if (x === '--tail') {
      tail = Number(g.rest[++i]);
      if (!Number.isInteger(tail) || tail < 0) throw new UsageError('--tail takes a number of bytes');
    } else if (x.startsWith('-')) throw new UsageError(`unknown option ${x}`);
    else rest.push(x);
  }
  const [id, processId = INIT_PROCESS, extra] = rest;
  if (!id) throw new UsageError('name the container');
  if (extra) throw new UsageError(`unexpected argument "${extra}"`);
  const client = await Client.connect(g.socket);
  try {
    const tty = process.stdin.isTTY === true;
    const end = await runTerminalSession(client, {
      id,
      processId,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      // read-only: output only (the socket would refuse input)
      input: !g.readOnly,
      tty,
      tail,
    });
    return report(end, id, processId, tty);
  } finally {
    client.close();
    letStdinGo();
  }
}
