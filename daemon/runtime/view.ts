// What the API shows of a container and its processes, computed from the
// records in memory and the container's state: a stopped container has no
// pid, an exited process shows its code, and init's start time is the
// container's. Pure reads, no disk.
import type { ContainerT, ProcessT } from '../../shared/api.js';
import { INIT_PROCESS } from '../../shared/api.js';
import type { Container } from './container.js';
import type { ProcessRecordT } from './records.js';

export function processView(c: Container, p: ProcessRecordT): ProcessT {
  const exited = p.exitStatus !== undefined;
  const created = p.id === INIT_PROCESS && !exited && c.state === 'created';
  return {
    id: p.id,
    pid: exited ? null : p.pid,
    args: p.spec.args,
    state: exited ? 'exited' : created ? 'created' : 'running',
    ...(exited ? { exitStatus: p.exitStatus, exitedAt: p.exitedAt } : {}),
    ...(p.exitReason ? { exitReason: p.exitReason } : {}),
    startedAt: (p.id === INIT_PROCESS ? c.record.startedAt : undefined) ?? p.startedAt,
    ...(p.spec.terminal ? { terminal: true } : {}),
    ...(p.stdin ? { stdin: true } : {}),
  };
}

export function containerView(c: Container): ContainerT {
  const state = c.state;
  const init = c.init;
  const r = c.record;
  return {
    id: r.id,
    bundle: r.bundle,
    ...(r.image ? { image: r.image } : {}),
    state,
    pid: state === 'stopped' ? null : (init?.pid ?? null),
    labels: r.labels,
    createdAt: r.createdAt,
    ...(r.startedAt ? { startedAt: r.startedAt } : {}),
    ...(r.exitStatus !== undefined ? { exitStatus: r.exitStatus, exitedAt: r.exitedAt } : {}),
    ...(r.exitReason ? { exitReason: r.exitReason } : {}),
    processes: [...c.processes.values()].filter((p) => p.pid !== null || p.exitStatus !== undefined).map((p) => processView(c, p)),
  };
}
