// The CRI's RuntimeService on top of the supervisor: a pod sandbox is an
// infra container (pause.ts) holding the pod's network, IPC and UTS
// namespaces, a CRI container is a corral container made from an image that
// joins them (its init on a terminal with tty, on a stdin pipe with stdin);
// both are listed, recovered and evented like any other corral container,
// with labels naming pod and namespace, and records.ts keeps what only the
// CRI says of them. Exec and Attach check their request here and answer a URL
// on the streaming server (stream-server.ts), which serves the stream. Every
// call goes through the supervisor, so the one-writer-per-container queue,
// the state table and the crash guarantees hold for Kubernetes as they do for
// the JSON-RPC API.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { INIT_PROCESS } from '../../shared/api.js';
import type { Container } from '../runtime/container.js';
import { reopenLog } from '../oci/attach-socket.js';
import { CorralError, errors } from '../../shared/errors.js';
import { VERSION } from '../../shared/version.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { NamespaceOverride } from '../runtime/container-spec.js';
import { readLog } from '../supervisor/logs.js';
import { containerState, criResources, exitReason, linuxResources, matchesId, matchesLabels, nanos, sandboxState } from './convert.js';
import { pauseBundle } from './pause.js';
import type { ContainerRecordT, CriRecords, SandboxRecordT } from './records.js';
import type { CriStreamServer } from './stream-server.js';

/** The labels that make a corral container a CRI object, and say whose: `corral ps` and the TUI show them. */
const CRI_KIND_LABEL = 'io.kubernetes.cri.kind';
const CRI_SANDBOX_LABEL = 'io.kubernetes.cri.sandbox-id';
const POD_NAME_LABEL = 'io.kubernetes.pod.name';
const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
const POD_UID_LABEL = 'io.kubernetes.pod.uid';
const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
const CRI_API_VERSION = 'v1';
const RUNTIME_NAME = 'corral';
/** How long StopPodSandbox waits for a container to end after SIGKILL. */
const KILL_WAIT_MS = 10_000;
/** The namespaces of the infra container that the pod's containers join. */
const SHARED_NAMESPACES: Record<string, string> = { network: 'net', ipc: 'ipc', uts: 'uts' };

type Str = string | undefined;
type Map_ = Record<string, string> | undefined;
interface Metadata {
  name?: Str;
  uid?: Str;
  namespace?: Str;
  attempt?: number;
}
interface NamespaceOption {
  network?: string;
  pid?: string;
  ipc?: string;
}
export interface PodSandboxConfig {
  metadata?: Metadata;
  hostname?: Str;
  log_directory?: Str;
  labels?: Map_;
  annotations?: Map_;
  linux?: { security_context?: { namespace_options?: NamespaceOption } };
}
interface KeyValue {
  key: string;
  value: string;
}
interface CriMount {
  container_path?: Str;
  host_path?: Str;
  readonly?: boolean;
}
export interface ContainerConfig {
  metadata?: Metadata;
  image?: { image?: Str };
  command?: string[];
  args?: string[];
  working_dir?: Str;
  envs?: KeyValue[];
  mounts?: CriMount[];
  labels?: Map_;
  annotations?: Map_;
  log_path?: Str;
  tty?: boolean;
  stdin?: boolean;
  stdin_once?: boolean;
  linux?: {
    resources?: Parameters<typeof criResources>[0];
    security_context?: { run_as_user?: { value?: string | number }; run_as_group?: { value?: string | number }; run_as_username?: Str; namespace_options?: NamespaceOption };
  };
}

const newId = () => randomBytes(16).toString('hex');

export class CriRuntimeService {
  constructor(
    private readonly sup: Supervisor,
    private readonly records: CriRecords,
    private readonly log: Logger,
    private readonly stream: CriStreamServer,
  ) {}

  version() {
    return { version: '0.1.0', runtime_name: RUNTIME_NAME, runtime_version: VERSION, runtime_api_version: CRI_API_VERSION };
  }

