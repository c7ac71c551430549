// The one render helper of the TUI's component tests: mounts the App over a
// real Store connected to a (fake) daemon, with an in-memory terminal whose
// size the test chooses and can change (ink-testing-library fixes 100
// columns), sends keys, and waits for a frame to contain a text instead of
// sleeping. Frames are returned without ANSI codes.
import React from 'react';
import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink';
import { Store } from '../../tui/store/store.js';
import { App } from '../../tui/views/App.js';

class Terminal extends EventEmitter {
  isTTY = false;
  frames: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
}

class Keyboard extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string) {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export const KEYS = { enter: '\r', esc: '\x1b', tab: '\t', up: '\x1b[A', down: '\x1b[B', left: '\x1b[D', right: '\x1b[C', backspace: '\x7f' };

export interface Rendered {
  store: Store;
  frame: () => string;
  /** Waits until the frame contains `what` (or `what` matches it); fails with the frame after `timeoutMs`. */
  waitFor: (what: string | RegExp, timeoutMs?: number) => Promise<string>;
  /** Waits until the frame no longer contains `what`. */
  waitForGone: (what: string | RegExp, timeoutMs?: number) => Promise<string>;
  /** Presses keys one at a time, each after the previous one has been handled. */
  press: (...keys: string[]) => Promise<void>;
  /** Types text as one chunk, as a paste or a fast typist would. */
  type: (text: string) => Promise<void>;
  resize: (columns: number, rows: number) => void;
  unmount: () => void;
}

const tick = () => new Promise((r) => setTimeout(r, 15));

/** Polls `ok` until it holds; fails with `what` after `timeoutMs`. */
export async function until(ok: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}

export function renderApp(opts: { socket: string; columns: number; rows: number; readOnly?: boolean; rowErrorMs?: number }): Rendered {
  const stdout = new Terminal(opts.columns, opts.rows);
  const stderr = new Terminal(opts.columns, opts.rows);
  const stdin = new Keyboard();
  const store = new Store({ socket: opts.socket, readOnly: opts.readOnly ?? false, backoff: () => 50, statsIntervalMs: 100, connectTimeoutMs: 1000, rowErrorMs: opts.rowErrorMs });
  const instance = render(<App store={store} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  store.start();
  const frame = () => stripVTControlCharacters(stdout.frames[stdout.frames.length - 1] ?? '');
  const test = (what: string | RegExp, f: string) => (typeof what === 'string' ? f.includes(what) : what.test(f));
  const waitUntil = async (ok: (f: string) => boolean, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = frame();
      if (ok(f)) {
        // Ink 6 clears the whole screen when a frame is as tall as the terminal: never let it be
        const lines = f.split('\n').length;
        if (lines > stdout.rows - 1) throw new Error(`a ${lines}-line frame in a ${stdout.rows}-row terminal:\n${f}`);
        return f;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen was:\n${f}`);
      await tick();
    }
  };
  return {
    store,
    frame,
    waitFor: (what, timeoutMs = 5000) => waitUntil((f) => test(what, f), String(what), timeoutMs),
    waitForGone: (what, timeoutMs = 5000) => waitUntil((f) => !test(what, f), `${String(what)} to go`, timeoutMs),
    press: async (...keys) => {
      for (const k of keys) {
        stdin.write(k);
        await tick();
      }
    },
    type: async (text) => {
      stdin.write(text);
      await tick();
    },
    resize: (columns, rows) => {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
    },
    unmount: () => {
      store.stop();
      instance.unmount();
      instance.cleanup();
    },
  };
}
