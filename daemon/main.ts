#!/usr/bin/env -S MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=1 --initial-old-space-size=12
// corrald's entry point: parses the flags, takes the --state lock, restores
// every container from disk, then serves the API sockets. SIGTERM and SIGINT
// close the sockets and exit, leaving the containers (and their conmon
// monitors) running; a SIGKILL does the same, less tidily, and the next start
// picks everything up. Exit codes: 0 clean stop, 1 start-up failure, 2 usage.
//
// The first line is part of corrald, which is why everything that starts it
// (the bin entry, systemd, npm start, the tests, the bench) runs the file
// itself rather than `node FILE`. V8's young generation otherwise grows to
// 16 MiB semi-spaces under request churn and holds them (25 MiB of corrald's
// 102 MiB with 100 containers); at 1 MiB both semi-spaces together hold 2 MiB.
// V8 would also let the old generation fill with garbage up to a limit sized
// for big heaps before its first full GC; 12 MiB starts that limit just above
// what corrald lives on, so the garbage of starting a hundred containers is
// collected rather than held (V8 raises the limit after each full GC from
// what survived). MALLOC_TRIM_THRESHOLD_ fixes glibc's thresholds, which
// otherwise rise after the first large free and leave the main heap holding 3
// MiB more or less depending on timing; children inherit it harmlessly. All
// three take about 5 MiB off corrald with 100 containers and make the figure
// steady, for 0.1-0.4 ms more GC pause per run-to-exit (--trace-gc over 100
// runs) and about one more mmap and munmap per run-to-exit (strace).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { CorralError } from '../shared/errors.js';
import { VERSION } from '../shared/version.js';
import { helpText, parseArgs, type Config } from './config.js';
import { handlers } from './methods/index.js';
import { Runc } from './oci/runc.js';
import { RuncConmon } from './oci/runtime.js';
import { Layout } from './runtime/layout.js';
import { bootId } from './runtime/procinfo.js';
import { Dispatcher } from './server/dispatch.js';
import { ApiServer } from './server/server.js';
import { EventBus } from './supervisor/events.js';
import { Reconciler } from './supervisor/reconcile.js';
import { recover } from './supervisor/recovery.js';
import { Supervisor } from './supervisor/supervisor.js';
import { startCri, type CriServer } from './cri/server.js';

const LOCK_FILE = 'corrald.pid';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') return void process.stdout.write(helpText() + '\n');
  if (parsed.kind === 'version') return void process.stdout.write(`corrald ${VERSION}\n`);
  const config = parsed.config;
  const log = pino({ name: 'corrald', level: config.logLevel }, pino.destination({ fd: 2, sync: true }));
  if (process.getuid?.() !== 0) fatal(log, 'corrald must run as root: runc and conmon need it');
  try {
    await run(config, log);
  } catch (err) {
    fatal(log, (err as Error).message, err);
  }
}

function fatal(log: Logger, message: string, err?: unknown): never {
  log.fatal({ err }, message);
  process.stderr.write(`corrald: ${message}\n`);
  process.exit(1);
}

async function run(config: Config, log: Logger): Promise<void> {
  await fsp.mkdir(config.root, { recursive: true, mode: 0o700 });
  await fsp.mkdir(config.state, { recursive: true, mode: 0o711 });
  await takeLock(path.join(config.state, LOCK_FILE));

  const runtimePath = resolveBinary(config.runtime);
  const conmonPath = resolveBinary(config.conmon);
  for (const [flag, p] of [['--runtime', runtimePath], ['--conmon', conmonPath]] as const) {
    if (!fs.existsSync(p)) log.error({ path: p }, `${p} is missing: calls that need it will fail until it is installed (check ${flag})`);
  }
  const layout = new Layout(config.root, config.state);
  await fsp.mkdir(layout.runcRoot, { recursive: true, mode: 0o700 });
  const runtime = new RuncConmon({ runc: new Runc(runtimePath, layout.runcRoot), runtimePath, conmonPath, runcRoot: layout.runcRoot, logSizeMax: config.logSizeMax });
  const bus = new EventBus(layout.eventsFile, config.eventHistory, (err) => log.error({ err }, 'cannot append to the event history'));
  const loaded = bus.load();
  if (loaded.skipped) log.warn(loaded, 'skipped unreadable lines of the event history');
  if (loaded.replacedLink) log.warn({ file: layout.eventsFile }, 'the event history was a symlink; removed it and started a new history there');
  const sup = new Supervisor({ layout, runtime, bootId: bootId() }, bus, log);
  sup.images.insecureRegistries = config.insecureRegistries;
  await recover(sup);
  const reconciler = new Reconciler(sup, log);
  reconciler.start();

  const startedAt = Date.now();
  const dispatcher = new Dispatcher(handlers({ sup, config, startedAt, versions: () => runtime.versions() }), log);
  const server = new ApiServer({ maxConnections: config.maxConnections, maxMessageBytes: config.maxMessageBytes, maxSubscriptions: config.maxSubscriptions, dispatcher, log });
  // the main socket last: once it appears, the read-only one is there too
  if (config.roSocket) await server.listen({ path: config.roSocket, group: config.roGroup, readOnly: true });
  // the CRI before the main socket: a client that finds corrald's socket finds the CRI's too
  let cri: CriServer | undefined;
  if (config.criSocket) {
    try {
      cri = await startCri({ socket: config.criSocket, stream: config.criStreamAddress, group: config.group, sup, log });
    } catch (err) {
      log.error({ err, socket: config.criSocket }, 'cannot serve the CRI; corrald goes on without it (see --cri-socket, --no-cri)');
    }
  }
  await server.listen({ path: config.socket, group: config.group, readOnly: false });
  log.info({ containers: sup.size, version: VERSION }, 'corrald ready');

  const stop = async (signal: string) => {
    log.info({ signal }, 'stopping; containers keep running');
    reconciler.stop();
    sup.close();
    bus.close();
    await server.close();
    await cri?.close();
    await fsp.rm(path.join(config.state, LOCK_FILE), { force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // a promise nobody awaited is a bug of corrald's, not a reason to stop serving every container: say so loudly
  process.on('unhandledRejection', (err) => log.error({ err }, 'bug: an unhandled promise rejection; corrald carries on (please report it)'));
}

/** One corrald per --state: a pid file held by a live corrald refuses a second one. */
async function takeLock(file: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await fsp.open(file, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await fsp.readFile(file, 'utf8').catch(() => '')).trim());
      if (pid > 0 && pid !== process.pid && isCorrald(pid)) {
        throw new CorralError('already_exists', `another corrald (pid ${pid}) already uses --state ${path.dirname(file)}; stop it first or pass another --state`);
      }
      await fsp.rm(file, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${file}`);
}

function isCorrald(pid: number): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('corrald') || cmd.includes('daemon/main');
  } catch {
    return false;
  }
}

function resolveBinary(name: string): string {
  if (name.includes('/')) return path.resolve(name);
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return path.join('/usr/bin', name);
}

void main();
