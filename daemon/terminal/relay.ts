// corrald's end of conmon's attach socket, one per process that someone is
// attached to or types into (docs/terminals.md). The session itself lives in
// conmon; a relay only fans conmon's packets out to the attach subscriptions
// of that process and writes their input, so a SIGKILL of corrald loses
// nothing but the relay, and the next attach opens a new one. Output is
// coalesced per turn of the event loop (conmon sends at most 8 KiB a packet)
// so a fast producer costs one notification per burst, not one per packet.
// A relay opened before its process runs (a terminal or stdin exec, a
// terminal init between create and start) keeps what came before the first
// attach, bounded, so the first prompt is not lost.
import type { Logger } from 'pino';
import type { StreamT as Stream } from '../../shared/api.js';
import { errors } from '../../shared/errors.js';
import { connectAttach, type AttachConnection } from '../oci/attach-socket.js';


/** One coalesced notification carries at most this many bytes. */
const MAX_BURST_BYTES = 64 * 1024;
/** What a relay keeps for its first attacher, from before anyone attached; older bytes are dropped first. */
const MAX_UNCLAIMED_BYTES = 4 * 1024 * 1024;

export interface RelayListener {
  onOutput(stream: Stream, data: Buffer): void;
  /** conmon closed the socket: the process has exited and its output is all delivered. */
  onEnd(): void;
}

interface Chunk {
  stream: Stream;
  data: Buffer;
}

export class Relay {
  private conn: AttachConnection | undefined;
  private readonly listeners = new Set<RelayListener>();
  private burst: Chunk[] = [];
  private flushing = false;
  /** Output from before the first listener; undefined once someone has claimed it. */
  private unclaimed: Chunk[] | undefined = [];
  private unclaimedBytes = 0;
  private ended = false;
  /** The stdin pipe was closed (process.input eof). */
  inputEnded = false;

  constructor(
    readonly key: string,
    /** A stdin pipe: conmon closes the process's stdin when this relay goes, so it stays until eof or exit. */
    readonly holdsStdin: boolean,
    private readonly onGone: (r: Relay) => void,
  ) {}

