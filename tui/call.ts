// `corral call [--socket PATH] [--read-only] [--follow] METHOD [JSON-PARAMS]`: one API call
// for shell scripts. The result goes to stdout as JSON (exit 0), an error to
// stderr as JSON (exit 1); with --follow every notification is printed as one
// JSON line until the subscription ends or the daemon goes away.
import { Client } from '../shared/client.js';
import { CorralError } from '../shared/errors.js';
import { parseGlobal } from './args.js';

export async function runCall(argv: string[]): Promise<number> {
  const follow = argv.includes('--follow');
  const opts = parseGlobal(argv.filter((a) => a !== '--follow'));
  const [method, json, extra] = opts.rest;
  if (!method || extra !== undefined) {
    process.stderr.write('usage: corral call [--socket PATH] [--read-only] [--follow] METHOD [JSON-PARAMS]\n');
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
  let client: Client;
  try {
    client = await Client.connect(opts.socket);
  } catch (err) {
    printError(err);
    return 1;
  }
  if (follow) {
    client.on('notification', (m: string, p: unknown) => {
      process.stdout.write(JSON.stringify({ method: m, params: p }) + '\n');
      const ended = (m === 'events.overflow') || (m === 'process.log' && (p as { end?: boolean }).end);
      if (ended) client.close();
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
    await new Promise<void>((resolve) => {
      client.once('close', resolve);
      const stop = () => { client.close(); };
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

function printError(err: unknown): void {
  const e = err instanceof CorralError ? err : new CorralError('internal', (err as Error)?.message ?? String(err));
  process.stderr.write(JSON.stringify({ code: e.code, message: e.message, data: e.data }) + '\n');
}
