// The entry of the terminal UI: `runTui` switches to the alternate screen,
// starts the store (which connects, and keeps trying while corrald is away),
// renders the App and, when it quits by q or Ctrl-C or the process is asked to
// stop, restores the terminal exactly as it found it. A shell or an attach
// (S, a) takes the whole terminal: Ink is unmounted, the session runs raw
// (tui/terminal/session.ts), and the App comes back as it was when the
// process exits or Ctrl-P Ctrl-Q detaches; the store goes on meanwhile.
import React from 'react';
import { render } from 'ink';
import { Store } from './store/store.js';
import { App, type TerminalRequest } from './views/App.js';
import type { UiState } from './ui-state.js';
import { runTuiSession } from './terminal/tui-session.js';

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
  let stopping = false;
  let stop = () => {
    stopping = true;
  };
  const onStop = () => stop();
  process.once('SIGTERM', onStop);
  process.once('SIGHUP', onStop);
  store.start();
  if (opts.note) store.notices.notify(opts.note, 'info');
  let initial: UiState | undefined;
  try {
    while (!stopping) {
      let asked: TerminalRequest | undefined;
      const app = render(
        <App
          store={store}
          initial={initial}
          onTerminal={(r) => {
            asked = r;
            app.unmount();
          }}
        />,
        { exitOnCtrlC: false, patchConsole: true },
      );
      stop = () => {
        stopping = true;
        app.unmount();
      };
      try {
        await app.waitUntilExit();
      } finally {
        app.cleanup();
      }
      if (!asked || stopping) break;
      initial = asked.ui;
      const said = await runTuiSession(opts.socket, { id: asked.id, processId: asked.processId, readOnly: opts.readOnly });
      if (said) store.notices.notify(said.text, said.level);
      // Node settles stdin's listeners on the next tick: an App that listened before then would
      // find stdin still "listened to" and never start it reading, and no key would come
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    store.stop();
    restore();
    process.off('SIGTERM', onStop);
    process.off('SIGHUP', onStop);
  }
}
