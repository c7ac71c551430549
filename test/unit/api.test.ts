// What the schemas of shared/api.ts say beyond plain types, checked where a
// caller meets them: container.update refuses resources that change nothing
// (a misspelt key is reported as that alone), and says so in rpc.discover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methods } from '../../shared/api.js';
import { openrpcDocument } from '../../shared/openrpc.js';

const issues = (name: keyof typeof methods, params: unknown) => {
  const r = methods[name].params.safeParse(params);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

test('container.update needs at least one resource', () => {
  assert.deepEqual(issues('container.update', { id: 'web', resources: {} }), [
    { path: 'resources', message: 'must hold at least one of memoryLimitBytes, cpuShares, cpuQuota, cpuPeriod, pidsLimit' },
  ]);
  assert.deepEqual(issues('container.update', { id: 'web', resources: { memory: 1 } }), [{ path: 'resources', message: 'Unrecognized key: "memory"' }]);
  assert.deepEqual(issues('container.update', { id: 'web', resources: { pidsLimit: 10 } }), []);
  const doc = openrpcDocument('0') as { components: { schemas: Record<string, { minProperties?: number; description?: string }> } };
  assert.equal(doc.components.schemas.Resources.minProperties, 1);
  assert.match(doc.components.schemas.Resources.description ?? '', /at least one/);
});
