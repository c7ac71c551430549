// The entry of the terminal UI: `runTui` switches to the alternate screen,
// starts the store (which connects, and keeps trying while corrald is away),
// renders the App and, when it quits by q or Ctrl-C or the process is asked to
// stop, restores the terminal exactly as it found it.
import React from 'react';
import { render } from 'ink';
import { Store } from './store/store.js';
import { App } from './views/App.js';

const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

export async function runTui(opts: { socket: string; readOnly: boolean; note?: string }): Promise<void> {
  const out = process.stdout;
  if (!out.isTTY) throw new Error('the terminal UI needs a terminal; for scripts use `corral call`');
  const store = new Store({ socket: opts.socket, readOnly: opts.readOnly });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    out.write(SHOW_CURSOR + ALT_SCREEN_OFF);
  };
  out.write(ALT_SCREEN_ON);
  process.once('exit', restore);
  const app = render(<App store={store} />, { exitOnCtrlC: false, patchConsole: true });
  const stop = () => app.unmount();
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  store.start();
  if (opts.note) store.notices.notify(opts.note, 'info');
  try {
    await app.waitUntilExit();
  } finally {
    store.stop();
    app.cleanup();
    restore();
    process.off('SIGTERM', stop);
    process.off('SIGHUP', stop);
  }
}
