// A terminal a test can type into and read, as a person would: one tmux
// server of its own (-L), one session, send-keys and capture-pane. The
// server and its socket file go with close().
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Bounds a wait that should end much sooner; exceeding it is a failure, not a measurement. */
const SCREEN_TIMEOUT_MS = 15_000;

export class Tmux {
  readonly server = `corral-test-${randomBytes(4).toString('hex')}`;

  run(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.server, ...args], { encoding: 'utf8' });
    if (r.error) throw new Error(`tmux is missing (${r.error.message}): run npm test (it installs it) or apt-get install tmux`);
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Runs COMMAND in a new window NAME of COLS x ROWS; the shell line after it reports its exit status and keeps the pane. */
  open(name: string, command: string, cols = 100, rows = 30): void {
    this.run('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), `${command}; echo "exited with $?"; sleep 600`);
  }

  screen(name: string): string {
    return this.run('capture-pane', '-p', '-t', name);
  }

  async waitScreen(name: string, what: string | RegExp, timeoutMs = SCREEN_TIMEOUT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen(name);
      if (typeof what === 'string' ? s.includes(what) : what.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`the screen never showed ${String(what)}; it was:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
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
    // kill-server leaves its socket file behind: remove it too
    const socket = spawnSync('tmux', ['-L', this.server, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout?.trim();
    spawnSync('tmux', ['-L', this.server, 'kill-server']);
    if (socket) fs.rmSync(socket, { force: true });
  }
}
