// A terminal for the TUI's end-to-end tests: a private tmux server (its own
// -L name, so tests never touch a user's tmux), keys sent as a user types
// them, and the screen read with capture-pane and polled until a pattern
// shows (50 ms steps, a bound that is a failure, not a measurement). Ink
// draws nothing while CI is set, so the TUI is started under `env -u CI`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Bounds a wait that should end much sooner; exceeding it is a failure, not a measurement. */
interface ScreenTest {
  shows: (screen: string) => boolean;
  what: string;
}

export const SCREEN_TIMEOUT_MS = 10_000;

export interface Tmux {
  /** Runs a tmux command on this server; throws with its stderr when it fails. */
  tmux: (...args: string[]) => string;
  /** The text of the window `app` (or TARGET). */
  screen: (target?: string) => string;
  /** Waits until the screen shows WHAT: a text, a pattern, or a test of the whole screen with what it waits for. */
  waitScreen: (what: string | RegExp | ScreenTest, timeoutMs?: number) => Promise<string>;
  /** Sends key names (Enter, Escape, Tab, …) or plain keys. */
  keys: (...k: string[]) => void;
  /** Types text literally (no key-name lookup), as a user would. */
  typeText: (text: string) => void;
  /** Ends the server and removes its socket file. */
  kill: () => void;
}

export function tmuxServer(prefix: string): Tmux {
  const server = `${prefix}-${randomBytes(4).toString('hex')}`;
  const tmux = (...args: string[]): string => {
    const r = spawnSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
    if (r.error) throw new Error(`tmux is missing (${r.error.message}): run npm test (it installs it) or apt-get install tmux`);
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const screen = (target = 'app') => tmux('capture-pane', '-p', '-t', target);
  return {
    tmux,
    screen,
    waitScreen: async (what, timeoutMs = SCREEN_TIMEOUT_MS) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = screen();
        if (typeof what === 'string' ? s.includes(what) : what instanceof RegExp ? what.test(s) : what.shows(s)) return s;
        if (Date.now() > deadline) throw new Error(`the screen never showed ${what instanceof RegExp || typeof what === 'string' ? String(what) : what.what}; it was:\n${s}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    keys: (...k) => void tmux('send-keys', '-t', 'app', ...k),
    typeText: (text) => void tmux('send-keys', '-t', 'app', '-l', text),
    kill: () => {
      // kill-server leaves its socket file behind: remove it too
      const socket = spawnSync('tmux', ['-L', server, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout?.trim();
      spawnSync('tmux', ['-L', server, 'kill-server']);
      if (socket) fs.rmSync(socket, { force: true });
    },
  };
}
