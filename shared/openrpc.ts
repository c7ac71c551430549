// The OpenRPC 1.3 description of corrald's API, derived from the zod schemas of
// ./api.ts at call time: `rpc.discover` returns it and corral-rpc(7) is rendered
// from it, so the machine-readable and the human-readable references are one
// artefact and cannot disagree with what the server validates. Shared types
// (Container, Id, ...) become components/schemas and are referenced, not
// repeated; the server's notifications go in the `x-notifications` extension
// because OpenRPC has no notion of server-to-client messages.
import { z } from 'zod';
import {
  API_VERSION,
  Container,
  ContainerState,
  Event,
  EventType,
  Id,
  Labels,
  LogLine,
  Process,
  Resources,
  Signal,
  Timestamp,
  User,
  methodNames,
  methods,
  notifications,
} from './api.js';
import { ErrorCodes, type ErrorReason } from './errors.js';

const OPENRPC_VERSION = '1.3.2';

/** What each reason means to a caller; the short message of OpenRPC's error objects and the "when" of corral-rpc(7). */
export const errorSummaries: Record<ErrorReason, string> = {
  parse_error: 'the line is not valid JSON; the connection goes on with the next line',
  invalid_request: 'valid JSON but not a JSON-RPC 2.0 request, or an empty batch',
  method_not_found: 'no such method; on the read-only socket also a method that changes state (data.readOnly: true)',
  invalid_params: 'params do not match the schema; data.issues lists each problem as {path, message}',
  internal: 'a bug in corrald; its log has the details',
  not_found: 'no such container or process',
  already_exists: 'the id is taken',
  invalid_state: 'not possible in the current state, e.g. start a running container, delete a running one without force, since older than the event history (data.oldestSeq)',
  invalid_bundle: 'bundle missing, config.json unreadable or not a valid OCI runtime spec',
  runtime_error: 'the OCI runtime (runc) or conmon failed; data.stderr holds what it said',
  unavailable: 'a host feature is missing (criu, a cgroup controller)',
  limit_exceeded: 'a line longer than --max-message-bytes, a batch of more than 64 requests, too many connections or too many subscriptions',
  timeout: 'a wait ran past its timeoutMs',
};

/** Schemas that get a name: referenced from methods as #/components/schemas/NAME. */
const namedSchemas: Record<string, z.ZodType> = {
  Id,
  Signal,
  Labels,
  Timestamp,
  ContainerState,
  Container,
  Process,
  LogLine,
  EventType,
  Event,
  Resources,
  User,
};

const COMPONENTS = '#/components/schemas/';

type Json = Record<string, unknown>;

export interface ContentDescriptor {
  name: string;
  required: boolean;
  description?: string;
  schema: Json;
}

// A private registry, so that naming these schemas never changes what any other
// caller of z.toJSONSchema gets from the global one.
function registry(): z.core.$ZodRegistry<{ id: string }> {
  const r = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(namedSchemas)) r.add(schema, { id });
  return r;
}

// A registry passed as `metadata` replaces the global one, which holds the
// .describe() texts; copy them back so no description is lost.
function keepDescriptions(ctx: { zodSchema: unknown; jsonSchema: { description?: string } }): void {
  const description = z.globalRegistry.get(ctx.zodSchema as z.ZodType)?.description;
  if (description !== undefined && ctx.jsonSchema.description === undefined) ctx.jsonSchema.description = description;
}

// zod puts the named schemas it met under `definitions`; they are all in
// components already, so point the refs there and drop the local copies.
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$schema' || k === '$id' || k === 'definitions') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/definitions\//, COMPONENTS) : toComponentRefs(v);
  }
  return out;
}

function jsonSchema(schema: z.ZodType, r: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { metadata: r, override: keepDescriptions, target: 'draft-07', io }) as Json;
  const defs = (out.definitions ?? {}) as Json;
  for (const name of Object.keys(defs)) {
    if (!(name in namedSchemas)) throw new Error(`openrpc: zod extracted an unnamed schema "${name}"; add it to namedSchemas`);
  }
  return toComponentRefs(out) as Json;
}

/** One ContentDescriptor per key of an object schema, in the order of its shape. */
function contentDescriptors(schema: z.ZodType, r = registry(), io: 'input' | 'output' = 'input'): ContentDescriptor[] {
  const json = jsonSchema(schema, r, io);
  if (json.type !== 'object') throw new Error('openrpc: params must be an object schema (by-name)');
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, prop]) => {
    const { description, ...rest } = prop;
    const d: ContentDescriptor = { name, required: required.has(name), schema: rest };
    if (typeof description === 'string') d.description = description;
    return d;
  });
}

/** The reasons a method can answer with, in the order of ErrorCodes; every method validates params, so invalid_params is always one. */
function methodErrors(name: keyof typeof methods): ErrorReason[] {
  const listed = new Set<ErrorReason>([...methods[name].errors, 'invalid_params']);
  return (Object.keys(ErrorCodes) as ErrorReason[]).filter((reason) => listed.has(reason));
}

const errorObject = (reason: ErrorReason) => ({ code: ErrorCodes[reason], message: errorSummaries[reason], data: { reason } });

export function openrpcDocument(version: string): Record<string, unknown> {
  const r = registry();
  const components = z.toJSONSchema(r, { override: keepDescriptions, target: 'draft-07', uri: (id) => COMPONENTS + id });
  return {
    openrpc: OPENRPC_VERSION,
    info: {
      title: 'corrald',
      description:
        'corrald runs OCI containers through runc and conmon and serves JSON-RPC 2.0, one JSON text per line, on a Unix socket. See corral-rpc(7).',
      version,
      license: { name: 'Apache-2.0' },
      'x-api-version': API_VERSION,
    },
    methods: methodNames.map((name) => {
      const spec = methods[name];
      return {
        name,
        summary: spec.summary,
        paramStructure: 'by-name',
        params: contentDescriptors(spec.params, r, 'input'),
        result: { name: 'result', schema: jsonSchema(spec.result, r, 'output') },
        errors: methodErrors(name).map(errorObject),
        'x-read-only': spec.readOnly,
      };
    }),
    components: {
      schemas: toComponentRefs(components.schemas),
      errors: Object.fromEntries((Object.keys(ErrorCodes) as ErrorReason[]).map((reason) => [reason, errorObject(reason)])),
    },
    'x-notifications': Object.entries(notifications).map(([name, schema]) => ({
      name,
      paramStructure: 'by-name',
      params: contentDescriptors(schema, r, 'output'),
    })),
  };
}