  async connect(folder: string): Promise<void> {
    this.conn = await connectAttach(folder, {
      onPacket: (stream, data) => this.onPacket(stream, data),
      onEnd: () => this.onEnd(),
    });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Output from before anyone attached is waiting for its first reader. */
  get hasUnclaimed(): boolean {
    return (this.unclaimed?.length ?? 0) > 0;
  }

  listen(l: RelayListener): void {
    if (this.ended) {
      // a process that ran and exited before its first attach: its output is still here, once
      this.deliverUnclaimed(l);
      l.onEnd();
      this.onGone(this);
      return;
    }
    this.listeners.add(l);
    this.deliverUnclaimed(l);
  }

  unlisten(l: RelayListener): void {
    if (!this.listeners.delete(l)) return;
    // nobody left to read and nothing held open for stdin: conmon keeps the session, corrald lets go
    if (this.listeners.size === 0 && !this.holdsStdin && this.unclaimed === undefined) this.close();
  }

  async write(data: Buffer): Promise<void> {
    if (this.ended || !this.conn) throw errors.invalidState(`process ${this.key} has exited; its input is closed`);
    if (this.inputEnded) throw errors.invalidState(`the stdin of process ${this.key} was closed (eof); nothing more can reach it`);
    await this.conn.write(data);
  }

  endInput(): void {
    this.inputEnded = true;
    this.conn?.endInput();
    if (this.listeners.size === 0 && this.unclaimed === undefined) this.close();
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.conn?.close();
    this.onGone(this);
  }

  private deliverUnclaimed(l: RelayListener): void {
    const held = this.unclaimed;
    if (!held) return;
    this.unclaimed = undefined;
    this.unclaimedBytes = 0;
    for (const c of merge(held)) l.onOutput(c.stream, c.data);
  }

  private onPacket(stream: Stream, data: Buffer): void {
    // the addon may hand a view into a buffer it reuses: keep a copy
    this.burst.push({ stream, data: Buffer.from(data) });
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    const chunks = merge(this.burst.splice(0));
    if (this.unclaimed) {
      for (const c of chunks) {
        this.unclaimed.push(c);
        this.unclaimedBytes += c.data.length;
      }
      while (this.unclaimedBytes > MAX_UNCLAIMED_BYTES && this.unclaimed.length > 1) this.unclaimedBytes -= this.unclaimed.shift()!.data.length;
      return;
    }
    for (const c of chunks) for (const l of [...this.listeners]) l.onOutput(c.stream, c.data);
  }

  private onEnd(): void {
    this.flush();
    this.ended = true;
    for (const l of [...this.listeners]) l.onEnd();
    this.listeners.clear();
    this.onGone(this);
  }
}

/** Joins neighbouring chunks of one stream, up to MAX_BURST_BYTES each. */
function merge(chunks: Chunk[]): Chunk[] {
  const out: Chunk[] = [];
  let run: Chunk[] = [];
  let size = 0;
  const close = () => {
    if (!run.length) return;
    out.push({ stream: run[0].stream, data: run.length === 1 ? run[0].data : Buffer.concat(run.map((c) => c.data)) });
    run = [];
    size = 0;
  };
  for (const c of chunks) {
    if (run.length && (run[0].stream !== c.stream || size + c.data.length > MAX_BURST_BYTES)) close();
    run.push(c);
    size += c.data.length;
  }
  close();
  return out;
}

/** How long an ended relay keeps output nobody has read (a process that exited before its first attach) for its attach. */
const UNCLAIMED_KEEP_MS = 60_000;

/**
 * The relays of this corrald, one per process at most; opened on demand, gone
 * when conmon closes or nobody needs them. One that ended with output nobody
 * has read stays for UNCLAIMED_KEEP_MS, so that the attach that follows an
 * exec of a quick command (`exec -t ls`) still gets it.
 */
export class Relays {
  private readonly open = new Map<string, Promise<Relay>>();
  private readonly kept = new Map<string, Relay>();

  constructor(
    private readonly folderOf: (id: string, processId: string) => string,
    private readonly log: Logger,
  ) {}

  /** This corrald holds a relay to the process (for a stdin pipe: its stdin is still open). */
  has(id: string, processId: string): boolean {
    return this.open.has(`${id}/${processId}`) && !this.kept.has(`${id}/${processId}`);
  }

  /** The ended relay of a process that exited before anyone read its output, if it is still kept. */
  unread(id: string, processId: string): Relay | undefined {
    return this.kept.get(`${id}/${processId}`);
  }

  /** The process's relay, connecting one if there is none; HOLDSSTDIN only matters for a new one. */
  get(id: string, processId: string, holdsStdin = false): Promise<Relay> {
    const key = `${id}/${processId}`;
    // an ended relay kept for its unread output belongs to a process that is gone: a new one is wanted
    if (this.kept.has(key)) this.drop(key, this.open.get(key));
    let p = this.open.get(key);
    if (!p) {
      const relay = new Relay(key, holdsStdin, (r) => {
        if (r.hasUnclaimed && !this.kept.has(key)) {
          this.kept.set(key, r);
          setTimeout(() => this.drop(key, p), UNCLAIMED_KEEP_MS).unref();
          return;
        }
        this.drop(key, p);
        this.log.debug({ id, processId, relay: r.key }, 'relay closed');
      });
      p = relay.connect(this.folderOf(id, processId)).then(() => relay);
      this.open.set(key, p);
      p.catch(() => this.drop(key, p));
    }
    return p;
  }

  private drop(key: string, p: Promise<Relay> | undefined): void {
    if (this.open.get(key) !== p) return;
    this.open.delete(key);
    this.kept.delete(key);
  }
}
