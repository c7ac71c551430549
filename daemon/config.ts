// corrald's command line: one table of flags (name, value, default, help) from
// which the parser, `corrald --help` and corrald(8) are all derived, so a flag
// cannot exist without its documentation. Parsing is pure and returns a typed
// Config or a CorralError that says which flag is wrong and how to fix it.
import path from 'node:path';
import { CorralError } from '../shared/errors.js';

export interface FlagSpec {
  name: string;
  value?: string;
  default: string;
  help: string;
}

export const flags: FlagSpec[] = [
  { name: 'root', value: 'DIR', default: '/var/lib/corral', help: 'persistent data: container records, process logs and exit codes, the event history' },
  { name: 'state', value: 'DIR', default: '/run/corral', help: 'runtime data that must not survive a reboot: sockets, runc state, pid files' },
  { name: 'socket', value: 'PATH', default: '<state>/corrald.sock', help: 'the API socket (mode 0660)' },
  { name: 'ro-socket', value: 'PATH', default: '<state>/corrald-ro.sock', help: 'the read-only API socket; "none" disables it' },
  { name: 'cri-socket', value: 'PATH', default: '<state>/cri.sock', help: "the Kubernetes CRI (runtime.v1) gRPC socket (mode 0660, --group's)" },
  { name: 'cri-stream-address', value: 'HOST:PORT', default: '127.0.0.1:0', help: "where the CRI's streaming server (the URLs of Exec and Attach) listens; port 0: the kernel picks one" },
  { name: 'no-cri', default: '', help: 'serve no CRI socket' },
  { name: 'insecure-registries', value: 'HOSTS', default: '', help: 'registries (host[:port], comma-separated) reached over plain HTTP or without verifying TLS, for every pull (the CRI\'s too), as dockerd\'s --insecure-registry' },
  { name: 'group', value: 'GROUP', default: 'root', help: 'group owning the API socket: its members can drive corrald (root-equivalent)' },
  { name: 'ro-group', value: 'GROUP', default: 'root', help: 'group owning the read-only socket: its members can look, not change' },
  { name: 'runtime', value: 'PATH', default: 'runc', help: 'the OCI runtime binary (runc, or crun on pure cgroup v2 hosts)' },
  { name: 'conmon', value: 'PATH', default: 'conmon', help: 'the container monitor binary' },
  { name: 'log-level', value: 'LEVEL', default: 'info', help: 'trace, debug, info, warn, error or fatal; logs are JSON lines on stderr' },
  { name: 'log-size-max', value: 'BYTES', default: '10485760', help: 'size at which conmon rotates a process log; -1 keeps everything' },
  { name: 'max-message-bytes', value: 'BYTES', default: '1048576', help: 'longest request line accepted; longer ones get limit_exceeded' },
  { name: 'max-connections', value: 'N', default: '512', help: 'open client connections at once, over both sockets' },
  { name: 'max-subscriptions', value: 'N', default: '64', help: 'event and log subscriptions per connection' },
  { name: 'event-history', value: 'N', default: '10000', help: 'events kept for events.subscribe {since}' },
  { name: 'help', default: '', help: 'print this help and exit' },
  { name: 'version', default: '', help: 'print the version and exit' },
];

export interface Config {
  root: string;
  state: string;
  socket: string;
  roSocket: string | null;
  /** The CRI socket, or null with --no-cri. */
  criSocket: string | null;
  /** The CRI's streaming server: a host clients reach, and a port (0: the kernel's pick). */
  criStreamAddress: { host: string; port: number };
  /** Registries pulled from without TLS verification. */
  insecureRegistries: string[];
  group: string;
  roGroup: string;
  runtime: string;
  conmon: string;
  logLevel: string;
  logSizeMax: number;
  maxMessageBytes: number;
  maxConnections: number;
  maxSubscriptions: number;
  eventHistory: number;
}

