// corral's one error taxonomy, shared by daemon and clients. Every failure that
// crosses the API is a CorralError with a `reason` (the names of DESIGN.md), a
// human message that says what to do, optional `data` and the underlying
// `cause`. The JSON-RPC code is derived from the reason by one table, so the
// server maps errors in one place and clients rebuild the same class from a
// response (`fromRpcError`).

export const ErrorCodes = {
  parse_error: -32700,
  invalid_request: -32600,
  method_not_found: -32601,
  invalid_params: -32602,
  internal: -32603,
  not_found: -32001,
  already_exists: -32002,
  invalid_state: -32003,
  invalid_bundle: -32004,
  runtime_error: -32005,
  unavailable: -32006,
  limit_exceeded: -32007,
  timeout: -32008,
} as const;

export type ErrorReason = keyof typeof ErrorCodes;

/** One entry of `data.issues` on invalid_params: where and what. */
export interface ParamIssue {
  path: string;
  message: string;
}

export interface ErrorData {
  reason?: ErrorReason;
  issues?: ParamIssue[];
  stderr?: string;
  [key: string]: unknown;
}

export class CorralError extends Error {
  readonly reason: ErrorReason;
  readonly data: ErrorData;

  constructor(reason: ErrorReason, message: string, options: { data?: ErrorData; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CorralError';
    this.reason = reason;
    this.data = { ...options.data, reason };
  }

  get code(): number {
    return ErrorCodes[this.reason];
  }

  toJSON(): { code: number; message: string; data: ErrorData } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export const isCorralError = (e: unknown, reason?: ErrorReason): e is CorralError =>
  e instanceof CorralError && (reason === undefined || e.reason === reason);

const reasonByCode = new Map<number, ErrorReason>(
  Object.entries(ErrorCodes).map(([reason, code]) => [code, reason as ErrorReason]),
);

/** Rebuilds a CorralError from a JSON-RPC error object received by a client. */
export function fromRpcError(error: { code: number; message: string; data?: unknown }): CorralError {
  const data = (error.data && typeof error.data === 'object' ? error.data : {}) as ErrorData;
  const reason = data.reason && data.reason in ErrorCodes ? data.reason : (reasonByCode.get(error.code) ?? 'internal');
  return new CorralError(reason, error.message, { data });
}

/** Shorthands for the reasons raised most often, so call sites read as prose. */
export const errors = {
  notFound: (what: string, hint = 'list them with container.list') =>
    new CorralError('not_found', `${what} does not exist; ${hint}`),
  alreadyExists: (what: string) =>
    new CorralError('already_exists', `${what} already exists; pick another id or delete it first`),
  invalidState: (message: string, data?: ErrorData) => new CorralError('invalid_state', message, { data }),
  invalidBundle: (message: string, cause?: unknown) => new CorralError('invalid_bundle', message, { cause }),
  timeout: (message: string) => new CorralError('timeout', message),
  /** A param valid on its own that the daemon found wrong (an image with no command, say); ISSUES as zod would give them. */
  invalidParams: (message: string, issues: ParamIssue[], cause?: unknown) => new CorralError('invalid_params', message, { data: { issues }, cause }),
  limit: (message: string, data?: ErrorData) => new CorralError('limit_exceeded', message, { data }),
};
