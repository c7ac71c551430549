// A terminal a test can type into and read, as a person would: a private
// tmux server (its own -L name, so tests never touch a user's tmux), keys
// sent as a user types them, and the screen read with capture-pane and
// polled until it shows what is awaited (50 ms steps, a bound that is a
// failure, not a measurement). Two shapes over the same plumbing: tmuxServer
// for the TUI's end-to-end tests (one window `app`; Ink draws nothing while CI
// is set, so they start the TUI under `env -u CI`), and the Tmux class for
// tests that open several named sessions (the terminal tests).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Bounds a wait that should end much sooner; exceeding it is a failure, not a measurement. */
export const SCREEN_TIMEOUT_MS = 15_000;

/** A test of the whole screen, with what it waits for (for the failure's message). */
interface ScreenTest {
  shows: (screen: string) => boolean;
  what: string;
}
type Awaited = string | RegExp | ScreenTest;

function tmuxOn(server: string, args: string[]): string {
  const r = spawnSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`tmux is missing (${r.error.message}): run npm test (it installs it) or apt-get install tmux`);
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

async function waitFor(read: () => string, what: Awaited, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = read();
    if (typeof what === 'string' ? s.includes(what) : what instanceof RegExp ? what.test(s) : what.shows(s)) return s;
    if (Date.now() > deadline) throw new Error(`the screen never showed ${typeof what === 'string' || what instanceof RegExp ? String(what) : what.what}; it was:\n${s}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** kill-server leaves its socket file behind: it goes too. */
function killServer(server: string): void {
  const socket = spawnSync('tmux', ['-L', server, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout?.trim();
  spawnSync('tmux', ['-L', server, 'kill-server']);
  if (socket) fs.rmSync(socket, { force: true });
}

export interface TmuxServer {
  /** Runs a tmux command on this server; throws with its stderr when it fails. */
  tmux: (...args: string[]) => string;
  /** The text of the window `app` (or TARGET). */
  screen: (target?: string) => string;
  /** Waits until the screen shows WHAT: a text, a pattern, or a test of the whole screen. */
  waitScreen: (what: Awaited, timeoutMs?: number) => Promise<string>;
  /** Sends key names (Enter, Escape, Tab, …) or plain keys. */
  keys: (...k: string[]) => void;
  /** Types text literally (no key-name lookup), as a user would. */
  typeText: (text: string) => void;
  /** Ends the server and removes its socket file. */
  kill: () => void;
}

export function tmuxServer(prefix: string): TmuxServer {
  const server = `${prefix}-${randomBytes(4).toString('hex')}`;
  const tmux = (...args: string[]) => tmuxOn(server, args);
  const screen = (target = 'app') => tmux('capture-pane', '-p', '-t', target);
  return {
    tmux,
    screen,
    waitScreen: (what, timeoutMs = SCREEN_TIMEOUT_MS) => waitFor(() => screen(), what, timeoutMs),
    keys: (...k) => void tmux('send-keys', '-t', 'app', ...k),
    typeText: (text) => void tmux('send-keys', '-t', 'app', '-l', text),
    kill: () => killServer(server),
  };
}

/** Several named sessions on one server. */
export class Tmux {
  readonly server = `corral-test-${randomBytes(4).toString('hex')}`;

  run(...args: string[]): string {
    return tmuxOn(this.server, args);
  }

  /** Runs COMMAND in a new session NAME of COLS x ROWS; the shell line after it reports its exit status and keeps the pane. */
  open(name: string, command: string, cols = 100, rows = 30): void {
    this.run('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), `${command}; echo "exited with $?"; sleep 600`);
  }

  screen(name: string): string {
    return this.run('capture-pane', '-p', '-t', name);
  }

  waitScreen(name: string, what: Awaited, timeoutMs = SCREEN_TIMEOUT_MS): Promise<string> {
    return waitFor(() => this.screen(name), what, timeoutMs);
  }

  /** Key names as tmux knows them (C-c, Enter). */
  keys(name: string, ...k: string[]): void {
    this.run('send-keys', '-t', name, ...k);
  }

  /** Types text literally, as a user would. */
  type(name: string, text: string): void {
    this.run('send-keys', '-t', name, '-l', text);
  }

  resize(name: string, cols: number, rows: number): void {
    this.run('resize-window', '-t', name, '-x', String(cols), '-y', String(rows));
  }

  close(): void {
    killServer(this.server);
  }
}