  status() {
    return {
      status: {
        conditions: [
          { type: 'RuntimeReady', status: true, reason: '', message: '' },
          // honest about what a pod gets: its own network namespace with loopback, no CNI yet
          { type: 'NetworkReady', status: true, reason: 'LoopbackOnly', message: 'pods get a network namespace with loopback only; corral does not run CNI plugins yet' },
        ],
      },
      info: {},
    };
  }

  // ---- pod sandboxes -------------------------------------------------------------------------

  private sandboxOrThrow(id: string): SandboxRecordT {
    return this.resolve(this.records.sandboxes, 'sandboxes', id, 'pod sandbox');
  }

  /**
   * A full id or a unique prefix (crictl shows and takes short ids), of an
   * object whose corral container still exists: one deleted through the
   * JSON-RPC API is gone for the CRI too, and its record goes with it.
   */
  private resolve<T extends { id: string }>(map: Map<string, T>, kind: 'sandboxes' | 'containers', id: string, what: string): T {
    const hits = map.has(id) ? [id] : id ? [...map.keys()].filter((k) => k.startsWith(id)) : [];
    if (hits.length > 1) throw new CorralError('invalid_params', `${what} id ${id} is ambiguous (${hits.length} match); give more of it`);
    const found = hits.length === 1 ? map.get(hits[0]) : undefined;
    if (found && this.sup.has(found.id)) return found;
    if (found) void this.records.remove(kind, found.id).catch(() => {});
    throw errors.notFound(`${what} ${id}`, 'list them (ListPodSandbox, ListContainers)');
  }

  /**
   * The corral container that is this CRI object, as the supervisor holds it:
   * its state and init's pid are read from memory, and a whole view (with
   * its processes) is built only where the answer needs one (ContainerStatus),
   * not per container of every list kubelet asks for each second.
   */
  private corral(id: string): Container | undefined {
    return this.sup.has(id) ? this.sup.find(id) : undefined;
  }

  /** Init's pid while it runs: a stopped container's recorded pid means nothing any more. */
  private livePid(c: Container | undefined): number | null {
    return c && c.state !== 'stopped' ? (c.init?.pid ?? null) : null;
  }

  async runPodSandbox(req: { config?: PodSandboxConfig; runtime_handler?: string }) {
    const cfg = req.config ?? {};
    const meta = cfg.metadata ?? {};
    if (!meta.name || !meta.namespace) throw new CorralError('invalid_params', 'RunPodSandbox needs config.metadata with name and namespace');
    const attempt = meta.attempt ?? 0;
    const taken = [...this.records.sandboxes.values()].find(
      (s) => s.metadata.name === meta.name && s.metadata.namespace === meta.namespace && s.metadata.uid === (meta.uid ?? '') && s.metadata.attempt === attempt,
    );
    if (taken) throw errors.alreadyExists(`pod sandbox ${meta.namespace}/${meta.name} (uid ${meta.uid}, attempt ${attempt}) as ${taken.id}`);
    const id = newId();
    const hostNetwork = cfg.linux?.security_context?.namespace_options?.network === 'NODE';
    const record: SandboxRecordT = {
      id,
      metadata: { name: meta.name, uid: meta.uid ?? '', namespace: meta.namespace, attempt },
      hostname: cfg.hostname ?? '',
      logDirectory: cfg.log_directory ?? '',
      labels: cfg.labels ?? {},
      annotations: cfg.annotations ?? {},
      createdAt: new Date().toISOString(),
      hostNetwork,
      runtimeHandler: req.runtime_handler ?? '',
    };
    if (record.logDirectory) await fs.mkdir(record.logDirectory, { recursive: true });
    const bundle = await pauseBundle(this.sup.deps.layout);
    // the record first: a crash before the container leaves a record that the next start drops
    await this.records.putSandbox(record);
    try {
      const namespaces: NamespaceOverride[] = hostNetwork ? [{ type: 'network', absent: true }] : [];
      await this.sup.create(
        { id, bundle, labels: this.podLabels(record, 'sandbox'), start: true },
        { overrides: { hostname: record.hostname || meta.name.slice(0, 63), ...(namespaces.length ? { namespaces } : {}) } },
      );
    } catch (err) {
      await this.records.remove('sandboxes', id);
      throw err;
    }
    this.log.info({ id, pod: `${meta.namespace}/${meta.name}` }, 'pod sandbox running');
    return { pod_sandbox_id: id };
  }

