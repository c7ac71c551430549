// The connection state machine of the TUI as a pure reducer. It says what the
// screen should say about corrald (waiting for it, connecting, syncing the
// snapshot, live, reconnecting with the data stale since when), how long to
// wait before the next attempt (exponential back-off, capped), and which seq
// to resubscribe from so that nothing is missed across a drop. The store
// drives it with the socket's outcomes; timers and sockets live elsewhere.

type Phase =
  /** Never connected yet and the daemon is not there: keep trying. */
  | 'waiting'
  /** An attempt is under way. */
  | 'connecting'
  /** Connected and subscribed; the snapshot has not ended yet. */
  | 'syncing'
  /** Snapshot done: the list follows the daemon's events. */
  | 'live'
  /** Was connected, lost it: the data on screen is stale; keep trying. */
  | 'reconnecting';

export interface ConnectionState {
  phase: Phase;
  /** Failed attempts since the last success (the badge's "attempt n"). */
  attempt: number;
  /** Whether a connection ever succeeded: decides waiting vs reconnecting. */
  everConnected: boolean;
  /** When the shown data stopped being live (ms since epoch); unset while live or before any data. */
  staleSince?: number;
  /** The last failure, in the daemon's or the socket's words. */
  lastError?: string;
  /** When the next attempt is due (ms since epoch), while waiting or reconnecting. */
  retryAt?: number;
  /** The highest event seq applied: resubscribe with `since` this. */
  lastSeq?: number;
}

export type ConnectionEvent =
  | { type: 'attempt' }
  | { type: 'connected' }
  | { type: 'subscribed'; seq: number }
  | { type: 'synced'; seq: number }
  | { type: 'event'; seq: number }
  /** The connection attempt failed or an established one dropped. */
  | { type: 'lost'; error: string; now: number }
  /** The daemon ended our subscription (events.overflow): resubscribe, data is briefly stale. */
  | { type: 'overflow'; lastSeq: number; now: number }
  /** `since` was older than the daemon's history: the next subscribe starts from a full snapshot. */
  | { type: 'history-lost' }
  /** `R`: try now instead of at retryAt. */
  | { type: 'retry-now'; now: number };

export const initialConnection: ConnectionState = { phase: 'connecting', attempt: 0, everConnected: false };

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 5000;

/** Wait before attempt n+1 after n failures: 250 ms doubling to a 5 s cap. */
export function backoff(attempt: number, base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS): number {
  if (attempt <= 0) return 0;
  return Math.min(max, base * 2 ** Math.min(attempt - 1, 20));
}

export function connectionReducer(
  state: ConnectionState,
  ev: ConnectionEvent,
  delay: (attempt: number) => number = backoff,
): ConnectionState {
  switch (ev.type) {
    case 'attempt':
      if (state.phase === 'syncing' || state.phase === 'live') return state;
      // keep showing "waiting" / "reconnecting" while an attempt runs: the badge must not flicker
      return state.phase === 'waiting' || state.phase === 'reconnecting'
        ? { ...state, retryAt: undefined }
        : { ...state, phase: 'connecting', retryAt: undefined };
    case 'connected':
      return { ...state, phase: 'syncing', everConnected: true, lastError: undefined, retryAt: undefined };
    case 'subscribed': {
      // a daemon that restarted numbers its events afresh: a lower seq means our since is meaningless
      const lastSeq = state.lastSeq !== undefined && ev.seq < state.lastSeq ? undefined : state.lastSeq;
      return { ...state, lastSeq };
    }
    case 'synced':
      return {
        ...state,
        phase: 'live',
        attempt: 0,
        staleSince: undefined,
        lastSeq: Math.max(state.lastSeq ?? 0, ev.seq),
      };
    case 'event':
      return ev.seq > (state.lastSeq ?? -1) ? { ...state, lastSeq: ev.seq } : state;
    case 'lost': {
      const attempt = state.attempt + 1;
      const hadData = state.everConnected;
      const stale = hadData ? (state.staleSince ?? ev.now) : undefined;
      return {
        ...state,
        phase: hadData ? 'reconnecting' : 'waiting',
        attempt,
        staleSince: stale,
        lastError: ev.error,
        retryAt: ev.now + delay(attempt),
      };
    }
    case 'overflow':
      return {
        ...state,
        phase: 'syncing',
        staleSince: state.staleSince ?? ev.now,
        lastSeq: Math.max(state.lastSeq ?? 0, ev.lastSeq),
      };
    case 'history-lost':
      return { ...state, lastSeq: undefined };
    case 'retry-now':
      if (state.phase !== 'waiting' && state.phase !== 'reconnecting') return state;
      return { ...state, retryAt: ev.now };
  }
}

/** Mutating requests are only sent over a connection that is up. */
export const canMutate = (s: ConnectionState): boolean => s.phase === 'live' || s.phase === 'syncing';

/** The data on screen no longer follows the daemon. */
export const isStale = (s: ConnectionState): boolean => s.staleSince !== undefined;
