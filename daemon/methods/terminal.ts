// The process.* methods of live stdio: attach (a subscription relaying
// conmon's attach socket as process.output notifications), detach, input and
// resize. The session lives in conmon (docs/terminals.md): these handlers
// check the process and hand the bytes to its relay (daemon/terminal/relay.ts)
// or its ctl fifo, nothing more. A slow attached reader loses its attach with
// overflow, as a slow log follower does; detaching never signals the process.
import { INIT_PROCESS, MAX_INPUT_BYTES } from '../../shared/api.js';
import { errors } from '../../shared/errors.js';
import { resizeTerminal } from '../oci/attach-socket.js';
import type { ProcessRecordT } from '../runtime/records.js';
import { readLogTail } from '../supervisor/logs.js';
import type { RelayListener } from '../terminal/relay.js';
import type { DaemonContext, Handlers } from './types.js';

type TerminalMethods = 'process.attach' | 'process.detach' | 'process.input' | 'process.resize';

export function terminalMethods({ sup }: DaemonContext): Pick<Handlers, TerminalMethods> {
  /** The process, if it still runs: the attach socket and ctl fifo die with it. */
  const running = (id: string, processId: string, what: string): ProcessRecordT => {
    const proc = sup.find(id).getProcess(processId);
    if (proc.exitStatus !== undefined) {
      throw errors.invalidState(`cannot ${what}: process ${processId} of ${id} has exited (status ${proc.exitStatus}); its output is in process.logs`);
    }
    if (proc.pid === null) throw errors.invalidState(`cannot ${what}: process ${processId} of ${id} is still being started; try again`);
    return proc;
  };

  return {
    'process.attach': async (p, ctx) => {
      const processId = p.processId ?? INIT_PROCESS;
      // a process that exited before its first attach (`exec -t ls`) still hands over what it wrote, once
      const unread = sup.relays.unread(p.id, processId);
      const proc = unread ? sup.find(p.id).getProcess(processId) : running(p.id, processId, 'attach');
      const relay = unread ?? (await sup.relays.get(p.id, processId));
      const tail = p.tail ? await readLogTail(sup.find(p.id).logFile(processId), p.tail) : undefined;
      const terminal = proc.spec.terminal === true;
      const stdin = terminal || (proc.stdin === true && sup.relays.has(p.id, processId) && !relay.inputEnded);
      const subscription = ctx.conn.addSubscription((out) => {
        const withdraw = new AbortController();
        const base = { id: p.id, processId };
        const listener: RelayListener = {
          onOutput: (stream, data) => out.send('process.output', { ...base, stream, data: data.toString('base64') }),
          onEnd: () => {
            // conmon closes the socket once the exit code is written: the wait answers at once
            sup
              .wait(p.id, processId, undefined, withdraw.signal)
              .then((e) => ({ exitStatus: e.exitStatus }), () => ({}))
              .then((exit) => out.end('process.output', { ...base, end: true, ...exit }));
          },
        };
        return {
          activate: () => {
            if (tail?.length) out.send('process.output', { ...base, stream: 'stdout', data: tail.toString('base64') });
            relay.listen(listener);
          },
          close: () => {
            withdraw.abort();
            relay.unlisten(listener);
          },
          overflow: () => ({ method: 'process.output', params: { ...base, end: true, overflow: true } }),
        };
      });
      return { subscription, terminal, stdin };
    },

    'process.detach': (p, ctx) => {
      if (!ctx.conn.removeSubscription(p.subscription)) throw errors.notFound(`subscription ${p.subscription} on this connection`, 'it has ended already (the process exited) or was never made here');
      return {};
    },

    'process.input': async (p) => {
      const processId = p.processId ?? INIT_PROCESS;
      // base64 holds 3 bytes per 4 characters: refused before it is decoded
      const size = p.data ? Buffer.byteLength(p.data, 'base64') : 0;
      if (size > MAX_INPUT_BYTES) {
        throw errors.limit(`input of ${size} bytes is over the limit of ${MAX_INPUT_BYTES} per call; send it in parts, each after the last one's answer`, { limit: MAX_INPUT_BYTES });
      }
      const proc = running(p.id, processId, 'send input');
      const terminal = proc.spec.terminal === true;
      if (!terminal && !proc.stdin) {
        throw errors.invalidState(`process ${processId} of ${p.id} reads no input: it has neither a terminal nor a stdin pipe (exec it with terminal: true or stdin: true)`);
      }
      if (terminal && p.eof) throw errors.invalidState('a terminal has no end of input to close: send Ctrl-D as data ("BA==") instead');
      if (!terminal && !sup.relays.has(p.id, processId)) {
        throw errors.invalidState(`the stdin of process ${processId} of ${p.id} is closed: by its eof, or when the corrald that started it stopped (a stdin pipe lives as long as that corrald)`);
      }
      const relay = await sup.relays.get(p.id, processId);
      if (size > 0) await relay.write(Buffer.from(p.data!, 'base64'));
      if (p.eof) relay.endInput();
      return {};
    },

    'process.resize': (p) => {
      const processId = p.processId ?? INIT_PROCESS;
      const proc = running(p.id, processId, 'resize');
      if (!proc.spec.terminal) throw errors.invalidState(`process ${processId} of ${p.id} has no terminal to resize; only a process started with terminal: true has one`);
      resizeTerminal(sup.deps.layout.runtimeBundle(p.id, processId), p.rows, p.cols);
      return {};
    },
  };
}
