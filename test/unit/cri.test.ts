// The CRI's pure conversions, table by table: corral's states, times and
// errors in the CRI's words (kubelet reads the status codes), label
// selectors and short ids, resources, registry credentials, and the
// namespaces a pod's container joins or leaves.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { containerState, credentials, criResources, exitReason, linuxResources, grpcCode, GrpcCode, matchesId, matchesLabels, nanos, sandboxState } from '../../daemon/cri/convert.js';
import { mergeNamespaces } from '../../daemon/runtime/container-spec.js';
import { ErrorCodes, type ErrorReason } from '../../shared/errors.js';

describe('states', () => {
  const rows: [string | undefined, string, string][] = [
    ['created', 'CONTAINER_CREATED', 'SANDBOX_NOTREADY'],
    ['running', 'CONTAINER_RUNNING', 'SANDBOX_READY'],
    ['paused', 'CONTAINER_RUNNING', 'SANDBOX_READY'],
    ['stopped', 'CONTAINER_EXITED', 'SANDBOX_NOTREADY'],
    [undefined, 'CONTAINER_UNKNOWN', 'SANDBOX_NOTREADY'],
  ];
  for (const [state, ctr, sandbox] of rows) {
    test(`${state} → ${ctr}, ${sandbox}`, () => {
      const c = state ? ({ state } as { state: 'created' }) : undefined;
      assert.equal(containerState(c), ctr);
      assert.equal(sandboxState(c), sandbox);
    });
  }
  test('exit reasons', () => {
    assert.equal(exitReason({ state: 'running', exitStatus: undefined }, false), '');
    assert.equal(exitReason({ state: 'stopped', exitStatus: 0 }, false), 'Completed');
    assert.equal(exitReason({ state: 'stopped', exitStatus: 1 }, false), 'Error');
    assert.equal(exitReason({ state: 'stopped', exitStatus: 137 }, true), 'OOMKilled');
  });
});

test('nanos: RFC 3339 to int64 nanoseconds, sub-millisecond digits kept', () => {
  assert.equal(nanos(undefined), '0');
  assert.equal(nanos('garbage'), '0');
  assert.equal(nanos('1970-01-01T00:00:01Z'), '1000000000');
  assert.equal(nanos('2026-11-30T08:00:00.123Z'), '1796025600123000000');
  assert.equal(nanos('2026-11-30T08:00:00.123456789+00:00'), '1796025600123456789');
});

test('every error reason has a status code; the ones kubelet tells apart are the right ones', () => {
  for (const reason of Object.keys(ErrorCodes) as ErrorReason[]) assert.equal(typeof grpcCode(reason), 'number', reason);
  assert.equal(grpcCode('not_found'), GrpcCode.NOT_FOUND);
  assert.equal(grpcCode('already_exists'), GrpcCode.ALREADY_EXISTS);
  assert.equal(grpcCode('invalid_state'), GrpcCode.FAILED_PRECONDITION);
  assert.equal(grpcCode('timeout'), GrpcCode.DEADLINE_EXCEEDED);
  assert.equal(grpcCode('invalid_params'), GrpcCode.INVALID_ARGUMENT);
  assert.equal(grpcCode('unavailable'), GrpcCode.UNAVAILABLE);
});

test('filters: label selectors and id prefixes', () => {
  assert.ok(matchesLabels({ a: '1', b: '2' }, { a: '1' }));
  assert.ok(matchesLabels({ a: '1' }, undefined));
  assert.ok(matchesLabels({ a: '1' }, {}));
  assert.ok(!matchesLabels({ a: '1' }, { a: '2' }));
  assert.ok(!matchesLabels({}, { a: '1' }));
  assert.ok(matchesId('abcdef', 'abc'));
  assert.ok(matchesId('abcdef', undefined));
  assert.ok(matchesId('abcdef', ''));
  assert.ok(!matchesId('abcdef', 'abd'));
});

test('criResources: zero means unset; what corral applies is kept', () => {
  assert.equal(criResources(undefined), undefined);
  assert.equal(criResources({ cpu_period: '0', cpu_quota: '0', cpu_shares: '0', memory_limit_in_bytes: '0' }), undefined);
  assert.deepEqual(criResources({ cpu_period: '100000', cpu_quota: '50000', cpu_shares: '512', memory_limit_in_bytes: '67108864' }), {
    cpuPeriod: 100000,
    cpuQuota: 50000,
    cpuShares: 512,
    memoryLimitBytes: 67108864,
  });
  assert.deepEqual(criResources({ cpu_shares: '1' }), undefined, 'below the kernel minimum of 2');
});

test('linuxResources: what corral applied, in the CRI\'s words and int64 strings; nothing set, nothing said', () => {
  assert.deepEqual(linuxResources(undefined), {});
  assert.deepEqual(linuxResources({ cpuShares: 512, memoryLimitBytes: 67108864 }), { cpu_shares: '512', memory_limit_in_bytes: '67108864' });
  const all = { cpu_period: '100000', cpu_quota: '50000', cpu_shares: '512', memory_limit_in_bytes: '67108864' };
  assert.deepEqual(linuxResources(criResources(all)), all, 'a round trip');
});

test('credentials: username and password, or base64 auth', () => {
  assert.deepEqual(credentials({ username: 'u', password: 'p' }), { username: 'u', password: 'p' });
  assert.deepEqual(credentials({ auth: Buffer.from('u:p:q').toString('base64') }), { username: 'u', password: 'p:q' });
  assert.equal(credentials({ auth: Buffer.from('nocolon').toString('base64') }), undefined);
  assert.equal(credentials({ username: 'u' }), undefined);
  assert.equal(credentials(undefined), undefined);
});

test("mergeNamespaces: a pod's namespaces replace the spec's by type; absent leaves the host's", () => {
  const base = [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  assert.deepEqual(
    mergeNamespaces(base, [
      { type: 'network', path: '/proc/9/ns/net' },
      { type: 'ipc', path: '/proc/9/ns/ipc' },
    ]),
    [{ type: 'pid' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: '/proc/9/ns/net' }, { type: 'ipc', path: '/proc/9/ns/ipc' }],
  );
  assert.deepEqual(mergeNamespaces(base, [{ type: 'network', absent: true }]), [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }]);
});