export type ParsedArgs = { kind: 'run'; config: Config } | { kind: 'help' } | { kind: 'version' };

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function parseArgs(argv: string[]): ParsedArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw usage(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = flags.find((f) => f.name === name);
    if (!spec) throw usage(`unknown flag --${name}`);
    if (!spec.value) {
      if (name === 'help') return { kind: 'help' };
      if (name === 'version') return { kind: 'version' };
      values.set(name, 'true');
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw usage(`--${name} needs a value (${spec.value})`);
    // `--socket --state=/x` is a forgotten value, not a socket named "--state=/x"
    if (eq < 0 && value.startsWith('--')) throw usage(`--${name} needs a value (${spec.value}), got the flag ${value}; write --${name}=${value} if that is the value`);
    values.set(name, value);
  }
  const get = (name: string) => values.get(name) ?? flags.find((f) => f.name === name)!.default;
  const dir = (name: string) => {
    const v = get(name);
    if (!path.isAbsolute(v)) throw usage(`--${name} must be an absolute path, got "${v}"`);
    return path.resolve(v); // also drops a trailing slash, so /x/ and /x are one folder
  };
  const int = (name: string, min: number) => {
    const v = Number(get(name));
    if (!Number.isInteger(v) || v < min) throw usage(`--${name} must be a whole number of at least ${min}, got "${get(name)}"`);
    return v;
  };
  const root = dir('root');
  const state = dir('state');
  if (root === state) throw usage('--root and --state must be different folders');
  const logLevel = get('log-level');
  if (!LEVELS.includes(logLevel)) throw usage(`--log-level must be one of ${LEVELS.join(', ')}`);
  const socketPath = (name: string) => {
    const v = values.get(name)!;
    if (!path.isAbsolute(v)) throw usage(`--${name} must be an absolute path, got "${v}"`);
    return path.resolve(v);
  };
  const socket = values.has('socket') ? socketPath('socket') : path.join(state, 'corrald.sock');
  const roSocket = values.get('ro-socket') === 'none' ? null : values.has('ro-socket') ? socketPath('ro-socket') : path.join(state, 'corrald-ro.sock');
  if (socket === roSocket) throw usage('--socket and --ro-socket must be different files');
  if (values.has('no-cri') && values.has('cri-socket')) throw usage('--no-cri and --cri-socket contradict each other; give one');
  const criSocket = values.has('no-cri') ? null : values.has('cri-socket') ? socketPath('cri-socket') : path.join(state, 'cri.sock');
  if (criSocket && (criSocket === socket || criSocket === roSocket)) throw usage('--cri-socket must be a file of its own, not an API socket');
  if (values.has('no-cri') && values.has('cri-stream-address')) throw usage('--no-cri and --cri-stream-address contradict each other; give one');
  const criStreamAddress = hostPort(get('cri-stream-address'));
  return {
    kind: 'run',
    config: {
      root,
      state,
      socket,
      roSocket,
      criSocket,
      criStreamAddress,
      insecureRegistries: get('insecure-registries').split(',').map((h) => h.trim()).filter(Boolean),
      group: get('group'),
      roGroup: get('ro-group'),
      runtime: get('runtime'),
      conmon: get('conmon'),
      logLevel,
      logSizeMax: int('log-size-max', -1),
      maxMessageBytes: int('max-message-bytes', 256),
      maxConnections: int('max-connections', 1),
      maxSubscriptions: int('max-subscriptions', 1),
      eventHistory: int('event-history', 100),
    },
  };
}

/**
 * HOST:PORT, HOST an IP address or a name ([::1] for IPv6). The URLs handed
 * out name HOST, so an address that means "every interface" is refused: no
 * client can connect to 0.0.0.0.
 */
function hostPort(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw usage(`--cri-stream-address must be HOST:PORT (127.0.0.1:0, [::1]:10010), got "${v}"`);
  const host = m[1] ?? m[2];
  if (host === '0.0.0.0' || host === '::') throw usage(`--cri-stream-address must name an address clients can reach, not "${host}": the URLs of Exec and Attach carry it`);
  return { host, port };
}

function usage(message: string): CorralError {
  return new CorralError('invalid_params', `corrald: ${message}; see corrald --help`);
}

export function helpText(): string {
  const rows = flags.map((f) => {
    const left = `  --${f.name}${f.value ? ` ${f.value}` : ''}`;
    const def = f.default ? ` (default: ${f.default})` : '';
    return `${left.padEnd(30)} ${f.help}${def}`;
  });
  return [
    'Usage: corrald [FLAGS]',
    '',
    'corrald runs OCI containers through runc and conmon, keeps their state on disk and',
    'serves JSON-RPC 2.0 on a Unix socket. It runs in the foreground; SIGTERM or SIGINT',
    'stops it and leaves the containers running.',
    '',
    'Flags:',
    ...rows,
    '',
    'See corrald(8) and corral-rpc(7).',
  ].join('\n');
}