  private podLabels(s: SandboxRecordT, kind: 'sandbox' | 'container'): Record<string, string> {
    return { [CRI_KIND_LABEL]: kind, [CRI_SANDBOX_LABEL]: s.id, [POD_NAME_LABEL]: s.metadata.name, [POD_NAMESPACE_LABEL]: s.metadata.namespace, [POD_UID_LABEL]: s.metadata.uid };
  }

  private containersOf(sandboxId: string): ContainerRecordT[] {
    return [...this.records.containers.values()].filter((c) => c.sandboxId === sandboxId);
  }

  /**
   * Kills the pod's containers, then its infra container; idempotent, and a
   * pod unknown is no error, as the CRI asks of a pod already reclaimed
   * (containerd 1.6 answers NOT_FOUND instead; kubelet takes both).
   */
  async stopPodSandbox(req: { pod_sandbox_id?: string }) {
    const s = this.findSandbox(req.pod_sandbox_id ?? '');
    if (!s) return {};
    for (const c of this.containersOf(s.id)) await this.stopContainer({ container_id: c.id, timeout: 0 });
    await this.stopCorral(s.id, 0);
    return {};
  }

  async removePodSandbox(req: { pod_sandbox_id?: string }) {
    const s = this.findSandbox(req.pod_sandbox_id ?? '');
    if (!s) return {};
    for (const c of this.containersOf(s.id)) await this.removeContainer({ container_id: c.id });
    if (this.corral(s.id)) await this.sup.delete(s.id, true);
    await this.records.remove('sandboxes', s.id);
    this.log.info({ id: s.id }, 'pod sandbox removed');
    return {};
  }

  private findSandbox(id: string): SandboxRecordT | undefined {
    try {
      return this.sandboxOrThrow(id);
    } catch (err) {
      if (err instanceof CorralError && err.reason === 'not_found') return undefined;
      throw err;
    }
  }

  private sandboxView(s: SandboxRecordT) {
    return {
      id: s.id,
      metadata: s.metadata,
      state: sandboxState(this.corral(s.id)),
      created_at: nanos(s.createdAt),
      labels: s.labels,
      annotations: s.annotations,
      runtime_handler: s.runtimeHandler,
    };
  }

  podSandboxStatus(req: { pod_sandbox_id?: string; verbose?: boolean }) {
    const s = this.sandboxOrThrow(req.pod_sandbox_id ?? '');
    const infra = this.corral(s.id);
    const nsMode = (absent: boolean) => (absent ? 'NODE' : 'POD');
    return {
      status: {
        ...this.sandboxView(s),
        network: { ip: s.hostNetwork ? '' : '127.0.0.1', additional_ips: [] },
        linux: { namespaces: { options: { network: nsMode(s.hostNetwork), pid: 'CONTAINER', ipc: 'POD' } } },
      },
      info: req.verbose ? { pid: String(this.livePid(infra) ?? 0), hostname: s.hostname } : {},
      containers_statuses: [],
      timestamp: nanos(new Date().toISOString()),
    };
  }

  listPodSandbox(req: { filter?: { id?: string; state?: { state?: string }; label_selector?: Record<string, string> } }) {
    const f = req.filter;
    const items = [...this.records.sandboxes.values()]
      .filter((s) => this.corral(s.id))
      .map((s) => this.sandboxView(s))
      .filter((v) => matchesId(v.id, f?.id) && (!f?.state || v.state === f.state.state) && matchesLabels(v.labels, f?.label_selector));
    return { items };
  }

  // ---- containers ----------------------------------------------------------------------------

