// The API contract of corrald as zod schemas: the single source of truth. The
// server validates params with these, the daemon and the clients take their
// TypeScript types from them, rpc.discover and corral-rpc(7) are generated
// from them. A method exists when it is in `methods`; each entry says its
// params, result, the error reasons it can answer with, whether the read-only
// socket serves it, and an example used by the manual.
import { constants } from 'node:os';
import { z } from 'zod';
import type { ErrorReason } from './errors.js';

export const API_VERSION = '1.0';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const INIT_PROCESS = 'init';
/**
 * The names in a container's folder (`<root>/containers/<id>/`, DESIGN.md
 * "On disk") that are corral's own, beside its process folders, so no process
 * may take them: its record, and for a container from an image the spec built
 * from the image, its overlay mount point and the overlay's upper/work dirs.
 */
export const CONTAINER_OWN_NAMES = { record: 'state.json', config: 'config.json', rootfs: 'rootfs', overlay: 'overlay' } as const;
const OWN_NAMES: readonly string[] = Object.values(CONTAINER_OWN_NAMES);

export const Id = z
  .string()
  .regex(ID_PATTERN, 'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit')
  .describe('container or process id: ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$');

/** A process id that exec may give: any id but the names of the container's own files. */
const NewProcessId = Id.refine((v) => !OWN_NAMES.includes(v), {
  message: `${OWN_NAMES.map((n) => `"${n}"`).join(', ')} name the container's own files; choose another process id`,
}).describe(`process id: ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$, unique in its container, and none of ${OWN_NAMES.join(', ')}`);

// Signals go by the names and numbers of this host's kill(2), as Node lists
// them: the schema accepts exactly what corrald can send, and rpc.discover
// states it. A name may come with or without "SIG", in any case; a number
// 1-64 (the real-time signals have numbers only) may also come as a decimal
// string, as a shell script would write it.
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = constants.signals;
/** Second names of a number that has a better-known one; never shown first. */
const SIGNAL_ALIASES = ['SIGUNUSED', 'SIGPOLL', 'SIGIOT', 'SIGLOST'];
const byNumber = (a: string, b: string) => SIGNAL_NUMBERS[a] - SIGNAL_NUMBERS[b];
/** Every name a signal may be given by, in number order. */
const ALL_SIGNAL_NAMES = Object.keys(SIGNAL_NUMBERS).filter((n) => n.startsWith('SIG')).sort(byNumber);
/** One name per signal, the usual one (SIGABRT, not SIGIOT), in number order. */
export const SIGNAL_NAMES = ALL_SIGNAL_NAMES.filter((n) => !SIGNAL_ALIASES.includes(n));

/** The number of a signal as the API takes it; undefined when it names none. */
export function signalNumber(signal: string | number): number | undefined {
  if (typeof signal === 'number') return Number.isInteger(signal) && signal >= 1 && signal <= 64 ? signal : undefined;
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s)) return signalNumber(Number(s));
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  return Object.hasOwn(SIGNAL_NUMBERS, name) ? SIGNAL_NUMBERS[name] : undefined;
}

/** What a caller is told about a signal that names none: what it sent, and what it could send. */
export function unknownSignal(signal: unknown): string {
  return `unknown signal ${JSON.stringify(signal)}; use a name such as ${SIGNAL_NAMES.slice(0, 6).join(', ')} or a number 1-64`;
}

// One message for every way a value can fail to be a signal (an unknown name, 65, 1.5, true).
const notASignal = { error: (issue: { input?: unknown }) => unknownSignal(issue.input) };

export const Signal = z
  .union([
    z.string().refine((s) => signalNumber(s) !== undefined, notASignal),
    z.number().int(notASignal).min(1, notASignal).max(64, notASignal),
  ], notASignal)
  .describe(
    `a signal: its name, with or without "SIG" and in any case (${ALL_SIGNAL_NAMES.map((n) => n.slice(3)).join(', ')}), ` +
      'or its number 1-64, also as a decimal string ("9")',
  );

export const Labels = z.record(z.string().max(256), z.string().max(4096)).describe('free-form key/value labels');

export const Timestamp = z.string().describe('RFC 3339 time');

export const ContainerState = z.enum(['created', 'running', 'paused', 'stopped']);
const ProcessState = z.enum(['created', 'running', 'exited']);

