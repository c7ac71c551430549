// Request dispatch on top of the json-rpc-2.0 package: every method of
// shared/api.ts is registered with its zod params schema (checked in full
// before the handler runs, unknown keys refused), errors are mapped by
// rpc-errors.ts instead of the package's code-0 default, unknown methods get a
// message that says where the list is, and the read-only socket refuses the
// methods that change state. The package's console.warn is replaced by pino.
import { JSONRPCServer, JSONRPCErrorException, type JSONRPCRequest, type JSONRPCResponse } from 'json-rpc-2.0';
import type { Logger } from 'pino';
import { methods, methodNames, type MethodName } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';
import { errorResponse, invalidParams, toRpcError } from './rpc-errors.js';
import type { CallContext, Handlers } from '../methods/types.js';

/** Set by the test runner: results are checked against their schemas too, so a drift fails loudly. */
const CHECK_RESULTS = process.env.CORRAL_TEST === '1';

export class Dispatcher {
  private readonly server: JSONRPCServer<CallContext>;

  constructor(handlers: Handlers, private readonly log: Logger) {
    this.server = new JSONRPCServer<CallContext>({ errorListener: () => {} });
    this.server.mapErrorToJSONRPCErrorResponse = (id, err) => {
      const e = toRpcError(err instanceof JSONRPCErrorException ? new CorralError('internal', err.message) : err, (cause) =>
        this.log.error({ err: cause }, 'internal error'),
      );
      return errorResponse(id, e);
    };
    this.server.handleMethodNotFound = async (request) => {
      if (request.id === undefined) return null;
      return errorResponse(request.id, new CorralError('method_not_found', `unknown method ${JSON.stringify(request.method)}; rpc.discover lists them all`));
    };
    for (const name of methodNames) this.register(name, handlers[name] as (p: unknown, ctx: CallContext) => unknown);
  }

  private register(name: MethodName, handler: (p: unknown, ctx: CallContext) => unknown): void {
    const spec = methods[name];
    this.server.addMethod(name, async (params: unknown, ctx: CallContext) => {
      if (ctx.readOnly && !spec.readOnly) {
        throw new CorralError('method_not_found', `${name} changes state and is not served on the read-only socket; use the main socket (root or --group)`, { data: { readOnly: true } });
      }
      if (Array.isArray(params)) {
        throw new CorralError('invalid_params', `${name} takes its params as a named object, not an array`, { data: { issues: [{ path: '', message: 'expected an object' }] } });
      }
      const parsed = spec.params.safeParse(params === undefined ? {} : params);
      if (!parsed.success) throw invalidParams(parsed.error, name);
      const started = performance.now();
      const ms = () => +(performance.now() - started).toFixed(2);
      let result: unknown;
      try {
        result = await handler(parsed.data, ctx);
      } catch (err) {
        this.log.debug({ method: name, conn: ctx.connId, ms: ms(), reason: err instanceof CorralError ? err.reason : 'internal' }, 'request failed');
        throw err;
      }
      if (CHECK_RESULTS) {
        const check = spec.result.safeParse(result);
        if (!check.success) throw new Error(`result of ${name} does not match its schema: ${check.error.message}`);
      }
      this.log.debug({ method: name, conn: ctx.connId, ms: ms() }, 'request');
      return result;
    });
  }

  /** Handles one parsed request object; null for a notification. */
  handle(request: unknown, ctx: CallContext): PromiseLike<JSONRPCResponse | null> {
    if (!isRequest(request)) {
      const id = isId((request as { id?: unknown })?.id) ? (request as { id: JSONRPCRequest['id'] }).id! : null;
      const e = new CorralError('invalid_request', 'not a JSON-RPC 2.0 request: it needs "jsonrpc": "2.0", a string "method", an optional string or number "id", params as an object if any, and no "result" or "error"');
      return Promise.resolve(errorResponse(id, e));
    }
    return this.server.receive(request, ctx);
  }
}

function isId(id: unknown): boolean {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

function isRequest(r: unknown): r is JSONRPCRequest {
  if (!r || typeof r !== 'object' || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  // a message with result or error is a response, never a request; params, when present, is a structure (not null)
  return (
    o.jsonrpc === '2.0' &&
    typeof o.method === 'string' &&
    (o.id === undefined || isId(o.id)) &&
    (o.params === undefined || (typeof o.params === 'object' && o.params !== null)) &&
    !('result' in o) &&
    !('error' in o)
  );
}
