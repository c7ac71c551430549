// `corral exec` and `corral attach` where a person would type: in tmux, on a
// real pty, against a real corrald and conmon. Ctrl-C reaches the process and
// not the client, the window size follows tmux's, Ctrl-P Ctrl-Q detaches and
// leaves the shell running, attach finds it again and its exit status is the
// command's own; without a terminal, 10 MiB of random bytes go through
// `exec -i … cat` byte-exact, and a non-tty attach ends on Ctrl-C (SIGINT)
// with the terminal's process untouched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, startDaemon, uid, until, type DaemonHandle } from '../helpers/daemon.js';
import { Tmux } from '../helpers/tmux.js';
import type { Client } from '../../shared/client.js';

let d: DaemonHandle;
let client: Client;
const tmux = new Tmux();
const ctr = uid('cli-term');
/** Waits on a client the test spawned: it must have ended by itself well within this. */
const CLI_TIMEOUT_MS = 60_000;

before(async () => {
  d = await startDaemon();
  client = await d.client();
  await client.request('container.create', { id: ctr, bundle: await d.bundle(['/bin/sleep', '100000']), start: true });
});

after(async () => {
  tmux.close();
  await d?.cleanup();
});

/** VERB ARGS as a shell line: the socket flag goes after the verb. */
const corral = (verb: string, args: string) => `node ${CLI} ${verb} --socket ${d.socket} ${args}`;

test('exec -it: a shell on a pty, Ctrl-C reaches the process, the size follows the window, Ctrl-P Ctrl-Q detaches; attach comes back', async () => {
  tmux.open('sh', `env -u CI ${corral('exec', `-it ${ctr} /bin/sh`)}`, 100, 30);
  await tmux.waitScreen('sh', /^\/ #$/m);
  tmux.type('sh', 'tty; stty size\n');
  await tmux.waitScreen('sh', /\/dev\/pts\/\d+\s+30 100/);
  // Ctrl-C: SIGINT to the shell's foreground job, not to corral
  tmux.type('sh', 'sleep 100\n');
  await tmux.waitScreen('sh', /# sleep 100\s*$/);
  tmux.keys('sh', 'C-c');
  tmux.type('sh', 'echo "status=$?"\n');
  await tmux.waitScreen('sh', 'status=130');
  tmux.resize('sh', 120, 33);
  tmux.type('sh', 'clear; stty size\n');
  await tmux.waitScreen('sh', /^33 120$/m);
  tmux.type('sh', 'echo "pid=$$"\n');
  const pid = (await tmux.waitScreen('sh', /pid=\d+/)).match(/pid=(\d+)/)![1];
  tmux.keys('sh', 'C-p', 'C-q');
  const screen = await tmux.waitScreen('sh', 'exited with 0');
  const proc = screen.match(/detached from \S+ \((exec-[0-9a-f]+) goes on/)?.[1];
  assert.ok(proc, `no detach message on:\n${screen}`);
  const listed = (await client.request('process.list', { id: ctr })).processes.find((p) => p.id === proc);
  assert.equal(listed?.state, 'running');

  // --tail shows what the shell printed last: the attach is there before anything is typed
  tmux.open('again', `env -u CI ${corral('attach', `--tail 300 ${ctr} ${proc}`)}`, 100, 30);
  await tmux.waitScreen('again', `pid=${pid}`);
  tmux.type('again', 'echo "back=$$"\n');
  await tmux.waitScreen('again', `back=${pid}`);
  tmux.type('again', 'exit 5\n');
  await tmux.waitScreen('again', 'exited with 5');
});

function run(args: string[], stdin: fs.ReadStream | 'ignore' | 'pipe', stdout: number | 'pipe'): Promise<{ code: number | null; stderr: string; proc: ReturnType<typeof spawn> }> {
  const proc = spawn(process.execPath, [CLI, args[0], '--socket', d.socket, ...args.slice(1)], { stdio: [typeof stdin === 'string' ? stdin : 'pipe', stdout, 'pipe'] });
  if (typeof stdin !== 'string') stdin.pipe(proc.stdin!);
  let stderr = '';
  proc.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`corral ${args.join(' ')} did not end within ${CLI_TIMEOUT_MS} ms; stderr: ${stderr}`)), CLI_TIMEOUT_MS);
    proc.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stderr, proc });
    });
  });
}

test('exec -i: 10 MiB of random bytes through cat and back, byte-exact; the process is forgotten after', async () => {
  const dir = fs.mkdtempSync(path.join(d.dir, 'pipe-'));
  const input = path.join(dir, 'in');
  const output = path.join(dir, 'out');
  fs.writeFileSync(input, randomBytes(10 * 1024 * 1024));
  const execs = async () => (await client.request('process.list', { id: ctr })).processes.map((p) => p.id).filter((id) => id.startsWith('exec-'));
  const before = await execs();
  const out = fs.openSync(output, 'w');
  const r = await run(['exec', '-i', ctr, '/bin/cat'], fs.createReadStream(input), out);
  fs.closeSync(out);
  assert.equal(r.code, 0, r.stderr);
  const hash = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  assert.equal(fs.statSync(output).size, 10 * 1024 * 1024);
  assert.equal(hash(output), hash(input));
  assert.deepEqual(await execs(), before);
});

test('exec without -i or -t: output on its own streams, the exit status is the command\'s', async () => {
  const r = spawnSync(process.execPath, [CLI, 'exec', '--socket', d.socket, ctr, '/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: CLI_TIMEOUT_MS });
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(r.status, 3);
  const bad = spawnSync(process.execPath, [CLI, 'exec', '--socket', d.socket, '-x', ctr, 'ls'], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  // podman's exit codes: 125 for an error of corral itself, bad usage and an unknown container alike
  assert.equal(bad.status, 125);
  assert.match(bad.stderr, /unknown option -x/);
  const missing = spawnSync(process.execPath, [CLI, 'exec', '--socket', d.socket, 'no-such-ctr', 'ls'], { encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
  assert.equal(missing.status, 125);
  assert.match(missing.stderr, /does not exist/);
});

test('attach without a tty: output only; Ctrl-C (SIGINT) ends the client, never the process', async () => {
  const p = await client.request('process.exec', { id: ctr, processId: 'ticker', args: ['/bin/sh', '-c', 'while true; do echo tick; sleep 0.1; done'] });
  assert.equal(p.state, 'running');
  const proc = spawn(process.execPath, [CLI, 'attach', '--socket', d.socket, ctr, 'ticker'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  await until(() => out.includes('tick\ntick\n'), 'the ticks through attach');
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  proc.kill('SIGINT');
  assert.equal(await exited, 130);
  const listed = (await client.request('process.list', { id: ctr })).processes.find((x) => x.id === 'ticker');
  assert.equal(listed?.state, 'running');
  await client.request('process.kill', { id: ctr, processId: 'ticker', signal: 'KILL' });
});
