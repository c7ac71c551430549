// One WebSocket of the CRI streaming server bound to one process: an Exec
// starts its process through the supervisor and deletes it afterwards; an
// Attach joins a container's init. Output comes from the process's relay
// (daemon/terminal/relay.ts, conmon's attach socket) onto channels 1 and 2,
// input from channel 0 goes back through it, channel 4 resizes the terminal
// through conmon's ctl fifo, and the end is a metav1.Status on channel 3
// (remotecommand.ts). Back-pressure both ways: a client that does not read
// is cut off once SUBSCRIBER_BACKLOG_BYTES are waiting for it, as a slow
// process.attach subscriber is, and a client that types faster than the
// process reads stops being read from until its input has drained (pinged
// meanwhile, so that its leaving is still seen).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import { INIT_PROCESS, MAX_INPUT_BYTES } from '../../shared/api.js';
import { CorralError, errors } from '../../shared/errors.js';
import { resizeTerminal } from '../oci/attach-socket.js';
import { SUBSCRIBER_BACKLOG_BYTES } from '../server/connection.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Relay, RelayListener } from '../terminal/relay.js';
import { Channel, exitStatus, frame, internalStatus, parseIncoming, statusFrame, successStatus, type StreamProtocol } from './remotecommand.js';

interface Streams {
  containerId: string;
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}
export type StreamRequest = ({ kind: 'exec'; cmd: string[] } & Streams) | ({ kind: 'attach'; stdinOnce: boolean } & Streams);

/** Input read from the client and not yet taken by the process, past which the client is no longer read. */
const MAX_PENDING_INPUT_BYTES = 4 * MAX_INPUT_BYTES;
/**
 * While a client is not read from, a ping this often: a socket not read
 * never sees its client leave, and a write to a client that has gone fails.
 */
const PAUSED_PROBE_MS = 2_000;
/** How long an abandoned exec is given to die after SIGKILL before its deletion is attempted anyway. */
const KILL_WAIT_MS = 10_000;

/** The process a session is bound to, once it runs. */
interface Target {
  processId: string;
  /** Undefined when the process ended before it could be joined and left no output. */
  relay: Relay | undefined;
  terminal: boolean;
  /** Channel 0 reaches the process. */
  input: boolean;
}

export class StreamSession {
  private ready!: Promise<Target | undefined>;
  /** Client messages, handled one after the other once the process runs. */
  private chain: Promise<void> = Promise.resolve();
  private pendingInput = 0;
  private probe: NodeJS.Timeout | undefined;
  /** The end status was sent, or the client has gone: nothing more is sent. */
  private done = false;
  private cleaned: Promise<void> | undefined;
  private readonly listener: RelayListener = {
    onOutput: (stream, data) => this.output(stream === 'stderr' ? Channel.stderr : Channel.stdout, data),
    onEnd: () => void this.ended(),
  };

  constructor(
    private readonly ws: WebSocket,
    private readonly protocol: StreamProtocol,
    private readonly req: StreamRequest,
    private readonly sup: Supervisor,
    private readonly log: Logger,
  ) {}

  start(): void {
    // kubelet's first message, on the lowest channel the client reads: the stream is established
    this.ws.send(frame(this.req.stdout ? Channel.stdout : this.req.stderr ? Channel.stderr : Channel.error));
    this.ready = this.open().then(
      (t) => {
        if (!t.relay) void this.ended();
        else t.relay.listen(this.listener);
        return t;
      },
      (err: unknown) => {
        this.end(internalStatus(`error ${this.req.kind === 'exec' ? 'executing command in' : 'attaching to'} container: ${err instanceof Error ? err.message : String(err)}`));
        return undefined;
      },
    );
    this.ws.on('message', (data: Buffer) => this.received(data));
    this.ws.on('close', () => {
      this.done = true;
      clearInterval(this.probe);
      void this.cleanup();
    });
    this.ws.on('error', (err) => this.log.debug({ err, id: this.req.containerId }, 'CRI stream: websocket error'));
  }

  private async open(): Promise<Target> {
    const { req, sup } = this;
    const id = req.containerId;
    if (req.kind === 'exec') {
      const processId = `exec-${randomBytes(6).toString('hex')}`;
      // a stdin pipe even when none was asked: only a terminal or stdin exec waits for corrald's attach
      // before it runs (conmon's --exec-attach), so the first bytes of a quick command are not lost; its
      // eof follows at once
      await sup.exec(id, { processId, args: req.cmd, terminal: req.tty, stdin: !req.tty });
      const relay = await this.join(processId);
      if (!req.tty && !req.stdin) relay?.endInput();
      return { processId, relay, terminal: req.tty, input: req.stdin };
    }
    const c = sup.find(id);
    if (c.state !== 'running') throw errors.invalidState(`container ${id} is ${c.state}; attach to a running one`);
    const init = c.getProcess(INIT_PROCESS);
    const terminal = init.spec.terminal === true;
    const relay = await this.join(INIT_PROCESS);
    const stdinOpen = terminal || (init.stdin === true && sup.relays.has(id, INIT_PROCESS) && !relay?.inputEnded);
    return { processId: INIT_PROCESS, relay, terminal, input: req.stdin && stdinOpen };
  }