  async createContainer(req: { pod_sandbox_id?: string; config?: ContainerConfig }) {
    const s = this.sandboxOrThrow(req.pod_sandbox_id ?? '');
    const infra = this.corral(s.id);
    const infraPid = this.livePid(infra);
    if (!infra || sandboxState(infra) !== 'SANDBOX_READY' || !infraPid) {
      throw errors.invalidState(`pod sandbox ${s.id} is not ready (its infra container is ${infra?.state ?? 'gone'}); run a new one`);
    }
    const cfg = req.config ?? {};
    const name = cfg.metadata?.name;
    if (!name) throw new CorralError('invalid_params', 'CreateContainer needs config.metadata.name');
    const image = cfg.image?.image;
    if (!image) throw new CorralError('invalid_params', 'CreateContainer needs config.image.image (pull it first with PullImage)');
    const attempt = cfg.metadata?.attempt ?? 0;
    const taken = this.containersOf(s.id).find((c) => c.metadata.name === name && c.metadata.attempt === attempt);
    if (taken) throw errors.alreadyExists(`container ${name} (attempt ${attempt}) of pod sandbox ${s.id} as ${taken.id}`);
    const resolved = this.sup.images.get(image);
    const id = newId();
    const logPath = s.logDirectory && cfg.log_path ? path.join(s.logDirectory, cfg.log_path) : '';
    if (logPath) await fs.mkdir(path.dirname(logPath), { recursive: true });
    const resources = criResources(cfg.linux?.resources);
    const mounts = (cfg.mounts ?? []).filter((m) => m.container_path && m.host_path).map((m) => ({ containerPath: m.container_path!, hostPath: m.host_path!, readonly: !!m.readonly }));
    const record: ContainerRecordT = {
      id,
      sandboxId: s.id,
      metadata: { name, attempt },
      image,
      imageRef: resolved.digest,
      labels: cfg.labels ?? {},
      annotations: cfg.annotations ?? {},
      logPath,
      mounts,
      ...(cfg.stdin && cfg.stdin_once ? { stdinOnce: true } : {}),
      ...(resources ? { resources } : {}),
      createdAt: new Date().toISOString(),
    };
    const sc = cfg.linux?.security_context;
    const pidMode = sc?.namespace_options?.pid;
    const namespaces: NamespaceOverride[] = Object.entries(SHARED_NAMESPACES)
      .filter(([type]) => !(type === 'network' && s.hostNetwork))
      .map(([type, ns]) => ({ type, path: `/proc/${infraPid}/ns/${ns}` }));
    if (s.hostNetwork) namespaces.push({ type: 'network', absent: true });
    if (pidMode === 'POD') namespaces.push({ type: 'pid', path: `/proc/${infraPid}/ns/pid` });
    if (pidMode === 'NODE') namespaces.push({ type: 'pid', absent: true });
    const uid = sc?.run_as_user?.value;
    const gid = sc?.run_as_group?.value;
    await this.records.putContainer(record);
    try {
      await this.sup.create(
        {
          id,
          image,
          labels: { ...this.podLabels(s, 'container'), [CONTAINER_NAME_LABEL]: name },
          ...(cfg.args?.length ? { args: cfg.args } : {}),
          ...(cfg.envs?.length ? { env: cfg.envs.map((e) => `${e.key}=${e.value}`) } : {}),
          ...(cfg.working_dir ? { cwd: cfg.working_dir } : {}),
          ...(uid !== undefined ? { user: { uid: Number(uid), gid: Number(gid ?? 0) } } : {}),
          ...(resources ? { resources } : {}),
          // init on a terminal held by conmon, which Attach joins; without one, stdin is a pipe
          ...(cfg.tty ? { terminal: true } : {}),
        },
        {
          overrides: {
            ...(cfg.command?.length ? { entrypoint: cfg.command } : {}),
            ...(uid === undefined && sc?.run_as_username ? { userName: sc.run_as_username } : {}),
            hostname: s.hostname || s.metadata.name.slice(0, 63),
            namespaces,
            mounts: mounts.map((m) => ({ destination: m.containerPath, source: m.hostPath, type: 'bind', options: ['rbind', m.readonly ? 'ro' : 'rw'] })),
            annotations: record.annotations,
          },
          ...(logPath ? { initLog: logPath } : {}),
          ...(cfg.stdin && !cfg.tty ? { stdin: true } : {}),
        },
      );
    } catch (err) {
      await this.records.remove('containers', id);
      throw err;
    }
    this.log.info({ id, sandbox: s.id, name }, 'CRI container created');
    return { container_id: id };
  }

