// conmon's attach socket and ctl fifo, the two doors into a process's stdio
// that outlive corrald (docs/terminals.md). The socket is AF_UNIX
// SOCK_SEQPACKET, which Node's net cannot open: node-unix-socket's prebuilt
// N-API SeqpacketSocket does, kept behind this one module so that the package
// can be swapped for another (or an addon of our own) without touching the
// relay. Packets out of conmon are `[stream byte][up to 8192 bytes]`; packets
// into it are raw bytes, at most ATTACH_INPUT_PACKET_BYTES each. The package
// is imported on the first attach: its loader asks for a whole process.report
// to tell glibc from musl and maps a native library, about 3 MiB that a
// corrald whose containers have no stdin or terminal never needs.
import fs from 'node:fs';
import type { SeqpacketSocket } from 'node-unix-socket';
import { CorralError } from '../../shared/errors.js';

/** conmon reads 32768 bytes per packet: a larger packet would lose its tail. */
const ATTACH_INPUT_PACKET_BYTES = 32 * 1024;
/** conmon accepts at once when it lives; past this its socket is stuck. */
const ATTACH_CONNECT_TIMEOUT_MS = 5_000;
/** conmon's stream bytes. */
const STREAM_BYTES: Record<number, 'stdout' | 'stderr'> = { 2: 'stdout', 3: 'stderr' };

export interface AttachHandlers {
  onPacket(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** conmon closed its end (the process exited and its output was drained), or the socket failed. */
  onEnd(): void;
}

export interface AttachConnection {
  /** Writes input in packets conmon takes whole; resolves once the last is handed to the kernel. */
  write(data: Buffer): Promise<void>;
  /** Half-closes: with conmon's -i and no --leave-stdin-open this closes the process's stdin. Output goes on. */
  endInput(): void;
  close(): void;
}

let seqpacket: Promise<typeof import('node-unix-socket')> | undefined;

/**
 * Connects to the attach socket in FOLDER. The path goes through
 * /proc/self/fd of the folder held open, as podman does, so that a long
 * --state never meets the 108-byte limit of a socket address.
 */
export async function connectAttach(folder: string, h: AttachHandlers): Promise<AttachConnection> {
  const { SeqpacketSocket } = await (seqpacket ??= import('node-unix-socket'));
  let dirFd: number;
  try {
    dirFd = fs.openSync(folder, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (err) {
    throw new CorralError('invalid_state', `the process has no attach socket (${(err as NodeJS.ErrnoException).code}); it has exited or its monitor is gone`, { cause: err });
  }
  const sock = new SeqpacketSocket();
  return new Promise<AttachConnection>((resolve, reject) => {
    let connected = false;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      sock.destroy();
      h.onEnd();
    };
    const closeDir = () => {
      try {
        fs.closeSync(dirFd);
      } catch {
        // closed already
      }
    };
    const timer = setTimeout(() => {
      if (connected) return;
      closeDir();
      ended = true;
      sock.destroy();
      reject(new CorralError('runtime_error', `conmon did not accept on its attach socket within ${ATTACH_CONNECT_TIMEOUT_MS} ms`));
    }, ATTACH_CONNECT_TIMEOUT_MS);
    sock.on('error', (err: Error) => {
      if (!connected) {
        clearTimeout(timer);
        closeDir();
        ended = true;
        reject(new CorralError('invalid_state', `cannot attach: ${err.message}; the process has exited or its monitor is gone`, { cause: err }));
        return;
      }
      end();
    });
    sock.on('end', end);
    sock.on('data', (buf: Buffer) => {
      const stream = STREAM_BYTES[buf[0]];
      if (stream && buf.length > 1) h.onPacket(stream, buf.subarray(1));
    });
    try {
      sock.connect(`/proc/self/fd/${dirFd}/attach`, () => {
        connected = true;
        clearTimeout(timer);
        closeDir();
        resolve({
          write: (data) => writePackets(sock, data),
          endInput: () => {
            if (!ended) sock.end();
          },
          close: () => {
            ended = true;
            clearTimeout(timer);
            sock.destroy();
          },
        });
      });
    } catch (err) {
      clearTimeout(timer);
      closeDir();
      ended = true;
      reject(new CorralError('invalid_state', `cannot attach: ${(err as Error).message}; the process has exited or its monitor is gone`, { cause: err }));
    }
  });
}

function writePackets(sock: SeqpacketSocket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (data.length === 0) return resolve();
    try {
      for (let off = 0; off < data.length; off += ATTACH_INPUT_PACKET_BYTES) {
        const len = Math.min(ATTACH_INPUT_PACKET_BYTES, data.length - off);
        const last = off + len >= data.length;
        sock.write(data, off, len, last ? () => resolve() : undefined);
      }
    } catch (err) {
      reject(new CorralError('invalid_state', `the process's attach socket is closed (${(err as Error).message}); it has exited`, { cause: err }));
    }
  });
}

/**
 * Writes one message to conmon's ctl fifo in FOLDER (conmon's ctrl.c): `1
 * ROWS COLS` resizes the terminal, `2 0 0` reopens the log file. Opened
 * non-blocking: ENXIO (no reader) means the monitor is gone, and a blocking
 * open would hang a libuv thread on it. WHAT names the act for the errors.
 */
function writeCtl(folder: string, message: string, what: string): void {
  let fd: number;
  try {
    fd = fs.openSync(`${folder}/ctl`, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw new CorralError('invalid_state', `cannot ${what}: the process's monitor is gone (${(err as NodeJS.ErrnoException).code}); it has exited`, { cause: err });
  }
  try {
    fs.writeSync(fd, `${message}\n`);
  } catch (err) {
    throw new CorralError('runtime_error', `cannot ${what}: writing conmon's ctl fifo failed (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  } finally {
    fs.closeSync(fd);
  }
}

export function resizeTerminal(folder: string, rows: number, cols: number): void {
  writeCtl(folder, `1 ${rows} ${cols}`, 'resize');
}

/** conmon opens its log file anew (kubelet rotated it: the CRI's ReopenContainerLog). */
export function reopenLog(folder: string): void {
  writeCtl(folder, '2 0 0', 'reopen the log');
}