export const Process = z.object({
  id: Id,
  pid: z.number().int().nullable().describe('host pid; null once it exited or before it is known'),
  args: z.array(z.string()),
  state: ProcessState,
  exitStatus: z.number().int().optional().describe('exit code; 128+N for a process killed by signal N'),
  exitReason: z.string().optional().describe('why the exit code is not the process\'s own (e.g. monitor lost)'),
  startedAt: Timestamp,
  exitedAt: Timestamp.optional(),
  terminal: z.boolean().optional().describe('true when it runs on a terminal (process.attach, process.resize)'),
  stdin: z.boolean().optional().describe('true when its stdin is a pipe fed by process.input'),
});

const ImageConfig = z.object({
  entrypoint: z.array(z.string()).optional(),
  cmd: z.array(z.string()).optional(),
  env: z.array(z.string()).optional(),
  workdir: z.string().optional(),
  user: z.string().optional().describe('uid[:gid] or a name from the image\'s /etc/passwd'),
  labels: z.record(z.string(), z.string()).optional(),
  stopSignal: z.string().optional(),
});

const ImageLayer = z.object({ digest: z.string(), size: z.number().int(), mediaType: z.string() });

const Image = z.object({
  digest: z.string().describe("the manifest's digest: the image's identity"),
  names: z.array(z.string()).describe('full names (registry/repository:tag) that point at it; empty for an untagged import'),
  size: z.number().int().describe('bytes of its manifest, config and (compressed) layers'),
  layers: z.array(ImageLayer),
  created: Timestamp.optional(),
  architecture: z.string().optional(),
  os: z.string().optional(),
  addedAt: Timestamp.describe('when this corrald pulled or imported it'),
  config: ImageConfig,
});

const ContainerImage = z.object({ ref: z.string().describe('the name or digest the container was created from'), digest: z.string() });

export const Container = z.object({
  id: Id,
  bundle: z.string().describe('its OCI bundle: the one given, or for an image its own folder'),
  image: ContainerImage.optional().describe('the image it was created from'),
  state: ContainerState,
  pid: z.number().int().nullable().describe("init's host pid; null when stopped"),
  labels: Labels,
  createdAt: Timestamp,
  startedAt: Timestamp.optional(),
  exitStatus: z.number().int().optional(),
  exitReason: z.string().optional(),
  exitedAt: Timestamp.optional(),
  processes: z.array(Process),
});

const Stream = z.enum(['stdout', 'stderr']);
export type StreamT = z.output<typeof Stream>;

export const LogLine = z.object({
  time: Timestamp,
  stream: Stream,
  text: z.string(),
});

export const EventType = z.enum([
  'container.create',
  'container.start',
  'container.pause',
  'container.resume',
  'container.update',
  'container.delete',
  'container.state',
  'process.start',
  'process.exit',
  'process.delete',
  'container.oom',
  'image.pull',
  'image.import',
  'image.remove',
  'events.synced',
]);

// Which fields an event carries depends on its type, and the union says so
// per type. A field that a type never carries is declared absent (undefined),
// so a reader may ask any event for any field and narrows on `type` for the
// fields it needs.
const absent = z.never({ error: 'not carried by this type of event' }).optional();
const field = {
  id: Id.describe('the container the event is about'),
  processId: Id,
  pid: z.number().int().describe("the process's host pid, when corrald knows it"),
  exitStatus: z.number().int().describe('exit code; 128+N for a process killed by signal N'),
  exitReason: z.string().describe("why the exit code is not the process's own (e.g. monitor lost)"),
  container: Container.describe('the whole container as the event left it'),
  image: Image.describe('the image as the event left it (for image.remove: as it was)'),
};
type EventFields = typeof field;
type Absent<S> = { [K in Exclude<keyof EventFields, keyof S>]: typeof absent };

/** The events of the types TYPE, carrying the fields of CARRIES and none of the others. */
function eventOf<T extends z.ZodEnum, S extends { [K in keyof EventFields]?: z.ZodType }>(type: T, carries: S) {
  // in the order of `field`, whichever the event carries, so that every kind lists them alike
  const fields = Object.fromEntries(Object.keys(field).map((k) => [k, (carries as Record<string, z.ZodType>)[k] ?? absent])) as Absent<S> & S;
  return z.object({
    seq: z.number().int().describe('grows by one per event; container.state and events.synced of a snapshot carry the seq they were taken at'),
    time: Timestamp,
    type,
    ...fields,
  });
}

