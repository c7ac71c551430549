// What the schemas of shared/api.ts say beyond plain types, checked where a
// caller meets them: container.update refuses resources that change nothing
// (a misspelt key is reported as that alone), and says so in rpc.discover;
// Event is a union on type with one kind per EventType, and says which
// types carry the container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Event, EventType, methods } from '../../shared/api.js';
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

test('Event: one kind per EventType, the container on every container type but container.delete and events.synced, the image on image types', () => {
  const kinds = Event.options.map((o) => ({ types: o.shape.type.options as string[], shape: o.shape as Record<string, { safeParse(v: unknown): { success: boolean } }> }));
  assert.deepEqual(kinds.flatMap((k) => k.types).sort(), [...EventType.options].sort(), 'every type has exactly one kind');
  const withContainer = kinds.filter((k) => !k.shape.container.safeParse(undefined).success).flatMap((k) => k.types);
  assert.deepEqual(EventType.options.filter((t) => !withContainer.includes(t)), ['container.delete', 'image.pull', 'image.import', 'image.remove', 'events.synced']);
  const withImage = kinds.filter((k) => !k.shape.image.safeParse(undefined).success).flatMap((k) => k.types);
  assert.deepEqual(withImage, ['image.pull', 'image.import', 'image.remove']);

  const base = { seq: 1, time: '2026-11-28T12:00:00.000Z' };
  assert.ok(Event.safeParse({ ...base, type: 'container.delete', id: 'web' }).success);
  assert.ok(Event.safeParse({ ...base, type: 'events.synced' }).success);
  assert.deepEqual(
    Event.safeParse({ ...base, type: 'container.pause', id: 'web' }).error?.issues.map((i) => i.path.join('.')),
    ['container'],
    'an event that should carry the container and does not is refused',
  );
  assert.deepEqual(
    Event.safeParse({ ...base, type: 'events.synced', id: 'web' }).error?.issues.map((i) => [i.path.join('.'), i.message]),
    [['id', 'not carried by this type of event']],
  );
});
