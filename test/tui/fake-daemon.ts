// A fake corrald for the TUI's tests: an in-process Unix-socket server that
// speaks the daemon's NDJSON JSON-RPC protocol from DESIGN.md closely enough
// for the TUI (events.subscribe with snapshot and since, the container and
// process mutations, stats, followed logs, exec, images: list, pull with
// image.progress notifications, remove, prune, containers from images),
// records every request the
// TUI sent, and can be told to fail the next call of a method, emit events,
// overflow a subscriber, drop every connection and come back. It holds to the
// schemas of shared/api.ts as corrald does: params that fail them get
// corrald's invalid_params, and a result or notification of its own that
// fails them (a test that emits an event corrald never sends) is an error
// that fails the test, at once or when the daemon closes.
import net from 'node:net';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { methods, notifications, type ContainerT, type EventT, type ImageT, type LogLineT, type MethodName, type NotificationName, type ProcessT } from '../../shared/api.js';
import { parseRef } from '../../shared/image-ref.js';
import { CorralError, type ErrorReason } from '../../shared/errors.js';
import { onLines } from '../../shared/lines.js';
import { invalidParams } from '../../daemon/server/rpc-errors.js';

export interface Received {
  method: string;
  params: Record<string, unknown>;
}

interface Conn {
  socket: net.Socket;
  subs: Set<string>;
}

type Handler = (params: Record<string, unknown>, conn: Conn) => unknown;

/** An event as a test hands it over: the fields of one type of event, seq and time left to the daemon. */
export type NewEvent = EventT extends infer E ? (E extends EventT ? Omit<E, 'seq' | 'time'> & { time?: string } : never) : never;

export function container(id: string, fields: Partial<ContainerT> = {}): ContainerT {
  const state = fields.state ?? 'running';
  const live = state === 'running' || state === 'paused';
  const init: ProcessT = {
    id: 'init',
    pid: live ? 1000 + id.length : null,
    args: ['/bin/sleep', '1000'],
    state: live ? 'running' : 'exited',
    startedAt: '2026-11-28T12:00:00.000Z',
    ...(live ? {} : { exitStatus: 0, exitedAt: '2026-11-28T12:10:00.000Z' }),
  };
  return {
    id,
    bundle: `/bundles/${id}`,
    state,
    pid: init.pid,
    labels: {},
    createdAt: '2026-11-28T12:00:00.000Z',
    startedAt: '2026-11-28T12:00:01.000Z',
    processes: [init],
    ...fields,
  };
}

