// The TUI's shell and attach keys in a real terminal (tmux) against a real
// corrald: S opens a shell in the selected container (Ink steps aside, the
// shell gets the raw terminal), Ctrl-P Ctrl-Q brings the list back with the
// shell still running, and from the detail pane's Processes tab `a` attaches
// to it again; its exit brings the TUI back with the status said.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI, startDaemon, uid, type DaemonHandle } from '../helpers/daemon.js';
import { Tmux } from '../helpers/tmux.js';
import type { Client } from '../../shared/client.js';

let daemon: DaemonHandle;
let client: Client;
const tmux = new Tmux();
const ctr = uid('tui-sh');

before(async () => {
  daemon = await startDaemon();
  client = await daemon.client();
  await client.request('container.create', { id: ctr, bundle: await daemon.bundle(['/bin/sleep', '100000']), start: true });
  // Ink draws nothing while CI is set
  tmux.open('app', `env -u CI node ${CLI} --socket ${daemon.socket}`, 100, 30);
});

after(async () => {
  tmux.close();
  await daemon?.cleanup();
});

test('S opens a shell in the TUI, Ctrl-P Ctrl-Q brings the list back, a in Processes attaches again, exit returns', async () => {
  await tmux.waitScreen('app', '● live');
  await tmux.waitScreen('app', new RegExp(`▸ ${ctr}`));
  tmux.keys('app', 'S');
  await tmux.waitScreen('app', /^\/ #$/m);
  tmux.type('app', 'echo "in-shell=$((6*7))"; stty size\n');
  await tmux.waitScreen('app', /in-shell=42\s+30 100/);
  tmux.keys('app', 'C-p', 'C-q');
  await tmux.waitScreen('app', /detached from shell-[0-9a-f]+ of/);
  await tmux.waitScreen('app', '● live');
  const shells = (await client.request('process.list', { id: ctr })).processes.filter((p) => p.id.startsWith('shell-'));
  assert.equal(shells.length, 1);
  assert.equal(shells[0].state, 'running');
  assert.equal(shells[0].terminal, true);

  // the detail pane, its Processes tab, the shell's row, a
  tmux.keys('app', 'Enter');
  await tmux.waitScreen('app', '[Info]');
  tmux.keys('app', 'Tab');
  await tmux.waitScreen('app', '[Processes]');
  tmux.keys('app', 'j');
  tmux.keys('app', 'a');
  // the TUI has stepped aside (a clean screen) before anything typed goes to the shell
  await tmux.waitScreen('app', /^\s*$/);
  tmux.type('app', 'echo "again=$((6*8))"\n');
  await tmux.waitScreen('app', 'again=48');
  tmux.type('app', 'exit 3\n');
  await tmux.waitScreen('app', new RegExp(`${shells[0].id} of ${ctr} ended with status 3`));
  await tmux.waitScreen('app', '[Processes]');
  tmux.keys('app', 'q');
  await tmux.waitScreen('app', 'exited with 0');
});
