// An opt-in trace of the hops of a container's life, for the bench's per-hop
// profile (bench/profile.ts): with CORRAL_TRACE=FILE in its environment,
// corrald appends one line per hop, "<CLOCK_MONOTONIC ns> <hop> <container id>",
// with a synchronous write so that the line is in the file before the next hop
// runs. The clock is the one process.hrtime reads in every process of the
// host, so the bench can put its own send and receive times on the same line.
// Without the variable every hook is one test of a constant; it is not a log
// (no levels, no rotation) and nothing in corrald reads it.
import fs from 'node:fs';

const file = process.env.CORRAL_TRACE;
const fd = file ? fs.openSync(file, 'a', 0o600) : null;

export function trace(hop: string, id: string | undefined): void {
  if (fd === null) return;
  fs.writeSync(fd, `${process.hrtime.bigint()} ${hop} ${id ?? '-'}\n`);
}

/** A request's hop ("read" or "reply"), named after its method, for the container its params name. */
export function traceRequest(hop: 'read' | 'reply', msg: unknown): void {
  if (fd === null || !msg || typeof msg !== 'object') return;
  const m = msg as { method?: unknown; params?: { id?: unknown } };
  if (typeof m.method !== 'string') return;
  trace(`${hop}:${m.method}`, typeof m.params?.id === 'string' ? m.params.id : undefined);
}