/** An image as corrald lists it, its digest made from its first name. */
export function image(name: string, fields: Partial<ImageT> = {}): ImageT {
  const full = parseRef(name).name;
  const hex = (s: string) => createHash('sha256').update(s).digest('hex');
  return {
    digest: `sha256:${hex(full)}`,
    names: [full],
    size: 3 * 1024 * 1024 + 512 * 1024,
    layers: [
      { digest: `sha256:${hex(`${full}/1`)}`, size: 2 * 1024 * 1024, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
      { digest: `sha256:${hex(`${full}/2`)}`, size: 1024 * 1024, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
    ],
    created: '2026-11-28T12:00:00.000Z',
    architecture: 'amd64',
    os: 'linux',
    addedAt: '2026-11-28T12:30:00.000Z',
    config: { entrypoint: ['/bin/sh', '-c'], cmd: ['echo hello'], env: ['PATH=/bin', 'GREETING=hi'], workdir: '/srv', labels: { 'org.corral.test': 'yes' } },
    ...fields,
  };
}

export class FakeDaemon {
  readonly dir: string;
  readonly socketPath: string;
  readonly containers = new Map<string, ContainerT>();
  readonly received: Received[] = [];
  readonly history: EventT[] = [];
  readonly logs = new Map<string, LogLineT[]>();
  readonly images = new Map<string, ImageT>();
  /** What a registry would serve, by full name: image.pull finds its images here. */
  readonly registry = new Map<string, ImageT>();
  /** A pull waits here, half way, when set (holdPull). */
  private pullGate: Promise<void> | null = null;
  /** Output and exit code of an exec, by the command's first argument. */
  execScript: (args: string[]) => { lines: string[]; exitStatus: number } = (args) => ({ lines: [`ran ${args.join(' ')}`], exitStatus: 0 });
  /** Delay of process.logs answers: corrald gates its log reads, so a wait may be answered first. */
  logsDelayMs = 0;
  /** Events replay no further back than this seq (older `since` is invalid_state). */
  oldestSeq = 0;
  /** What daemon.info reports as the read-only socket (corrald's default is beside the main one). */
  readOnlySocket: string | undefined;
  private server: net.Server | null = null;
  private conns = new Set<Conn>();
  private failures = new Map<string, CorralError>();
  private delays = new Map<string, Promise<void>>();
  private seq = 0;
  private subN = 0;
  private logFollowers = new Map<string, { conn: Conn; key: string; id: string; processId: string }>();
  private waiters = new Map<string, Array<() => void>>();
  private cpu = 0;
  /** Answers and notifications of this fake that broke the API's schemas. */
  private readonly drift: Error[] = [];

  private constructor(dir: string) {
    this.dir = dir;
    this.socketPath = path.join(dir, 'corrald.sock');
  }

  static async start(containers: ContainerT[] = []): Promise<FakeDaemon> {
    const d = new FakeDaemon(fs.mkdtempSync(path.join(os.tmpdir(), 'corral-fake-')));
    for (const c of containers) d.containers.set(c.id, c);
    await d.listen();
    return d;
  }

  /** A daemon that is not listening yet (the TUI started before corrald). */
  static absent(): FakeDaemon {
    return new FakeDaemon(fs.mkdtempSync(path.join(os.tmpdir(), 'corral-fake-')));
  }

  listen(): Promise<void> {
    fs.rmSync(this.socketPath, { force: true });
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve) => server.listen(this.socketPath, () => resolve()));
  }

  /** Closes the socket and every connection, as a killed daemon would. */
  async drop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
    this.logFollowers.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(this.socketPath, { force: true });
  }

  async close(): Promise<void> {
    await this.drop();
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.drift.length) throw this.drift[0];
  }

  /** Throws (and remembers, for close) when VALUE is not what the API says WHAT is. */
  private conform(schema: z.ZodType, value: unknown, what: string): void {
    const r = schema.safeParse(value);
    if (r.success) return;
    const err = new Error(`the fake daemon's ${what} breaks shared/api.ts: ${r.error.message}\n${JSON.stringify(value)}`);
    this.drift.push(err);
    throw err;
  }

  /** The next call of `method` answers this error. */
  failNext(method: string, reason: ErrorReason, message: string, data: Record<string, unknown> = {}): void {
    this.failures.set(method, new CorralError(reason, message, { data }));
  }

  /** Calls of `method` wait for the returned release function. */
  hold(method: string): () => void {
    let release!: () => void;
    this.delays.set(method, new Promise<void>((r) => (release = r)));
    return () => {
      this.delays.delete(method);
      release();
    };
  }

  /** Pulls stop half way through their layers until the returned function is called. */
  holdPull(): () => void {
    let release!: () => void;
    this.pullGate = new Promise<void>((r) => (release = r));
    return () => {
      this.pullGate = null;
      release();
    };
  }

  /** An image by name, digest or 12+ hex of its digest, as corrald resolves them. */
  private findImage(ref: string): ImageT {
    const hex = ref.replace(/^sha256:/, '');
    for (const img of this.images.values()) if (/^[a-f0-9]{12,64}$/.test(hex) && img.digest.slice(7).startsWith(hex)) return img;
    let name = ref;
    try {
      name = parseRef(ref).name;
    } catch {
      // not a name: not found below
    }
    for (const img of this.images.values()) if (img.names.includes(name)) return img;
    throw new CorralError('not_found', `image ${ref} does not exist; list them with image.list`);
  }

  calls(method: string): Received[] {
    return this.received.filter((r) => r.method === method);
  }

  get subscribers(): number {
    let n = 0;
    for (const c of this.conns) n += [...c.subs].filter((s) => !this.logFollowers.has(s)).length;
    return n;
  }

  /** Records and sends an event to every subscriber; returns it with its seq. */
  emit(ev: NewEvent): EventT {
    const full = { time: new Date().toISOString(), ...ev, seq: ++this.seq } as EventT;
    this.conform(notifications.event.shape.event, full, `event ${ev.type}`);
    this.history.push(full);
    for (const c of this.conns) for (const s of c.subs) if (!this.logFollowers.has(s)) this.notify(c, 'event', { subscription: s, event: full });
    return full;
  }

  /** Ends every event subscription with events.overflow, as a slow reader would see. */
  overflow(): void {
    for (const c of this.conns)
      for (const s of [...c.subs]) {
        if (this.logFollowers.has(s)) continue;
        c.subs.delete(s);
        this.notify(c, 'events.overflow', { subscription: s, lastSeq: this.seq });
      }
  }

  /** Appends a log line and sends it to whoever follows that process. */
  log(id: string, processId: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const key = `${id}/${processId}`;
    const line: LogLineT = { time: new Date().toISOString(), stream, text };
    this.logs.set(key, [...(this.logs.get(key) ?? []), line]);
    for (const [sub, f] of this.logFollowers) if (f.key === key) this.notify(f.conn, 'process.log', { subscription: sub, id, processId, line });
  }

  /** Ends the follows of a process as corrald does for a reader that fell behind: end with overflow. */
  overflowLogs(id: string, processId: string): void {
    this.endLogs(id, processId, true);
  }

  private endLogs(id: string, processId?: string, overflow = false): void {
    for (const [sub, f] of [...this.logFollowers]) {
      if (f.id !== id || (processId && f.processId !== processId)) continue;
      this.notify(f.conn, 'process.log', { subscription: sub, id, processId: f.processId, end: true, ...(overflow ? { overflow: true } : {}) });
      this.logFollowers.delete(sub);
      f.conn.subs.delete(sub);
    }
  }

  private accept(socket: net.Socket): void {
    const conn: Conn = { socket, subs: new Set() };
    this.conns.add(conn);
    onLines(socket, (line) => void this.onLine(conn, line));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.conns.delete(conn);
      for (const s of conn.subs) this.logFollowers.delete(s);
    });
  }

  private send(conn: Conn, msg: unknown): void {
    if (!conn.socket.destroyed) conn.socket.write(JSON.stringify(msg) + '\n');
  }

  private notify(conn: Conn, method: NotificationName, params: unknown): void {
    this.conform(notifications[method], params, `${method} notification`);
    this.send(conn, { jsonrpc: '2.0', method, params });
  }

  private async onLine(conn: Conn, line: string): Promise<void> {
    const req = JSON.parse(line) as { id: number; method: string; params?: Record<string, unknown> };
    const params = req.params ?? {};
    this.received.push({ method: req.method, params });
    const spec = Object.hasOwn(methods, req.method) ? methods[req.method as MethodName] : undefined;
    // as corrald's dispatcher: params are checked in full before anything else
    const parsed = spec?.params.safeParse(params);
    if (parsed && !parsed.success) return this.send(conn, { jsonrpc: '2.0', id: req.id, error: invalidParams(parsed.error, req.method).toJSON() });
    const held = this.delays.get(req.method);
    if (held) await held;
    const failure = this.failures.get(req.method);
    if (failure) {
      this.failures.delete(req.method);
      return this.send(conn, { jsonrpc: '2.0', id: req.id, error: failure.toJSON() });
    }
    const handler = this.handlers[req.method];
    try {
      if (!handler) throw new CorralError('method_not_found', `no method ${req.method}`);
      const result = await handler(parsed!.data as Record<string, unknown>, conn);
      this.conform(spec!.result, result, `result of ${req.method}`);
      this.send(conn, { jsonrpc: '2.0', id: req.id, result });
      this.after?.();
      this.after = undefined;
    } catch (err) {
      const e = err instanceof CorralError ? err : new CorralError('internal', String(err));
      this.send(conn, { jsonrpc: '2.0', id: req.id, error: e.toJSON() });
    }
  }

  /** Runs once the current answer is written: events come after the reply. */
  private after: (() => void) | undefined;

  private get(id: unknown): ContainerT {
    const c = this.containers.get(String(id));
    if (!c) throw new CorralError('not_found', `container ${String(id)} does not exist; list them with container.list`);
    return c;
  }

  private change(c: ContainerT, type: EventT['type'], extra: Partial<EventT> = {}): ContainerT {
    this.containers.set(c.id, c);
    this.after = () => this.emit({ type, id: c.id, container: c, ...extra } as NewEvent);
    return c;
  }

  private readonly handlers: Record<string, Handler> = {
    'daemon.info': () => ({
      pid: process.pid,
      root: path.join(this.dir, 'root'),
      state: this.dir,
      socket: this.socketPath,
      ...(this.readOnlySocket ? { readOnlySocket: this.readOnlySocket } : {}),
      uptimeSeconds: 1,
      logSizeMax: -1,
      machine: { cpus: 2, memoryBytes: 2 ** 34 },
      containers: { total: this.containers.size, created: 0, running: 0, paused: 0, stopped: 0 },
    }),
    'events.subscribe': (p, conn) => {
      const since = p.since as number | undefined;
      if (since !== undefined && since < this.oldestSeq)
        throw new CorralError('invalid_state', `events before #${this.oldestSeq} are gone`, { data: { oldestSeq: this.oldestSeq } });
      const sub = `s${++this.subN}`;
      conn.subs.add(sub);
      const at = this.seq;
      // as corrald does: the replay since `since` first, then the snapshot, then live events
      this.after = () => {
        if (since !== undefined) for (const ev of this.history.filter((e) => e.seq > since)) this.notify(conn, 'event', { subscription: sub, event: ev });
        if (p.snapshot) {
          for (const c of this.containers.values())
            this.notify(conn, 'event', { subscription: sub, event: { seq: at, time: new Date().toISOString(), type: 'container.state', id: c.id, container: c } });
          this.notify(conn, 'event', { subscription: sub, event: { seq: at, time: new Date().toISOString(), type: 'events.synced' } });
        }
      };
      return { subscription: sub, seq: at };
    },
    'events.unsubscribe': (p, conn) => {
      const sub = String(p.subscription);
      if (!conn.subs.delete(sub)) throw new CorralError('not_found', `no subscription ${sub}`);
      this.logFollowers.delete(sub);
      return {};
    },
    'container.list': () => ({ containers: [...this.containers.values()] }),
    'container.get': (p) => this.get(p.id),
    'container.start': (p) => {
      const c = this.get(p.id);
      if (c.state !== 'created') throw new CorralError('invalid_state', `container ${c.id} is ${c.state}: only a created container starts`);
      const startedAt = new Date().toISOString();
      const processes = c.processes.map((x) => (x.id === 'init' ? { id: x.id, args: x.args, pid: 4242, state: 'running' as const, startedAt } : x));
      return this.change({ ...c, state: 'running', pid: 4242, startedAt, processes }, 'container.start', { processId: 'init', pid: 4242 });
    },
    'container.pause': (p) => {
      const c = this.get(p.id);
      if (c.state !== 'running') throw new CorralError('invalid_state', `container ${c.id} is ${c.state}, not running`);
      return this.change({ ...c, state: 'paused' }, 'container.pause');
    },
    'container.resume': (p) => {
      const c = this.get(p.id);
      if (c.state !== 'paused') throw new CorralError('invalid_state', `container ${c.id} is ${c.state}, not paused`);
      return this.change({ ...c, state: 'running' }, 'container.resume');
    },
    'container.kill': (p) => {
      const c = this.get(p.id);
      const exitStatus = p.signal === 'SIGKILL' ? 137 : 143;
      const time = new Date().toISOString();
      const processes = c.processes.map((x) => (x.id === 'init' ? { ...x, state: 'exited' as const, pid: null, exitStatus, exitedAt: time } : x));
      this.change({ ...c, state: 'stopped', pid: null, exitStatus, exitedAt: time, processes }, 'process.exit', { processId: 'init', exitStatus });
      return {};
    },
    'process.kill': (p) => {
      const c = this.get(p.id);
      const exitStatus = 143;
      const processes = c.processes.map((x) => (x.id === p.processId ? { ...x, state: 'exited' as const, pid: null, exitStatus } : x));
      this.change({ ...c, processes }, 'process.exit', { processId: String(p.processId), exitStatus });
      return {};
    },
    'container.delete': (p) => {
      const c = this.get(p.id);
      if ((c.state === 'running' || c.state === 'paused') && !p.force)
        throw new CorralError('invalid_state', `container ${c.id} is ${c.state}: stop it first or delete with force`);
      this.containers.delete(c.id);
      this.endLogs(c.id);
      this.after = () => this.emit({ type: 'container.delete', id: c.id });
      return {};
    },
    'container.create': (p) => {
      const id = String(p.id);
      if (this.containers.has(id)) throw new CorralError('already_exists', `container ${id} already exists; pick another id or delete it first`);
      const img = p.image === undefined ? undefined : this.findImage(String(p.image));
      const from = img ? { bundle: `/containers/${id}`, image: { ref: String(p.image), digest: img.digest } } : { bundle: String(p.bundle) };
      const c = container(id, { ...from, state: p.start ? 'running' : 'created', createdAt: new Date().toISOString() });
      if (Array.isArray(p.args)) c.processes = c.processes.map((x) => (x.id === 'init' ? { ...x, args: p.args as string[] } : x));
      return this.change(c, p.start ? 'container.start' : 'container.create', p.start ? { processId: 'init', pid: c.pid ?? undefined } : {});
    },
    'container.stats': (p) => {
      const c = this.get(p.id);
      if (c.state !== 'running' && c.state !== 'paused') throw new CorralError('invalid_state', `container ${c.id} is ${c.state}`);
      this.cpu += 50_000_000;
      return { cpu: { usageNs: this.cpu }, memory: { usageBytes: 3 * 1024 * 1024, limitBytes: 512 * 1024 * 1024 }, pids: { current: 2, limit: 100 } };
    },
    'process.logs': async (p, conn) => {
      if (this.logsDelayMs) await new Promise((r) => setTimeout(r, this.logsDelayMs));
      const c = this.get(p.id);
      const processId = String(p.processId ?? 'init');
      const key = `${c.id}/${processId}`;
      const lines = this.logs.get(key) ?? [];
      const tail = typeof p.tail === 'number' ? lines.slice(-p.tail) : lines;
      if (!p.follow) return { lines: tail };
      const sub = `l${++this.subN}`;
      conn.subs.add(sub);
      this.logFollowers.set(sub, { conn, key, id: c.id, processId });
      // as corrald does: the follow of a process that has already exited ends right after the reply
      const proc = c.processes.find((x) => x.id === processId);
      if (proc && proc.state !== 'running') this.after = () => this.endLogs(c.id, processId);
      return { lines: tail, subscription: sub };
    },
    'process.exec': (p) => {
      const c = this.get(p.id);
      if (c.state !== 'running') throw new CorralError('invalid_state', `container ${c.id} is ${c.state}, not running`);
      const processId = String(p.processId);
      const args = p.args as string[];
      const proc: ProcessT = { id: processId, pid: 5000, args, state: 'running', startedAt: new Date().toISOString() };
      this.containers.set(c.id, { ...c, processes: [...c.processes, proc] });
      const script = this.execScript(args);
      // the output and the exit come a moment later, as a real process's would
      setTimeout(() => {
        for (const text of script.lines) this.log(c.id, processId, text);
        const cur = this.containers.get(c.id);
        const exitedAt = new Date().toISOString();
        if (cur) {
          const processes = cur.processes.map((x) => (x.id === processId ? { ...x, state: 'exited' as const, pid: null, exitStatus: script.exitStatus, exitedAt } : x));
          this.containers.set(c.id, { ...cur, processes });
          this.emit({ type: 'process.exit', id: c.id, processId, exitStatus: script.exitStatus, container: { ...cur, processes } });
        }
        this.endLogs(c.id, processId);
        for (const w of this.waiters.get(`${c.id}/${processId}`) ?? []) w();
      }, 30);
      this.after = () => this.emit({ type: 'process.start', id: c.id, processId, pid: 5000, container: this.containers.get(c.id)! });
      return proc;
    },
    'image.list': () => ({ images: [...this.images.values()] }),
    'image.get': (p) => this.findImage(String(p.ref)),
    'image.pull': async (p, conn) => {
      const name = parseRef(String(p.ref)).name;
      const img = this.registry.get(name);
      if (!img) throw new CorralError('unavailable', `pull of ${name}: reading manifest: connection refused; is the registry up? (insecure: true for plain HTTP)`);
      const bytesTotal = img.layers.reduce((n, l) => n + l.size, 0);
      const progress = (phase: 'resolving' | 'copying' | 'unpacking', layersDone: number, bytesDone: number) =>
        this.notify(conn, 'image.progress', { ref: name, phase, layersDone, layersTotal: phase === 'resolving' ? 0 : img.layers.length, bytesDone, bytesTotal: phase === 'resolving' ? 0 : bytesTotal });
      progress('resolving', 0, 0);
      progress('copying', 1, img.layers[0].size);
      if (this.pullGate) await this.pullGate;
      progress('unpacking', img.layers.length, bytesTotal);
      const cur = this.images.get(img.digest);
      const pulled = { ...img, names: [...new Set([...(cur?.names ?? []), name])] };
      this.images.set(img.digest, pulled);
      this.after = () => this.emit({ type: 'image.pull', image: pulled });
      return pulled;
    },
    'image.remove': (p) => {
      const img = this.findImage(String(p.ref));
      const users = [...this.containers.values()].filter((c) => c.image?.digest === img.digest);
      const live = users.filter((c) => c.state === 'running' || c.state === 'paused');
      if (users.length && (!p.force || live.length)) {
        const names = users.map((u) => `${u.id} (${u.state})`).join(', ');
        throw new CorralError('invalid_state', `image ${String(p.ref)} is used by containers ${names}; ${live.length ? 'stop and delete them first' : 'delete them first, or remove with force: true to delete them too'}`, {
          data: { containers: users.map((u) => u.id) },
        });
      }
      for (const u of users) this.containers.delete(u.id);
      this.images.delete(img.digest);
      this.after = () => {
        for (const u of users) this.emit({ type: 'container.delete', id: u.id });
        this.emit({ type: 'image.remove', image: img });
      };
      return { untagged: img.names, deleted: [img.digest], containers: users.map((u) => u.id) };
    },
    'image.prune': () => ({ trees: 1, blobs: 3, bytesFreed: 5 * 1024 * 1024 }),
    'process.wait': async (p) => {
      const key = `${String(p.id)}/${String(p.processId)}`;
      const find = () => this.get(p.id).processes.find((x) => x.id === p.processId);
      if (!find()) throw new CorralError('not_found', `process ${String(p.processId)} does not exist`);
      if (find()!.state !== 'exited') await new Promise<void>((r) => this.waiters.set(key, [...(this.waiters.get(key) ?? []), r]));
      const x = find()!;
      return { exitStatus: x.exitStatus ?? 0, exitedAt: x.exitedAt ?? new Date().toISOString() };
    },
  };
}