  /** The process's relay; one that exited before its first attach hands over what it wrote, or nothing if that was nothing. */
  private async join(processId: string): Promise<Relay | undefined> {
    const id = this.req.containerId;
    const unread = this.sup.relays.unread(id, processId);
    if (unread) return unread;
    try {
      return await this.sup.relays.get(id, processId);
    } catch (err) {
      if (this.sup.find(id).getProcess(processId).exitStatus !== undefined) return undefined;
      throw err;
    }
  }

  private output(channel: number, data: Buffer): void {
    if (this.done || data.length === 0) return;
    if (channel === Channel.stdout ? !this.req.stdout : !this.req.stderr) return;
    if (this.ws.bufferedAmount > SUBSCRIBER_BACKLOG_BYTES) {
      this.log.warn({ id: this.req.containerId, unread: this.ws.bufferedAmount }, 'CRI stream: the client does not read its output; cutting it off');
      this.end(internalStatus(`the client did not read its output: over ${SUBSCRIBER_BACKLOG_BYTES} bytes were waiting for it, and the stream was cut off`));
      return;
    }
    this.ws.send(frame(channel, data));
  }

  /** The process has ended (its relay closed): its exit status ends the stream. */
  private async ended(): Promise<void> {
    const t = await this.ready;
    if (!t || this.done) return;
    if (this.req.kind === 'attach') return this.end(successStatus());
    try {
      const exit = await this.sup.wait(this.req.containerId, t.processId);
      this.end(exitStatus(exit.exitStatus));
    } catch (err) {
      this.end(internalStatus(`the exit status of the command is unknown: ${(err as Error).message}`));
    }
  }

  private end(status: Parameters<typeof statusFrame>[0]): void {
    if (this.done) return;
    this.done = true;
    this.ws.send(statusFrame(status));
    // a client that reads nothing may hold the close handshake for ws's 30 s: the process is let go now
    this.ws.close(1000);
    void this.cleanup();
  }

  private received(msg: Buffer): void {
    this.pendingInput += msg.length;
    if (this.pendingInput > MAX_PENDING_INPUT_BYTES && !this.ws.isPaused) {
      this.ws.pause();
      this.probe = setInterval(() => this.ws.ping(), PAUSED_PROBE_MS);
    }
    this.chain = this.chain
      .then(() => this.handle(msg))
      .catch((err: unknown) => this.log.debug({ err, id: this.req.containerId }, 'CRI stream: client message not delivered'))
      .finally(() => {
        this.pendingInput -= msg.length;
        if (this.ws.isPaused && this.pendingInput <= MAX_PENDING_INPUT_BYTES / 2) {
          clearInterval(this.probe);
          this.ws.resume();
        }
      });
  }

  private async handle(msg: Buffer): Promise<void> {
    const t = await this.ready;
    if (!t?.relay || this.done) return;
    const m = parseIncoming(msg, this.protocol);
    switch (m.kind) {
      case 'stdin':
        if (t.input && m.data.length) await t.relay.write(m.data);
        return;
      case 'resize':
        if (t.terminal) resizeTerminal(this.sup.deps.layout.runtimeBundle(this.req.containerId, t.processId), m.rows, m.cols);
        return;
      case 'close':
        // a terminal has no end of input; a container's stdin pipe outlives an attach unless stdin_once
        if (m.channel === Channel.stdin && t.input && !t.terminal && !t.relay.inputEnded) {
          if (this.req.kind === 'exec' || this.req.stdinOnce) t.relay.endInput();
          else t.input = false;
        }
        return;
      case 'ignored':
        this.log.debug({ id: this.req.containerId, why: m.why }, 'CRI stream: client message ignored');
    }
  }

  /**
   * Once, at the end or when the client goes: the relay is let go; an exec
   * still running (its client went, or was cut off) is killed, as containerd
   * does, and deleted either way; an attach with stdin_once closes stdin.
   */
  private cleanup(): Promise<void> {
    this.cleaned ??= this.release();
    return this.cleaned;
  }

  private async release(): Promise<void> {
    const t = await this.ready;
    if (!t) return;
    t.relay?.unlisten(this.listener);
    const id = this.req.containerId;
    if (this.req.kind === 'attach') {
      if (this.req.stdinOnce && t.input && !t.terminal) t.relay?.endInput();
      return;
    }
    try {
      const proc = this.sup.find(id).getProcess(t.processId);
      if (proc.exitStatus === undefined) {
        await this.sup.killProcess(id, t.processId, 'SIGKILL').catch(() => {});
        await this.sup.wait(id, t.processId, KILL_WAIT_MS);
      }
      await this.sup.deleteProcess(id, t.processId);
    } catch (err) {
      if (!(err instanceof CorralError && err.reason === 'not_found')) this.log.warn({ err, id, processId: t.processId }, 'CRI stream: cannot delete the exec process');
    }
  }
}
