// The CRI's words for corral's things, as pure functions with table tests:
// states, times in nanoseconds (int64, carried as decimal strings: a
// nanosecond clock does not fit a JS number), exit reasons, label selectors,
// resources, registry credentials, and corral's error reasons as gRPC status
// codes the way kubelet reads them (NOT_FOUND, ALREADY_EXISTS,
// FAILED_PRECONDITION, DEADLINE_EXCEEDED).
import type { ContainerT, ResourcesT } from '../../shared/api.js';
import type { ErrorReason } from '../../shared/errors.js';

/** gRPC's status codes (grpc/doc/statuscodes.md), by name. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

const CODE_BY_REASON: Record<ErrorReason, number> = {
  parse_error: GrpcCode.INVALID_ARGUMENT,
  invalid_request: GrpcCode.INVALID_ARGUMENT,
  method_not_found: GrpcCode.UNIMPLEMENTED,
  invalid_params: GrpcCode.INVALID_ARGUMENT,
  internal: GrpcCode.INTERNAL,
  not_found: GrpcCode.NOT_FOUND,
  already_exists: GrpcCode.ALREADY_EXISTS,
  invalid_state: GrpcCode.FAILED_PRECONDITION,
  invalid_bundle: GrpcCode.INVALID_ARGUMENT,
  runtime_error: GrpcCode.UNKNOWN,
  unavailable: GrpcCode.UNAVAILABLE,
  limit_exceeded: GrpcCode.RESOURCE_EXHAUSTED,
  timeout: GrpcCode.DEADLINE_EXCEEDED,
};

export const grpcCode = (reason: ErrorReason): number => CODE_BY_REASON[reason];

/** An RFC 3339 time as int64 nanoseconds since the epoch, in decimal; "0" when unknown. */
export function nanos(iso: string | undefined): string {
  if (!iso) return '0';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '0';
  // sub-millisecond digits of the string (conmon's and runc's times have them) are kept
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const subMs = (frac.slice(3) + '000000').slice(0, 6);
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(subMs)).toString();
}

export type CriContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

/** A paused container is running to the CRI, which has no paused state. */
export function containerState(c: Pick<ContainerT, 'state'> | undefined): CriContainerState {
  switch (c?.state) {
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
    case 'paused':
      return 'CONTAINER_RUNNING';
    case 'stopped':
      return 'CONTAINER_EXITED';
    default:
      return 'CONTAINER_UNKNOWN';
  }
}

/** A pod is ready while its infra container runs. */
export const sandboxState = (infra: Pick<ContainerT, 'state'> | undefined): 'SANDBOX_READY' | 'SANDBOX_NOTREADY' =>
  infra?.state === 'running' || infra?.state === 'paused' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';

/** ContainerStatus.reason as kubelet shows it: Completed, Error, OOMKilled, or nothing while it runs. */
export function exitReason(c: Pick<ContainerT, 'state' | 'exitStatus'>, oomKilled: boolean): string {
  if (c.state !== 'stopped') return '';
  if (oomKilled) return 'OOMKilled';
  return c.exitStatus === 0 ? 'Completed' : 'Error';
}

/** Every key of SELECTOR is in LABELS with the same value (the CRI's label_selector). */
export function matchesLabels(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** An id filter matches a prefix, as crictl's short ids do. */
export const matchesId = (id: string, filter: string | undefined): boolean => !filter || id.startsWith(filter);

/** int64 fields arrive as decimal strings; 0 means "not set" in the CRI. */
const int = (v: string | number | undefined): number => Number(v ?? 0);

/** LinuxContainerResources as container.update's shape; undefined when it sets nothing corral applies. */
/** The CRI's LinuxContainerResources of what corral applied (ContainerStatus.resources.linux); what was not set is left out. */
export function linuxResources(r: ResourcesT | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (r?.cpuPeriod !== undefined) out.cpu_period = String(r.cpuPeriod);
  if (r?.cpuQuota !== undefined) out.cpu_quota = String(r.cpuQuota);
  if (r?.cpuShares !== undefined) out.cpu_shares = String(r.cpuShares);
  if (r?.memoryLimitBytes !== undefined) out.memory_limit_in_bytes = String(r.memoryLimitBytes);
  return out;
}

export function criResources(r: { cpu_period?: string | number; cpu_quota?: string | number; cpu_shares?: string | number; memory_limit_in_bytes?: string | number } | undefined): ResourcesT | undefined {
  if (!r) return undefined;
  const out: ResourcesT = {};
  if (int(r.memory_limit_in_bytes) > 0) out.memoryLimitBytes = int(r.memory_limit_in_bytes);
  if (int(r.cpu_shares) >= 2) out.cpuShares = int(r.cpu_shares);
  if (int(r.cpu_quota) !== 0) out.cpuQuota = int(r.cpu_quota);
  if (int(r.cpu_period) >= 1000) out.cpuPeriod = int(r.cpu_period);
  return Object.keys(out).length ? out : undefined;
}

/** PullImage's AuthConfig as a username and password: given so, or as base64 "user:password" in auth. */
export function credentials(auth: { username?: string; password?: string; auth?: string } | undefined): { username: string; password: string } | undefined {
  if (auth?.username && auth.password) return { username: auth.username, password: auth.password };
  if (auth?.auth) {
    const text = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0 && colon < text.length - 1) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return undefined;
}
