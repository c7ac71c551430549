// rpc.discover's document must describe exactly the methods of shared/api.ts,
// with params, required flags, error codes and read-only flags taken from the
// schemas, and be a well-formed OpenRPC 1.3 document (the required fields of
// the OpenRPC meta-schema, every $ref resolvable), since clients generate code
// from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methodNames, methods, notifications } from '../shared/api.js';
import { ErrorCodes } from '../shared/errors.js';
import { openrpcDocument } from '../shared/openrpc.js';

type Json = Record<string, any>;
const doc = openrpcDocument('9.8.7') as Json;

test('the document is OpenRPC 1.3 with the version it was given', () => {
  assert.match(doc.openrpc, /^1\.3\.\d+$/);
  assert.equal(doc.info.version, '9.8.7');
  assert.equal(typeof doc.info.title, 'string');
  for (const key of Object.keys(doc)) assert.ok(['openrpc', 'info', 'methods', 'components'].includes(key) || key.startsWith('x-'), `unexpected key ${key}`);
  assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc, 'the document must survive JSON as it is');
});

test('it lists every method of the API, in order, by name', () => {
  assert.deepEqual(doc.methods.map((m: Json) => m.name), methodNames);
  for (const m of doc.methods) {
    assert.equal(m.paramStructure, 'by-name');
    assert.equal(m.summary, methods[m.name as keyof typeof methods].summary);
    assert.ok(m.result && typeof m.result.name === 'string' && m.result.schema, `${m.name} has no result descriptor`);
  }
});

test("params are the strict object's keys, required unless optional", () => {
  for (const m of doc.methods) {
    const shape = methods[m.name as keyof typeof methods].params.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
    assert.deepEqual(m.params.map((p: Json) => p.name), Object.keys(shape), m.name);
    for (const p of m.params) {
      assert.equal(p.required, !shape[p.name].safeParse(undefined).success, `${m.name}.${p.name} required`);
      assert.ok(p.schema && typeof p.schema === 'object', `${m.name}.${p.name} has no schema`);
    }
  }
  const exec = doc.methods.find((m: Json) => m.name === 'process.exec');
  assert.deepEqual(exec.params.find((p: Json) => p.name === 'args').schema, { minItems: 1, type: 'array', items: { type: 'string' } });
});

test('errors carry the codes of ErrorCodes; invalid_params is always possible', () => {
  for (const m of doc.methods) {
    const reasons = m.errors.map((e: Json) => e.data.reason);
    assert.ok(reasons.includes('invalid_params'), `${m.name} lacks invalid_params`);
    for (const r of methods[m.name as keyof typeof methods].errors) assert.ok(reasons.includes(r), `${m.name} lacks ${r}`);
    for (const e of m.errors) {
      assert.equal(e.code, ErrorCodes[e.data.reason as keyof typeof ErrorCodes]);
      assert.equal(typeof e.message, 'string');
    }
  }
  assert.deepEqual(Object.keys(doc.components.errors), Object.keys(ErrorCodes));
});

test('the read-only flag is each method\'s readOnly', () => {
  for (const m of doc.methods) assert.equal(m['x-read-only'], methods[m.name as keyof typeof methods].readOnly, m.name);
});

test('every $ref points at a schema in components, and descriptions survive', () => {
  const refs: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref') refs.push(x as string);
        else walk(x);
      }
    }
  };
  walk(doc);
  assert.ok(refs.length > 0);
  for (const ref of refs) {
    const m = /^#\/components\/schemas\/(\w+)$/.exec(ref);
    assert.ok(m && doc.components.schemas[m[1]], `unresolvable $ref ${ref}`);
  }
  assert.ok(!JSON.stringify(doc).includes('"definitions"'), 'local definitions left behind');
  assert.match(doc.components.schemas.Id.description, /container or process id/);
  const logs = doc.methods.find((m: Json) => m.name === 'process.logs');
  assert.equal(logs.params.find((p: Json) => p.name === 'tail').description, 'only the last N lines');
});

test('notifications are described in x-notifications', () => {
  assert.deepEqual(doc['x-notifications'].map((n: Json) => n.name), Object.keys(notifications));
});
