// `corral call [--socket PATH] [--read-only] [--follow] METHOD [JSON-PARAMS]`: one API call
// for shell scripts. The result goes to stdout as JSON (exit 0), an error to
// stderr as JSON (exit 1), bad usage to stderr as a sentence (exit 2); with
// --follow every notification is printed as one JSON line until the
// subscription ends or the daemon goes away; without it, a pull's or an
// import's image.progress notifications are printed as JSON lines before the
// result. --read-only refuses a method that
// changes something before anything is sent: the socket chosen may be the main
// one (given with --socket, or the read-only one is absent), which would obey
// it. A reader that stops early (`| head`) ends the call quietly.
import { methods, type MethodName } from '../shared/api.js';
import { Client } from '../shared/client.js';
import { CorralError } from '../shared/errors.js';
import { parseGlobal } from './args.js';

const USAGE = 'usage: corral call [--socket PATH] [--read-only] [--follow] METHOD [JSON-PARAMS]\n';

export async function runCall(argv: string[]): Promise<number> {
  const follow = argv.includes('--follow');
  const opts = parseGlobal(argv.filter((a) => a !== '--follow'));
  // JSON-PARAMS is an object, so nothing after the flags starts with a dash but a mistyped option
  const unknown = opts.rest.find((a) => a.startsWith('-'));
  if (unknown !== undefined) return usage(`unknown option ${unknown}`);
  const [method, json, extra] = opts.rest;
  if (!method || extra !== undefined) return usage();
  if (opts.readOnly && changesState(method)) {
    process.stderr.write(`corral call: ${method} changes state and --read-only refuses it; leave out --read-only to make the change\n`);
    return 2;
  }
  let params: unknown = {};
  if (json !== undefined) {
    try {
      params = JSON.parse(json);
    } catch (err) {
      printError(new CorralError('invalid_params', `JSON-PARAMS is not valid JSON (${(err as Error).message}); quote it for the shell, e.g. '{"id":"web"}'`));
      return 1;
    }
  }
  let client: Client | undefined;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    // the reader has gone: nothing more is wanted, and it is no failure of the call
    client?.close();
  });
  try {
    client = await Client.connect(opts.socket);
  } catch (err) {
    printError(err);
    return 1;
  }
  // a pull's or import's progress comes before its result, one JSON line each, as it goes
  if (!follow) client.onNotification('image.progress', (p) => process.stdout.write(JSON.stringify({ method: 'image.progress', params: p }) + '\n'));
  if (follow) {
    const c = client;
    c.on('notification', (m: string, p: unknown) => {
      process.stdout.write(JSON.stringify({ method: m, params: p }) + '\n');
      const ended = (m === 'events.overflow') || (m === 'process.log' && (p as { end?: boolean }).end);
      if (ended) c.close();
    });
  }
  try {
    const result = await client.rawRequest(method, params);
    if (!follow) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      client.close();
      return 0;
    }
    process.stderr.write(JSON.stringify(result) + '\n');
    // a result without a subscription starts no stream: nothing will follow
    if (typeof (result as { subscription?: unknown } | null)?.subscription !== 'string') {
      client.close();
      return 0;
    }
    const c = client;
    await new Promise<void>((resolve) => {
      c.once('close', resolve);
      const stop = () => { c.close(); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } catch (err) {
    printError(err);
    client.close();
    return 1;
  }
}

/** Whether the API says `method` changes something; an unknown one is left to the daemon to refuse. */
function changesState(method: string): boolean {
  return Object.hasOwn(methods, method) && !methods[method as MethodName].readOnly;
}

function usage(problem?: string): number {
  process.stderr.write(problem ? `corral call: ${problem}\n${USAGE}` : USAGE);
  return 2;
}

function printError(err: unknown): void {
  const e = err instanceof CorralError ? err : new CorralError('internal', (err as Error)?.message ?? String(err));
  process.stderr.write(JSON.stringify({ code: e.code, message: e.message, data: e.data }) + '\n');
}
