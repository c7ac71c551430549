// Kubernetes' remotecommand stream protocol over WebSocket, as pure
// functions: which subprotocols corral speaks (v5.channel.k8s.io, and
// v4.channel.k8s.io for older clients), how a message is framed (one channel
// byte, then the payload: 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize,
// 255 close), and the metav1.Status JSON that the error channel carries at
// the end, worded as kubelet's remotecommand server words it
// (k8s.io/apimachinery/pkg/util/remotecommand, kubelet/cri/streaming), so a
// client reads corral's exit codes the way it reads containerd's.

/** Preferred first: v5 adds the close channel (255) that half-closes stdin. */
export const STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export type StreamProtocol = (typeof STREAM_PROTOCOLS)[number];

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The best protocol the client offers, or undefined when it offers none corral speaks. */
export function pickProtocol(offered: Iterable<string>): StreamProtocol | undefined {
  const set = new Set([...offered].map((p) => p.trim()));
  return STREAM_PROTOCOLS.find((p) => set.has(p));
}

/** One outgoing message: the channel byte, then DATA. */
export function frame(channel: number, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

export type Incoming =
  | { kind: 'stdin'; data: Buffer }
  | { kind: 'resize'; rows: number; cols: number }
  /** v5: the client will send nothing more on CHANNEL (0: stdin). */
  | { kind: 'close'; channel: number }
  | { kind: 'ignored'; why: string };

/** Reads one message from the client; what corral cannot use is said, never thrown. */
export function parseIncoming(msg: Buffer, protocol: StreamProtocol): Incoming {
  if (msg.length === 0) return { kind: 'ignored', why: 'an empty message' };
  const channel = msg[0];
  const data = msg.subarray(1);
  switch (channel) {
    case Channel.stdin:
      return { kind: 'stdin', data };
    case Channel.resize:
      return parseResize(data);
    case Channel.close:
      if (protocol !== 'v5.channel.k8s.io') return { kind: 'ignored', why: `the close channel is v5's, not ${protocol}'s` };
      if (data.length !== 1) return { kind: 'ignored', why: 'a close message names exactly one channel' };
      return { kind: 'close', channel: data[0] };
    default:
      return { kind: 'ignored', why: `channel ${channel} carries nothing from a client` };
  }
}

/** kubectl's TerminalSize: `{"Width":W,"Height":H}` (Go field names, no tags). */
function parseResize(data: Buffer): Incoming {
  let j: { Width?: unknown; Height?: unknown };
  try {
    j = JSON.parse(data.toString('utf8'));
  } catch {
    return { kind: 'ignored', why: 'a resize that is not JSON' };
  }
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 0xffff;
  if (!ok(j.Width) || !ok(j.Height)) return { kind: 'ignored', why: 'a resize without a Width and Height from 1 to 65535' };
  return { kind: 'resize', rows: j.Height, cols: j.Width };
}

/** metav1.Status as Go's encoding/json writes it: empty fields left out, metadata always there. */
interface Status {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

export const successStatus = (): Status => ({ metadata: {}, status: 'Success' });

/** The process ran and ended: Success for 0, else kubelet's NonZeroExitCode with the code as the ExitCode cause. */
export function exitStatus(code: number): Status {
  if (code === 0) return successStatus();
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** The stream could not do its job (no process started, the client fell behind): apierrors.NewInternalError's shape. */
export function internalStatus(message: string): Status {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

/** The message that ends a stream: STATUS on the error channel. */
export const statusFrame = (s: Status): Buffer => frame(Channel.error, JSON.stringify(s));