  private containerOrThrow(id: string): ContainerRecordT {
    return this.resolve(this.records.containers, 'containers', id, 'container');
  }

  async startContainer(req: { container_id?: string }) {
    const r = this.containerOrThrow(req.container_id ?? '');
    await this.sup.start(r.id);
    return {};
  }

  /** The stop signal, then SIGKILL once TIMEOUT seconds have passed (0: at once), as kubelet expects. */
  async stopContainer(req: { container_id?: string; timeout?: string | number }) {
    const r = this.containerOrThrow(req.container_id ?? '');
    const signal = this.stopSignal(r.imageRef);
    await this.stopCorral(r.id, Number(req.timeout ?? 0) * 1000, signal);
    return {};
  }

  /** The image's StopSignal, or SIGTERM (also when the image is gone since). */
  private stopSignal(digest: string): string {
    try {
      return this.sup.images.get(digest).config.stopSignal ?? 'SIGTERM';
    } catch {
      return 'SIGTERM';
    }
  }

  private async stopCorral(id: string, graceMs: number, signal: string = 'SIGTERM'): Promise<void> {
    const c = this.corral(id);
    if (!c || c.state === 'stopped') return;
    if (c.state === 'paused') await this.sup.resume(id);
    if (graceMs > 0 && c.state !== 'created') {
      await this.sup.kill(id, signal, false);
      const ended = await this.sup.wait(id, INIT_PROCESS, graceMs).then(
        () => true,
        (err: unknown) => {
          if (err instanceof CorralError && err.reason === 'timeout') return false;
          throw err;
        },
      );
      if (ended) return;
    }
    await this.sup.kill(id, 'SIGKILL', true).catch((err: unknown) => {
      // it ended between the look and the kill: that is what was asked
      if (!(err instanceof CorralError && err.reason === 'invalid_state')) throw err;
    });
    await this.sup.wait(id, INIT_PROCESS, KILL_WAIT_MS);
  }

  /** Removes a container, stopping it first; an unknown id is no error (kubelet retries removals). */
  async removeContainer(req: { container_id?: string }) {
    let r: ContainerRecordT;
    try {
      r = this.containerOrThrow(req.container_id ?? '');
    } catch (err) {
      if (err instanceof CorralError && err.reason === 'not_found') return {};
      throw err;
    }
    if (this.corral(r.id)) await this.sup.delete(r.id, true);
    await this.records.remove('containers', r.id);
    return {};
  }

  private containerView(r: ContainerRecordT, c: Container) {
    return {
      id: r.id,
      pod_sandbox_id: r.sandboxId,
      metadata: r.metadata,
      image: { image: r.image },
      image_ref: r.imageRef,
      image_id: r.imageRef,
      state: containerState(c),
      created_at: nanos(r.createdAt),
      labels: r.labels,
      annotations: r.annotations,
    };
  }

  private listed(): { r: ContainerRecordT; c: Container }[] {
    return [...this.records.containers.values()].flatMap((r) => {
      const c = this.corral(r.id);
      return c ? [{ r, c }] : [];
    });
  }

  listContainers(req: { filter?: { id?: string; state?: { state?: string }; pod_sandbox_id?: string; label_selector?: Record<string, string> } }) {
    const f = req.filter;
    const containers = this.listed()
      .map(({ r, c }) => this.containerView(r, c))
      .filter((v) => matchesId(v.id, f?.id) && matchesId(v.pod_sandbox_id, f?.pod_sandbox_id) && (!f?.state || v.state === f.state.state) && matchesLabels(v.labels, f?.label_selector));
    return { containers };
  }

