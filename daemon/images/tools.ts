// How corrald runs the image tools (skopeo, umoci): one spawn with a named
// timeout, stderr kept for the error, and the child's pid written into its
// job's folder before it can do anything, so that a corrald killed mid-pull
// leaves recovery a way to stop the orphan before it clears the folder (a
// skopeo or umoci outliving corrald would otherwise go on writing into it).
import { spawn } from 'node:child_process';
import { CorralError } from '../../shared/errors.js';
import { writeJsonAtomic } from '../runtime/files.js';
import { startTime } from '../runtime/procinfo.js';

/** What a failed tool said, up to this much: its last lines carry the reason. */
const STDERR_KEEP_BYTES = 64 * 1024;

export interface ToolRun {
  binary: string;
  args: string[];
  timeoutMs: number;
  /** Where the child's pid and start time go (a job's folder), for recovery to find an orphan. */
  pidFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Debian's package that has BINARY, for the error when it is missing. */
  pkg: string;
}

export interface ToolResult {
  stdout: string;
}

/** The failure of a tool, with its own words; the caller classifies them. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

export function runTool(r: ToolRun): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(r.binary, r.args, { stdio: ['ignore', 'pipe', 'pipe'], env: r.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_KEEP_BYTES);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, r.timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') reject(new CorralError('unavailable', `${r.binary} is not installed: apt-get install ${r.pkg}`, { cause: err }));
      else reject(err);
    });
    if (r.pidFile && child.pid) {
      const pid = child.pid;
      // best effort: without it an orphan is found by nobody, but the pull itself is unharmed
      void startTime(pid).then((start) => writeJsonAtomic(r.pidFile!, { pid, start }, false)).catch(() => {});
    }
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout });
      const words = timedOut ? `no result in ${r.timeoutMs} ms` : lastMessage(stderr) || `exit ${code ?? signal}`;
      reject(new ToolError(words, stderr, timedOut));
    });
  });
}

/** The last line that says something: skopeo ends with `level=fatal msg="…"`, umoci with its own text. */
export function lastMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines.at(-1) ?? '';
  const m = /level=(?:fatal|error) msg="((?:[^"\\]|\\.)*)"/.exec(last);
  return m ? m[1].replace(/\\"/g, '"') : last;
}