export const Event = z
  .discriminatedUnion('type', [
    eventOf(EventType.extract(['container.create', 'container.pause', 'container.resume', 'container.update', 'container.state']), {
      id: field.id,
      container: field.container,
    }),
    eventOf(EventType.extract(['container.start']), {
      id: field.id,
      processId: field.processId.describe('always "init"'),
      pid: field.pid.optional(),
      container: field.container,
    }),
    eventOf(EventType.extract(['process.start']), { id: field.id, processId: field.processId, pid: field.pid.optional(), container: field.container }),
    eventOf(EventType.extract(['process.exit']), {
      id: field.id,
      processId: field.processId,
      pid: field.pid.optional(),
      exitStatus: field.exitStatus,
      exitReason: field.exitReason.optional(),
      container: field.container,
    }),
    eventOf(EventType.extract(['process.delete']), { id: field.id, processId: field.processId, container: field.container }),
    eventOf(EventType.extract(['container.oom']), {
      id: field.id,
      processId: field.processId.optional().describe('the process the kernel killed, when its exit came with the report (status 137)'),
      container: field.container,
    }),
    eventOf(EventType.extract(['container.delete']), { id: field.id }),
    eventOf(EventType.extract(['image.pull', 'image.import', 'image.remove']), { image: field.image }),
    eventOf(EventType.extract(['events.synced']), {}),
  ])
  .describe('what happened, told apart by type; container events but container.delete and events.synced carry the whole container, image events the image');

const resourceLimits = {
  memoryLimitBytes: z.number().int().positive().optional(),
  cpuShares: z.number().int().min(2).max(262144).optional(),
  cpuQuota: z.number().int().min(-1).optional(),
  cpuPeriod: z.number().int().min(1000).max(1000000).optional(),
  pidsLimit: z.number().int().min(-1).optional(),
};
export const Resources = z
  .strictObject(resourceLimits)
  // an update that changes nothing is a caller's mistake; asked only once the keys passed, so that a
  // misspelt key is reported as just that
  .refine((r) => Object.keys(r).length > 0, {
    error: `must hold at least one of ${Object.keys(resourceLimits).join(', ')}`,
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ description: 'the limits to change, at least one; those left out stay as they are', minProperties: 1 });

export const User = z.strictObject({
  uid: z.number().int().min(0),
  gid: z.number().int().min(0),
  additionalGids: z.array(z.number().int().min(0)).optional(),
});

const ProcessArgs = z.array(z.string()).min(1, 'must name the program to run');
const EnvList = z.array(z.string().regex(/^[^=]+=/, 'must be NAME=value'));
const AbsolutePath = z.string().startsWith('/', 'must be an absolute path');
const ImageRefParam = z.string().min(1).max(512);

const Empty = z.strictObject({});
const Ok = z.strictObject({});
const Exit = z.object({ exitStatus: z.number().int(), exitedAt: Timestamp, exitReason: z.string().optional() });
const TimeoutMs = z.number().int().min(0).max(24 * 3600 * 1000).describe('give up with `timeout` after this many ms');
const SubscriptionId = z.string().min(1).max(64);
const TerminalSize = z.number().int().min(1).max(65535);
/** The largest process.input, decoded; more is limit_exceeded (conmon takes 32 KiB per packet, corrald splits). */
export const MAX_INPUT_BYTES = 256 * 1024;

interface MethodSpec<P extends z.ZodType, R extends z.ZodType> {
  summary: string;
  params: P;
  result: R;
  errors: ErrorReason[];
  /** Served by the read-only socket: changes nothing. */
  readOnly: boolean;
  example: Record<string, unknown>;
}
const method = <P extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<P, R>) => spec;