  containerStatus(req: { container_id?: string; verbose?: boolean }) {
    const r = this.containerOrThrow(req.container_id ?? '');
    const c = this.corral(r.id)?.view();
    if (!c) throw errors.notFound(`container ${r.id}`, 'it was deleted through corral');
    const oomKilled = c.exitStatus === 137 && /oom/i.test(c.exitReason ?? '');
    return {
      status: {
        id: r.id,
        metadata: r.metadata,
        state: containerState(c),
        created_at: nanos(r.createdAt),
        started_at: nanos(c.startedAt),
        finished_at: nanos(c.exitedAt),
        exit_code: c.exitStatus ?? 0,
        image: { image: r.image },
        image_ref: r.imageRef,
        image_id: r.imageRef,
        reason: exitReason(c, oomKilled),
        message: c.exitReason ?? '',
        labels: r.labels,
        annotations: r.annotations,
        mounts: r.mounts.map((m) => ({ container_path: m.containerPath, host_path: m.hostPath, readonly: m.readonly })),
        log_path: r.logPath,
        resources: { linux: linuxResources(r.resources) },
      },
      info: req.verbose ? { pid: String(c.pid ?? 0), sandboxId: r.sandboxId } : {},
    };
  }

  async updateContainerResources(req: { container_id?: string; linux?: Parameters<typeof criResources>[0] }) {
    const r = this.containerOrThrow(req.container_id ?? '');
    const resources = criResources(req.linux);
    if (!resources) return {};
    await this.sup.update(r.id, resources);
    await this.records.putContainer({ ...r, resources: { ...r.resources, ...resources } });
    return {};
  }

  private async statsOf(r: ContainerRecordT) {
    const now = nanos(new Date().toISOString());
    const st = await this.sup.stats(r.id);
    return {
      attributes: { id: r.id, metadata: r.metadata, labels: r.labels, annotations: r.annotations },
      cpu: { timestamp: now, usage_core_nano_seconds: { value: String(st.cpu.usageNs) } },
      memory: { timestamp: now, working_set_bytes: { value: String(st.memory.usageBytes) }, usage_bytes: { value: String(st.memory.usageBytes) } },
    };
  }

  async containerStats(req: { container_id?: string }) {
    const r = this.containerOrThrow(req.container_id ?? '');
    return { stats: await this.statsOf(r) };
  }

  async listContainerStats(req: { filter?: { id?: string; pod_sandbox_id?: string; label_selector?: Record<string, string> } }) {
    const f = req.filter;
    const running = this.listed().filter(({ r, c }) => c.state === 'running' && matchesId(r.id, f?.id) && matchesId(r.sandboxId, f?.pod_sandbox_id) && matchesLabels(r.labels, f?.label_selector));
    const stats = await Promise.all(running.map(({ r }) => this.statsOf(r).catch(() => undefined)));
    return { stats: stats.filter((s) => s !== undefined) };
  }

