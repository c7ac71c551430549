// The one-time tokens of the CRI streaming server, as kubelet's streaming
// request cache has them: Exec and Attach answer with a URL holding a token
// that names the request; the first connection that shows it takes it, and an
// unused one expires after a minute. At most MAX_PENDING wait at once, so a
// caller that asks for URLs and never connects cannot grow corrald's memory.
import { randomBytes } from 'node:crypto';
import { errors } from '../../shared/errors.js';

/** kubelet's streaming server keeps a request this long (its CacheTTL). */
export const TOKEN_TTL_MS = 60_000;
/** kubelet's maxInFlight. */
const MAX_PENDING = 1000;

export class StreamTokens<T> {
  /** Insertion order is expiry order: every entry lives TTL from its insert. */
  private readonly pending = new Map<string, { request: T; expires: number }>();

  constructor(
    private readonly ttlMs = TOKEN_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token for REQUEST. */
  issue(request: T): string {
    this.expire();
    if (this.pending.size >= MAX_PENDING) {
      throw errors.limit(`${MAX_PENDING} streaming URLs are waiting for their client already; connect to them, or wait ${this.ttlMs / 1000} s for them to expire`, { limit: MAX_PENDING });
    }
    const token = randomBytes(16).toString('base64url');
    this.pending.set(token, { request, expires: this.now() + this.ttlMs });
    return token;
  }

  /** The request of TOKEN, which is gone from then on; undefined if it is unknown, used or expired. */
  take(token: string): T | undefined {
    this.expire();
    const hit = this.pending.get(token);
    if (!hit) return undefined;
    this.pending.delete(token);
    return hit.request;
  }

  private expire(): void {
    const t = this.now();
    for (const [token, { expires }] of this.pending) {
      if (expires > t) break;
      this.pending.delete(token);
    }
  }
}