export const methods = {
  'daemon.version': method({
    summary: 'Versions of corrald, its API, the OCI runtime and the monitor.',
    params: Empty,
    result: z.object({
      version: z.string(),
      apiVersion: z.string(),
      runtime: z.object({ path: z.string(), version: z.string() }),
      monitor: z.object({ path: z.string(), version: z.string() }),
    }),
    errors: [],
    readOnly: true,
    example: {},
  }),
  'daemon.info': method({
    summary: 'Where corrald keeps its files, how long it has run, and how many containers are in each state.',
    params: Empty,
    result: z.object({
      pid: z.number().int(),
      root: z.string(),
      state: z.string(),
      socket: z.string(),
      readOnlySocket: z.string().optional(),
      uptimeSeconds: z.number(),
      logSizeMax: z.number().int().describe('bytes kept per process log before conmon rotates it; -1 is unlimited'),
      machine: z.object({ cpus: z.number().int(), memoryBytes: z.number().int() }),
      containers: z.object({
        total: z.number().int(),
        created: z.number().int(),
        running: z.number().int(),
        paused: z.number().int(),
        stopped: z.number().int(),
      }),
    }),
    errors: [],
    readOnly: true,
    example: {},
  }),
  'rpc.discover': method({
    summary: 'An OpenRPC 1.x document of every method, generated from the schemas.',
    params: Empty,
    result: z.record(z.string(), z.unknown()),
    errors: [],
    readOnly: true,
    example: {},
  }),
  'container.create': method({
    summary: 'Create a container from an OCI bundle or from a pulled image; with start: true also start it.',
    params: z
      .strictObject({
        id: Id,
        bundle: z.string().min(1).optional().describe('absolute path of a folder with config.json and the root filesystem'),
        image: z.string().min(1).optional().describe("a pulled or imported image: its name (short names as podman reads them), digest or a digest prefix of 12+ hex digits"),
        args: ProcessArgs.optional().describe("the command: replaces the bundle's process.args, or the image's Cmd (its Entrypoint stays)"),
        env: EnvList.optional().describe('NAME=value entries, each replacing the same name of the bundle or image'),
        cwd: AbsolutePath.optional(),
        user: User.optional(),
        labels: Labels.optional(),
        resources: Resources.optional().describe('limits applied from the start (see container.update)'),
        terminal: z.boolean().optional().describe("run init on a terminal held by its monitor, as a bundle's process.terminal: true does"),
        start: z.boolean().optional().describe('start it too, in the same call'),
      })
      .refine((p) => (p.bundle === undefined) !== (p.image === undefined), {
        error: 'give exactly one of bundle (a folder) and image (a ref)',
        path: ['bundle'],
        when: (payload) => payload.issues.length === 0,
      }),
    result: Container,
    errors: ['already_exists', 'invalid_bundle', 'not_found', 'invalid_params', 'runtime_error', 'unavailable'],
    readOnly: false,
    example: { id: 'web', image: 'docker.io/library/busybox:latest', args: ['sleep', '300'], start: true },
  }),
  'container.start': method({
    summary: 'Start a created container.',
    params: z.strictObject({ id: Id }),
    result: Container,
    errors: ['not_found', 'invalid_state', 'runtime_error'],
    readOnly: false,
    example: { id: 'web' },
  }),
  'container.list': method({
    summary: 'Every container, optionally only those in one state or carrying all the given labels.',
    params: z.strictObject({ state: ContainerState.optional(), labels: Labels.optional() }),
    result: z.object({ containers: z.array(Container) }),
    errors: [],
    readOnly: true,
    example: { state: 'running' },
  }),
  'container.get': method({
    summary: 'One container with its processes.',
    params: z.strictObject({ id: Id }),
    result: Container,
    errors: ['not_found'],
    readOnly: true,
    example: { id: 'web' },
  }),
  'container.pause': method({
    summary: 'Freeze every process of a running container.',
    params: z.strictObject({ id: Id }),
    result: Container,
    errors: ['not_found', 'invalid_state', 'runtime_error'],
    readOnly: false,
    example: { id: 'web' },
  }),
  'container.resume': method({
    summary: 'Thaw a paused container.',
    params: z.strictObject({ id: Id }),
    result: Container,
    errors: ['not_found', 'invalid_state', 'runtime_error'],
    readOnly: false,
    example: { id: 'web' },
  }),
  'container.kill': method({
    summary: "Send a signal to the container's init process, or with all: true to every process in it.",
    params: z.strictObject({ id: Id, signal: Signal.optional().describe('default SIGTERM'), all: z.boolean().optional() }),
    result: Ok,
    errors: ['not_found', 'invalid_state', 'invalid_params', 'runtime_error'],
    readOnly: false,
    example: { id: 'web', signal: 'SIGTERM' },
  }),
  'container.wait': method({
    summary: "Wait for the container's init process to exit; answers at once if it has.",
    params: z.strictObject({ id: Id, timeoutMs: TimeoutMs.optional() }),
    result: Exit,
    errors: ['not_found', 'timeout'],
    readOnly: true,
    example: { id: 'web', timeoutMs: 10000 },
  }),
  'container.stats': method({
    summary: 'CPU, memory and pid counts of a running or paused container, from its cgroups.',
    params: z.strictObject({ id: Id }),
    result: z.object({
      cpu: z.object({ usageNs: z.number() }),
      memory: z.object({ usageBytes: z.number(), limitBytes: z.number() }),
      pids: z.object({ current: z.number(), limit: z.number() }),
    }),
    errors: ['not_found', 'invalid_state', 'runtime_error'],
    readOnly: true,
    example: { id: 'web' },
  }),
  'container.update': method({
    summary: 'Change the resource limits of a created, running or paused container.',
    params: z.strictObject({ id: Id, resources: Resources }),
    result: Container,
    errors: ['not_found', 'invalid_state', 'runtime_error', 'unavailable'],
    readOnly: false,
    example: { id: 'web', resources: { memoryLimitBytes: 268435456, pidsLimit: 100 } },
  }),
  'container.delete': method({
    summary: 'Delete a container and every file corral keeps for it; a running one only with force (SIGKILL first).',
    params: z.strictObject({ id: Id, force: z.boolean().optional() }),
    result: Ok,
    errors: ['not_found', 'invalid_state', 'runtime_error'],
    readOnly: false,
    example: { id: 'web', force: true },
  }),
  'process.list': method({
    summary: 'The processes corral started in a container: init and every exec.',
    params: z.strictObject({ id: Id }),
    result: z.object({ processes: z.array(Process) }),
    errors: ['not_found'],
    readOnly: true,
    example: { id: 'web' },
  }),
  'process.exec': method({
    summary: 'Run another process in a running container; its exit code is kept until process.delete.',
    params: z.strictObject({
      id: Id,
      processId: NewProcessId,
      args: ProcessArgs,
      env: EnvList.optional(),
      cwd: AbsolutePath.optional(),
      user: User.optional(),
      terminal: z.boolean().optional().describe('run it on a terminal held by its monitor (`exec -it`); attach to it with process.attach'),
      rows: TerminalSize.optional().describe('with terminal: the initial height'),
      cols: TerminalSize.optional().describe('with terminal: the initial width'),
      stdin: z.boolean().optional().describe('without terminal: a stdin pipe fed by process.input and closed by its eof (`exec -i`)'),
    }),
    result: Process,
    errors: ['not_found', 'already_exists', 'invalid_state', 'invalid_params', 'runtime_error'],
    readOnly: false,
    example: { id: 'web', processId: 'sh1', args: ['/bin/sh', '-c', 'echo hi'] },
  }),
  'process.kill': method({
    summary: 'Send a signal to one process of a container.',
    params: z.strictObject({ id: Id, processId: Id, signal: Signal.optional().describe('default SIGTERM') }),
    result: Ok,
    errors: ['not_found', 'invalid_state', 'invalid_params', 'runtime_error'],
    readOnly: false,
    example: { id: 'web', processId: 'sh1', signal: 'KILL' },
  }),
  'process.wait': method({
    summary: 'Wait for one process to exit; answers at once if it has.',
    params: z.strictObject({ id: Id, processId: Id, timeoutMs: TimeoutMs.optional() }),
    result: Exit,
    errors: ['not_found', 'timeout'],
    readOnly: true,
    example: { id: 'web', processId: 'sh1', timeoutMs: 5000 },
  }),
  'process.logs': method({
    summary: "A process's output from its log; with follow: true new lines arrive as process.log notifications.",
    params: z.strictObject({
      id: Id,
      processId: Id.optional().describe('default "init"'),
      stream: z.enum(['stdout', 'stderr']).optional().describe('only this stream'),
      tail: z.number().int().min(0).max(100000).optional().describe('only the last N lines'),
      follow: z.boolean().optional(),
    }),
    result: z.object({ lines: z.array(LogLine), subscription: SubscriptionId.optional() }),
    errors: ['not_found', 'limit_exceeded'],
    readOnly: true,
    example: { id: 'web', tail: 20 },
  }),
  'process.delete': method({
    summary: 'Forget an exited exec process and its log.',
    params: z.strictObject({ id: Id, processId: Id }),
    result: Ok,
    errors: ['not_found', 'invalid_state'],
    readOnly: false,
    example: { id: 'web', processId: 'sh1' },
  }),
  'process.attach': method({
    summary: "Relay a running process's output live as process.output notifications; with a terminal or stdin, process.input and process.resize reach it.",
    params: z.strictObject({
      id: Id,
      processId: Id.optional().describe('default "init"'),
      tail: z.number().int().min(0).max(1024 * 1024).optional().describe('first the last N bytes of its log (what came before the attach)'),
    }),
    result: z.object({
      subscription: SubscriptionId,
      terminal: z.boolean().describe('the process runs on a terminal: a client puts its own in raw mode'),
      stdin: z.boolean().describe('process.input reaches the process'),
    }),
    errors: ['not_found', 'invalid_state', 'limit_exceeded', 'runtime_error'],
    readOnly: true,
    example: { id: 'web', processId: 'sh1', tail: 2048 },
  }),
  'process.detach': method({
    summary: 'End an attach subscription; the process goes on (detaching never signals it).',
    params: z.strictObject({ subscription: SubscriptionId }),
    result: Ok,
    errors: ['not_found'],
    readOnly: true,
    example: { subscription: 's1' },
  }),
  'process.input': method({
    summary: `Write bytes to the terminal or stdin pipe of a process (at most ${MAX_INPUT_BYTES} bytes a call); eof: true closes a stdin pipe.`,
    params: z.strictObject({
      id: Id,
      processId: Id.optional().describe('default "init"'),
      data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64').optional().describe('the bytes, base64'),
      eof: z.boolean().optional().describe('after DATA, close the stdin pipe (a terminal takes Ctrl-D as data instead)'),
    }),
    result: Ok,
    errors: ['not_found', 'invalid_state', 'limit_exceeded', 'runtime_error'],
    readOnly: false,
    example: { id: 'web', processId: 'sh1', data: 'bHMK' },
  }),
  'process.resize': method({
    summary: 'Set the size of the terminal a process runs on.',
    params: z.strictObject({ id: Id, processId: Id.optional().describe('default "init"'), rows: TerminalSize, cols: TerminalSize }),
    result: Ok,
    errors: ['not_found', 'invalid_state', 'runtime_error'],
    readOnly: false,
    example: { id: 'web', processId: 'sh1', rows: 40, cols: 120 },
  }),
  'events.subscribe': method({
    summary: 'Receive events as notifications; since replays what was missed, snapshot starts with every container.',
    params: z.strictObject({
      types: z.array(EventType).optional(),
      ids: z.array(Id).optional(),
      since: z.number().int().min(0).optional().describe('replay events with a greater seq'),
      snapshot: z.boolean().optional().describe('first one container.state per container, then events.synced'),
    }),
    result: z.object({ subscription: SubscriptionId, seq: z.number().int().describe('the last seq so far') }),
    errors: ['invalid_state', 'limit_exceeded'],
    readOnly: true,
    example: { snapshot: true },
  }),
  'events.unsubscribe': method({
    summary: 'End a subscription (events or a followed log).',
    params: z.strictObject({ subscription: SubscriptionId }),
    result: Ok,
    errors: ['not_found'],
    readOnly: true,
    example: { subscription: 's1' },
  }),
  'image.pull': method({
    summary: 'Pull an image from a registry (skopeo) and unpack it once; image.progress notifications come while it runs.',
    params: z
      .strictObject({
        ref: ImageRefParam.describe('registry/repository[:tag|@digest]; short names are docker.io\'s, as in podman'),
        insecure: z.boolean().optional().describe('plain HTTP or an unverified certificate (a local registry)'),
        username: z.string().min(1).max(1024).optional(),
        password: z.string().min(1).max(8192).optional().describe('never logged nor kept: it lives in a 0600 file under --state for the pull only'),
      })
      .refine((p) => (p.username === undefined) === (p.password === undefined), {
        error: 'give username and password together',
        path: ['password'],
        when: (payload) => payload.issues.length === 0,
      }),
    result: Image,
    errors: ['invalid_params', 'not_found', 'unavailable', 'runtime_error', 'timeout'],
    readOnly: false,
    example: { ref: '127.0.0.1:5000/corral/bb:1', insecure: true },
  }),
  'image.import': method({
    summary: 'Import an image from an archive or OCI layout on this host.',
    params: z.strictObject({
      path: AbsolutePath.describe('the archive (or OCI layout folder) on the host'),
      format: z.enum(['oci-archive', 'docker-archive', 'oci']).optional().describe('told from the file when left out'),
      ref: ImageRefParam.optional().describe("the name to give it; default the archive's own name, if any"),
    }),
    result: Image,
    errors: ['invalid_params', 'not_found', 'unavailable', 'runtime_error', 'timeout'],
    readOnly: false,
    example: { path: '/srv/images/bb.tar', format: 'oci-archive', ref: 'corral/bb:1' },
  }),
  'image.list': method({
    summary: 'Every image this corrald holds.',
    params: Empty,
    result: z.object({ images: z.array(Image) }),
    errors: [],
    readOnly: true,
    example: {},
  }),
  'image.get': method({
    summary: 'One image: digest, names, size, layers and its config (entrypoint, cmd, env, workdir, user, labels).',
    params: z.strictObject({ ref: ImageRefParam }),
    result: Image,
    errors: ['not_found', 'invalid_params'],
    readOnly: true,
    example: { ref: 'busybox' },
  }),
  'image.remove': method({
    summary: "Remove a name (a digest: every name) and, with its last name, the image; refused while a container uses it unless force and none of them runs (force deletes them).",
    params: z.strictObject({ ref: ImageRefParam, force: z.boolean().optional() }),
    result: z.object({
      untagged: z.array(z.string()).describe('names removed'),
      deleted: z.array(z.string()).describe('digests of images removed with their last name'),
      containers: z.array(Id).describe('stopped or created containers deleted with force'),
    }),
    errors: ['not_found', 'invalid_state', 'invalid_params'],
    readOnly: false,
    example: { ref: 'busybox:latest' },
  }),
  'image.prune': method({
    summary: 'Remove unpacked trees and blobs that no image holds (left by removals and interrupted pulls).',
    params: Empty,
    result: z.object({ trees: z.number().int(), blobs: z.number().int(), bytesFreed: z.number().int() }),
    errors: [],
    readOnly: false,
    example: {},
  }),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export const methodNames = Object.keys(methods) as MethodName[];
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
/** Params as a handler gets them: validated. */
export type ParsedParamsOf<M extends MethodName> = z.output<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>;

/** Notifications the server sends; `method` of the JSON-RPC notification. */
export const notifications = {
  event: z.object({ subscription: SubscriptionId, event: Event }),
  'process.log': z.object({
    subscription: SubscriptionId,
    id: Id,
    processId: Id,
    line: LogLine.optional(),
    end: z.boolean().optional().describe('the process exited or the container went away: no more lines'),
    overflow: z
      .boolean()
      .optional()
      .describe('with end: the client read too slowly and the follow was ended; ask again with process.logs (tail, follow)'),
  }),
  'image.progress': z.object({
    ref: z.string().describe('the full name being pulled or the path being imported'),
    phase: z.enum(['resolving', 'copying', 'unpacking']),
    layersDone: z.number().int(),
    layersTotal: z.number().int(),
    bytesDone: z.number().int(),
    bytesTotal: z.number().int().describe('0 until the manifest is read'),
  }),
  'process.output': z.object({
    subscription: SubscriptionId,
    id: Id,
    processId: Id,
    stream: Stream.optional(),
    data: z.string().optional().describe('the bytes, base64, exactly as the monitor relayed them (a terminal sends stdout only)'),
    end: z.boolean().optional().describe('the process exited (exitStatus says how), the container went, or the reader fell behind (overflow)'),
    exitStatus: z.number().int().optional(),
    overflow: z.boolean().optional().describe('with end: the client read too slowly and was detached; attach again (tail) to go on'),
  }),
  'events.overflow': z.object({
    subscription: SubscriptionId,
    lastSeq: z.number().int().describe('resubscribe with since: lastSeq to continue'),
  }),
} as const;
export type NotificationName = keyof typeof notifications;
export type NotificationOf<N extends NotificationName> = z.output<(typeof notifications)[N]>;

export type ContainerT = z.output<typeof Container>;
export type ProcessT = z.output<typeof Process>;
export type EventT = z.output<typeof Event>;
/** An event about an image (image.pull, image.import, image.remove). */
export type ImageEventT = Extract<EventT, { image: ImageT }>;
/** The events about images rather than containers: they carry an image, no container id. */
export const isImageEvent = (e: EventT): e is ImageEventT => e.type === 'image.pull' || e.type === 'image.import' || e.type === 'image.remove';
export type LogLineT = z.output<typeof LogLine>;
export type ContainerStateT = z.output<typeof ContainerState>;
export type ResourcesT = z.output<typeof Resources>;
export type ExitT = z.output<typeof Exit>;
export type ImageT = z.output<typeof Image>;
export type ImageConfigT = z.output<typeof ImageConfig>;