  /**
   * Runs CMD in the container and answers with its output and exit code; past
   * TIMEOUT seconds (0: none) the process is killed and the call fails with
   * DEADLINE_EXCEEDED. The process is deleted either way.
   */
  async execSync(req: { container_id?: string; cmd?: string[]; timeout?: string | number }) {
    const r = this.containerOrThrow(req.container_id ?? '');
    if (!req.cmd?.length) throw new CorralError('invalid_params', 'ExecSync needs cmd');
    const processId = `execsync-${randomBytes(6).toString('hex')}`;
    const timeoutMs = Number(req.timeout ?? 0) * 1000;
    await this.sup.exec(r.id, { processId, args: req.cmd });
    try {
      let exit;
      try {
        exit = await this.sup.wait(r.id, processId, timeoutMs > 0 ? timeoutMs : undefined);
      } catch (err) {
        if (!(err instanceof CorralError && err.reason === 'timeout')) throw err;
        await this.sup.killProcess(r.id, processId, 'SIGKILL').catch(() => {});
        await this.sup.wait(r.id, processId, KILL_WAIT_MS).catch(() => {});
        throw new CorralError('timeout', `ExecSync of ${req.cmd.join(' ')} in ${r.id} did not finish in ${req.timeout} s; it was killed`);
      }
      const { lines } = await readLog(this.sup.find(r.id).logFile(processId), {});
      const text = (stream: string) =>
        Buffer.from(
          lines
            .filter((l) => l.stream === stream)
            .map((l) => `${l.text}\n`)
            .join(''),
        );
      return { stdout: text('stdout'), stderr: text('stderr'), exit_code: exit.exitStatus };
    } finally {
      await this.sup.deleteProcess(r.id, processId).catch((err) => this.log.warn({ err, id: r.id, processId }, 'cannot delete an ExecSync process'));
    }
  }

  /**
   * Exec: the request is checked now (NOT_FOUND, FAILED_PRECONDITION,
   * INVALID_ARGUMENT), and the command runs when the client connects to the
   * URL answered (stream-session.ts).
   */
  exec(req: { container_id?: string; cmd?: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean }) {
    const r = this.runningOrThrow(req.container_id ?? '', 'Exec');
    if (!req.cmd?.length) throw new CorralError('invalid_params', 'Exec needs cmd');
    return { url: this.stream.url({ kind: 'exec', containerId: r.id, cmd: req.cmd, ...streams('Exec', req) }) };
  }

  /** Attach: joins the container's init, its terminal or its stdin pipe when it has one (CreateContainer tty, stdin). */
  attach(req: { container_id?: string; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean }) {
    const r = this.runningOrThrow(req.container_id ?? '', 'Attach');
    const init = this.sup.find(r.id).getProcess(INIT_PROCESS);
    if (req.stdin && !init.spec.terminal && !init.stdin) {
      throw errors.invalidState(`container ${r.id} was created without stdin or tty: nothing can reach its input; attach without stdin`);
    }
    if (req.stdin && !init.spec.terminal && !this.sup.relays.has(r.id, INIT_PROCESS)) {
      throw errors.invalidState(`the stdin of container ${r.id} is closed: by stdin_once after its first attach, or when the corrald that started it stopped; attach without stdin`);
    }
    return { url: this.stream.url({ kind: 'attach', containerId: r.id, stdinOnce: r.stdinOnce === true, ...streams('Attach', req) }) };
  }

  private runningOrThrow(id: string, what: string): ContainerRecordT {
    const r = this.containerOrThrow(id);
    const state = this.corral(r.id)?.state;
    if (state !== 'running') throw errors.invalidState(`${what}: container ${r.id} is ${state ?? 'gone'}, not running`);
    return r;
  }

  /** kubelet asks after rotating a container's log: conmon opens log_path anew (its ctl fifo, message 2). */
  async reopenContainerLog(req: { container_id?: string }) {
    const r = this.containerOrThrow(req.container_id ?? '');
    const c = this.corral(r.id);
    if (c?.state !== 'running') throw errors.invalidState(`container ${r.id} is not running; its log is closed`);
    reopenLog(this.sup.deps.layout.runtimeBundle(r.id, INIT_PROCESS));
    return {};
  }
}

/** The streams a client asked for, checked as kubelet's streaming server checks them. */
function streams(what: string, req: { tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean }) {
  const o = { tty: !!req.tty, stdin: !!req.stdin, stdout: !!req.stdout, stderr: !!req.stderr };
  if (o.tty && o.stderr) throw new CorralError('invalid_params', `${what}: tty and stderr cannot both be true (a terminal has one output)`);
  if (!o.stdin && !o.stdout && !o.stderr) throw new CorralError('invalid_params', `${what}: one of stdin, stdout or stderr must be set`);
  return o;
}
