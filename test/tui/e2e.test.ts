// End to end: the built `corral` TUI in a real terminal (tmux) against a real
// corrald running real containers through runc and conmon. It lists them,
// pauses, resumes and deletes one by keys while reading the screen, follows
// another's log and runs an exec in it, sees the stale badge (and dimmed
// rows) when the daemon is killed and the recovery when it comes back, says
// "too small" below the minimum, draws no colour under NO_COLOR, and quits
// with the terminal restored. Ink draws nothing while CI is set, so the TUI
// runs under `env -u CI`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI, startDaemon, uid, type DaemonHandle } from '../helpers/daemon.js';
import { SCREEN_TIMEOUT_MS, tmuxServer } from '../helpers/tmux.js';
import type { Client } from '../../shared/client.js';
import { isCorralError } from '../../shared/errors.js';

const { tmux, screen, waitScreen, keys, typeText, kill } = tmuxServer('corral-e2e');
/** The screen line of `id`'s row with its SGR escape sequences (capture-pane -e). */
const rowWithStyle = (id: string) => tmux('capture-pane', '-p', '-e', '-t', 'app').split('\n').find((l) => l.includes(id)) ?? '';
// SGR 2 (faint), alone or among other attributes
// eslint-disable-next-line no-control-regex -- SGR sequences start with ESC
const DIM = /\x1b\[(?:[\d;]*;)?2(?:;[\d;]*)?m/;
// SGR 30-37, 90-97 (foreground colours), 38;5/38;2 (256 and true colour)
// eslint-disable-next-line no-control-regex -- SGR sequences start with ESC
const COLOR = /\x1b\[(?:[\d;]*;)?(?:3[0-8]|9[0-7])(?:;[\d;]*)?m/;
const row = (id: string, rest: string) => new RegExp(`^[▸ ] ${id.replace(/[.-]/g, '\\$&')}\\s+${rest}`, 'm');

let daemon: DaemonHandle;
let client: Client;
const first = uid('tui-a');
const second = uid('tui-b');

before(async () => {
  daemon = await startDaemon();
  client = await daemon.client();
  const sleeper = await daemon.bundle(['/bin/sleep', '1000']);
  const talker = await daemon.bundle(['/bin/sh', '-c', 'i=0; while true; do i=$((i+1)); echo "e2e line $i"; echo "e2e warning $i" >&2; sleep 0.2; done']);
  await client.request('container.create', { id: first, bundle: sleeper, start: true });
  await client.request('container.create', { id: second, bundle: talker, start: true });
  tmux('new-session', '-d', '-s', 'app', '-x', '100', '-y', '30', `env -u CI node ${CLI} --socket ${daemon.socket}; echo "corral exited with $?"; sleep 600`);
});

after(async () => {
  kill();
  await daemon?.cleanup();
});

test('the TUI lists, pauses, resumes and deletes real containers, rides out a daemon restart, and quits cleanly', async () => {
  await waitScreen('● live');
  await waitScreen(row(first, '● running'));
  await waitScreen(row(second, '● running'));

  // pause and resume the first one by keys
  keys('/');
  typeText(first);
  keys('Enter');
  await waitScreen(new RegExp(`▸ ${first}`));
  keys('p');
  await waitScreen(row(first, '‖ paused'));
  assert.equal((await client.request('container.get', { id: first })).state, 'paused');
  keys('p');
  await waitScreen(row(first, '● running'));
  assert.equal((await client.request('container.get', { id: first })).state, 'running');

  // delete it: Enter cancels, then the typed id confirms (it is running)
  keys('D');
  await waitScreen('Type the id to confirm');
  keys('Enter');
  await waitScreen(`${first} not deleted`);
  keys('D');
  await waitScreen('Type the id to confirm');
  typeText(first);
  keys('Enter');
  await waitScreen('no container matches');
  await assert.rejects(client.request('container.get', { id: first }), (e) => isCorralError(e, 'not_found'));
  keys('Escape');
  await waitScreen(row(second, '● running'));

  // its log follows live, stdout and stderr apart; exec runs a command and shows its exit code
  keys('Enter');
  await waitScreen('[Info]');
  keys('l');
  await waitScreen(/ │e2e line \d+/);
  await waitScreen(/E│e2e warning \d+/);
  // following: a line newer than every line on screen now arrives (however far the view has moved by then)
  const newest = (text: string) => Math.max(...[...text.matchAll(/e2e line (\d+)/g)].map((m) => Number(m[1])));
  const seen = newest(screen());
  await waitScreen({ shows: (text) => newest(text) > seen, what: `a line after e2e line ${seen}` });
  keys('e');
  await waitScreen(`exec in ${second}`);
  typeText('sh -c "echo hello from exec; exit 4"');
  keys('Enter');
  await waitScreen('exited with code 4');
  assert.match(screen(), /│hello from exec/);
  keys('Escape');
  await waitScreen('[Logs]');
  keys('Escape');
  await waitScreen(row(second, '● running'));

  // the daemon dies: the data stays, dimmed and stale; it comes back: live again
  assert.doesNotMatch(rowWithStyle(second), DIM);
  await daemon.kill9();
  await waitScreen(/reconnecting \(attempt \d+\) · stale since \d\d:\d\d:\d\d/);
  assert.match(screen(), row(second, '● running'), 'the last data stays on screen');
  assert.match(rowWithStyle(second), DIM, 'stale rows are dimmed');
  await daemon.restart();
  keys('R');
  await waitScreen('● live');
  await waitScreen(row(second, '● running'));
  assert.doesNotMatch(screen(), row(first, ''));

  // too small, then back
  tmux('resize-window', '-t', 'app', '-x', '50', '-y', '12');
  await waitScreen('terminal too small: 50x12 (need 60x15)');
  tmux('resize-window', '-t', 'app', '-x', '100', '-y', '30');
  await waitScreen(row(second, '● running'));

  // NO_COLOR: a second TUI in another window draws the same screen without a colour
  assert.match(tmux('capture-pane', '-p', '-e', '-t', 'app'), COLOR, 'with colour on, states are coloured');
  tmux('new-window', '-d', '-t', 'app', '-n', 'nocolor', `env -u CI NO_COLOR=1 node ${CLI} --socket ${daemon.socket}`);
  const plain = async () => {
    const deadline = Date.now() + SCREEN_TIMEOUT_MS;
    for (;;) {
      const s = tmux('capture-pane', '-p', '-e', '-t', 'app:nocolor');
      if (s.includes('● live') && s.includes(second)) return s;
      if (Date.now() > deadline) throw new Error(`the NO_COLOR window never showed the list; it was:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  assert.doesNotMatch(await plain(), COLOR, 'NO_COLOR removes every colour');
  tmux('kill-window', '-t', 'app:nocolor');

  keys('q');
  const last = await waitScreen('corral exited with 0');
  assert.doesNotMatch(last, /● live/, 'the alternate screen is gone: the shell screen is back');
});
