// The one place where errors become JSON-RPC error objects and error
// responses: a CorralError keeps its reason's code (DESIGN.md's table) and
// data; a zod error becomes invalid_params with data.issues; a full or
// read-only disk is unavailable; anything else is an internal error: the
// client gets its one-line message (the admin reading it is the one who can
// act), the log gets the stack. Every error response corrald sends, from a
// handler or from the wire layer, is built by errorResponse.
import { createJSONRPCErrorResponse, type JSONRPCErrorResponse, type JSONRPCID } from 'json-rpc-2.0';
import { z } from 'zod';
import { CorralError, type ParamIssue } from '../../shared/errors.js';

export interface RpcError {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

function issuesOf(err: z.ZodError): ParamIssue[] {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export function invalidParams(err: z.ZodError, method: string): CorralError {
  const issues = issuesOf(err);
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return new CorralError('invalid_params', `invalid params for ${method}: ${summary}; see rpc.discover or corral-rpc(7)`, { data: { issues } });
}

export function toRpcError(err: unknown, onInternal: (err: unknown) => void): RpcError {
  if (err instanceof CorralError) return err.toJSON();
  if (err instanceof z.ZodError) return invalidParams(err, 'this method').toJSON();
  // a full or read-only disk is the host's state, not a bug in corrald: say so, and what to do
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS') {
    const what = code === 'EROFS' ? 'is read-only' : 'is full';
    return new CorralError('unavailable', `the disk under corrald's --root or --state ${what} (${(err as Error).message}); free space and retry`, {
      data: { errno: code },
    }).toJSON();
  }
  onInternal(err);
  return new CorralError('internal', `internal error in corrald: ${(err as Error)?.message ?? String(err)}; see corrald's log`).toJSON();
}

/** The error response to ID carrying ERR: a CorralError, or the error object toRpcError made of anything else. */
export function errorResponse(id: JSONRPCID, err: CorralError | RpcError): JSONRPCErrorResponse {
  const e = err instanceof CorralError ? err.toJSON() : err;
  return createJSONRPCErrorResponse(id, e.code, e.message, e.data);
}

/** The same response as the text of one line (no newline): for what the wire layer refuses before any handler sees it. */
export function errorLine(id: JSONRPCID, err: CorralError): string {
  return JSON.stringify(errorResponse(id, err));
}
