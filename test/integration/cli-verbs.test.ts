// `corral VERB` against a real corrald running real containers: the everyday
// invocations of podman with corral in its place and the same outcome, every
// verb of the table, podman's exit-code rules (125 corral, 126 cannot invoke,
// 127 not found, else the container's own), --format json parsed back, the
// global flags and CORRAL_SOCKET, and bash completion offering live container
// ids through the script `corral completion bash` prints, and the README's
// command-line examples as written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, CLI, TOP, until, type DaemonHandle } from '../helpers/daemon.js';
import { buildTestImages, scratch, startRegistry, type Registry } from '../helpers/images.js';

let d: DaemonHandle;
let bundle: string;
let dir: string;
let reg: Registry;
/** An image in the local registry; its Cmd echoes hello-from-image. */
let image: string;
before(async () => {
  dir = await scratch('cli-verbs');
  const imgs = await buildTestImages(dir);
  reg = await startRegistry(path.join(dir, 'registry'));
  reg.push(`oci:${imgs.base}`, 'corral/bb:1');
  image = `${reg.host}/corral/bb:1`;
  d = await startDaemon();
  bundle = await d.bundle(['sh'], 'cli-verbs');
});
after(async () => {
  await d?.cleanup();
  await reg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `corral --socket SOCKET ARGS...`, as a shell would run it, off a terminal (INPUT on its stdin, else none). */
function corral(args: string[], env: Record<string, string> = {}, global = ['--socket', d.socket], input?: string): Run {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...global, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env }, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** `corral --socket SOCKET ARGS...` on a pty (script(1)): its status, and what the terminal showed with \r\n made \n. */
function onPty(args: string[]): Run {
  const t0 = Date.now();
  const cmd = `"${process.execPath}" "${CLI}" --socket "${d.socket}" ${args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.replace(/\r+\n/g, '\n'), stderr: r.stderr, ms: Date.now() - t0 };
}

/** Split like a shell line, for the table of podman invocations: words, and '...' quoted ones. */
const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);

const ok = (r: Run, what: string) => assert.equal(r.status, 0, `${what}: exit ${r.status}, stderr: ${r.stderr}`);
const json = (r: Run) => JSON.parse(r.stdout);

// a container that ends cleanly on SIGTERM, the way a well-behaved service does
const SERVICE = `sh -c 'trap "echo bye; exit 0" TERM; echo ready; while true; do sleep 0.1; done'`;

test('the common podman invocations, with corral in place of podman', async () => {
  // B is a bundle, IMG an image of the local registry; `| STDIN` feeds stdin, a row starting `pty:` runs on a terminal
  const rows: [string, (r: Run) => void][] = [
    ['pull --tls-verify=false IMG', (r) => assert.match(r.stdout, /^\S+\/corral\/bb:1 sha256:[0-9a-f]{64}\n$/)],
    ['images', (r) => {
      assert.match(r.stdout, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE/);
      assert.match(r.stdout, /\n\S+\/corral\/bb +1 +[0-9a-f]{12} /);
    }],
    ['run --rm IMG', (r) => assert.equal(r.stdout, 'hello-from-image\n')],
    [`run --rm IMG sh -c 'echo from-image; exit 3'`, (r) => {
      assert.equal(r.status, 3, r.stderr);
      assert.equal(r.stdout, 'from-image\n');
    }],
    [`run --rm --bundle B sh -c 'echo out; echo err >&2; exit 3'`, (r) => {
      assert.equal(r.status, 3, r.stderr);
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\n');
    }],
    ['ps -a --format json', (r) => assert.deepEqual(json(r), [], 'run --rm left its container behind')],
    [`run -d --name web --bundle B ${SERVICE}`, (r) => assert.equal(r.stdout, 'web\n')],
    ['ps', (r) => {
      assert.match(r.stdout, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS/);
      assert.match(r.stdout, /\nweb +\/\S+ +sh -c trap .* Up \d+ seconds?/);
      assert.ok(!r.stdout.includes('\x1b'), 'a table off a terminal has no escapes');
    }],
    ['ps -a', (r) => assert.match(r.stdout, /\nweb /)],
    ['ps -q', (r) => assert.equal(r.stdout, 'web\n')],
    [`ps --format '{{.ID}} {{.State}}'`, (r) => assert.equal(r.stdout, 'web running\n')],
    ['ps --filter state=stopped --format json', (r) => assert.deepEqual(json(r), [])],
    ['logs --tail 1 web', (r) => assert.equal(r.stdout, 'ready\n')],
    [`exec web sh -c 'echo out; echo err >&2'`, (r) => {
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\n');
    }],
    ['exec -i web cat | piped-in', (r) => assert.equal(r.stdout, 'piped-in\n')],
    [`pty: exec -it web sh -c 'tty; exit 4'`, (r) => {
      assert.equal(r.status, 4, r.stdout);
      assert.match(r.stdout, /^\/dev\/pts\/\d+\n/);
    }],
    [`pty: run -it --rm IMG sh -c 'tty; exit 5'`, (r) => {
      assert.equal(r.status, 5, r.stdout);
      assert.match(r.stdout, /^\/dev\/pts\/\d+\n/);
    }],
    ['inspect web', (r) => {
      const [c] = json(r);
      assert.equal(c.id, 'web');
      assert.equal(c.state, 'running');
      assert.equal(c.processes[0].args[0], 'sh');
    }],
    ['stop -t 5 web', (r) => {
      assert.equal(r.stdout, 'web\n');
      assert.ok(r.ms < 5000, `a container that exits on SIGTERM stops at once, took ${r.ms} ms`);
    }],
    [`inspect --format '{{.State}} {{.ExitStatus}}' web`, (r) => assert.equal(r.stdout, 'stopped 0\n')],
    ['logs web', (r) => assert.equal(r.stdout, 'ready\nbye\n')],
    ['rm -f web', (r) => assert.equal(r.stdout, 'web\n')],
    ['inspect web', (r) => {
      assert.equal(r.status, 125);
      assert.match(r.stderr, /^corral inspect: not_found: container web does not exist/);
    }],
    ['rmi IMG', (r) => assert.match(r.stdout, /^Untagged: \S+\/corral\/bb:1\nDeleted: sha256:[0-9a-f]{64}\n$/)],
    ['images -q', (r) => assert.equal(r.stdout, '')],
  ];
  for (const [line, check] of rows) {
    const [command, input] = line.split(' | ');
    const pty = command.startsWith('pty: ');
    const args = words(command.replace(/^pty: /, '')).map((w) => (w === 'B' ? bundle : w === 'IMG' ? image : w));
    const r = pty ? onPty(args) : corral(args, {}, undefined, input === undefined ? undefined : input + '\n');
    if (r.status !== 125 && !/exit \d/.test(line)) ok(r, line);
    check(r);
  }
});

test('logs -f --tail N follows until the container exits', async () => {
  ok(corral(['run', '-d', '--name', 'follow', '--bundle', bundle, 'sh', '-c', 'for i in 1 2 3; do echo line$i; done; sleep 60']), 'run -d');
  const child = spawn(process.execPath, [CLI, '--socket', d.socket, 'logs', '-f', '--tail', '2', 'follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await until(() => out === 'line2\nline3\n', 'the last two lines');
  ok(corral(['kill', 'follow']), 'kill');
  assert.equal(await exited, 0);
  ok(corral(['rm', 'follow']), 'rm');
});

test('exec -d runs in the background, its output in its log; create -t and start -a give the container a terminal here', async () => {
  ok(corral(['run', '-d', '--name', 'bg', '--bundle', bundle, 'sleep', '60']), 'run -d');
  // corrald's process.exec takes env as the whole environment: the command is named by its path
  const started = corral(['exec', '-d', '-e', 'WHO=bg', 'bg', '/bin/sh', '-c', 'echo "hi $WHO"; exit 3']);
  ok(started, 'exec -d');
  const processId = started.stdout.trim();
  assert.match(processId, /^exec-[0-9a-f]{8}$/);
  await until(() => corral(['logs', '--process', processId, 'bg']).stdout === 'hi bg\n', 'the exec process\'s log');
  assert.match(corral(['top', 'bg']).stdout, new RegExp(`\\n${processId} +exited +3 `));
  assert.equal(corral(['exec', '-d', '-i', 'bg', 'cat']).status, 125, '-d has no stdin to feed');
  ok(corral(['rm', '-f', 'bg']), 'rm');
  ok(corral(['create', '-t', '--name', 'tty-start', '--bundle', bundle, 'sh', '-c', 'tty; exit 3']), 'create -t');
  const r = onPty(['start', '-a', 'tty-start']);
  assert.equal(r.status, 3, r.stdout);
  assert.match(r.stdout, /^\/dev\/pts\/\d+\n$/);
  assert.equal(corral(['run', '-i', '--rm', '--bundle', bundle, 'cat']).status, 125, 'an init has no stdin pipe: -i goes with -t');
  ok(corral(['rm', 'tty-start']), 'rm');
});

test('stop -t: SIGTERM, then SIGKILL after the grace time', () => {
  ok(corral(['run', '-d', '--name', 'stubborn', '--bundle', bundle, 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done']), 'run');
  const r = corral(['stop', '-t', '1', 'stubborn']);
  ok(r, 'stop');
  assert.ok(r.ms >= 1000, `stop waited the grace time (${r.ms} ms)`);
  assert.equal(json(corral(['inspect', 'stubborn']))[0].exitStatus, 137);
  ok(corral(['rm', 'stubborn']), 'rm');
  // a paused container is thawed to hear SIGTERM, and ends on it as a running one would
  ok(corral(['run', '-d', '--name', 'frozen', '--bundle', bundle, ...words(SERVICE)]), 'run');
  ok(corral(['pause', 'frozen']), 'pause');
  const thawed = corral(['stop', '-t', '10', 'frozen']);
  ok(thawed, 'stop');
  assert.ok(thawed.ms < 5000, `it ended on SIGTERM, not after the grace time (${thawed.ms} ms)`);
  assert.equal(json(corral(['inspect', 'frozen']))[0].exitStatus, 0);
  ok(corral(['rm', 'frozen']), 'rm');
});

test('exit status: the container\'s own, 125, 126, 127', () => {
  const rows: [string[], number, RegExp?][] = [
    [['run', '--rm', '--bundle', bundle, 'sh', '-c', 'exit 42'], 42],
    // init is pid 1 of its namespace, which SIGKILL from inside cannot end: its child is killed instead (and
    // the `exit` keeps sh from exec'ing that child in its own place)
    [['run', '--rm', '--bundle', bundle, 'sh', '-c', 'sh -c "kill -KILL \\$\\$"; exit $?'], 137],
    [['run', '--rm', '--bundle', bundle, '/bin/no-such-command'], 127, /runtime_error: .*no-such-command/],
    [['run', '--rm', '--bundle', bundle, '/etc/passwd'], 126, /runtime_error: .*permission denied/],
    [['start', 'no-such-container'], 125, /^corral start: not_found: /],
    [['sp'], 125, /^corral: unknown verb "sp"; did you mean "ps"\?/],
    [['ps', '--al'], 125, /^corral ps: unknown flag --al; did you mean --all\?/],
    [['--sockt', '/x', 'ps'], 125, /unknown global flag --sockt; did you mean --socket\?/],
    [['run', '-d', '--rm', '--bundle', bundle], 125, /--rm .* cannot go with -d/],
    [['run', '--rm', '--bundle', '/no/such/bundle'], 125, /invalid_bundle/],
  ];
  for (const [args, status, stderr] of rows) {
    const r = corral(args);
    assert.equal(r.status, status, `corral ${args.join(' ')}: ${r.stderr}`);
    if (stderr) {
      assert.match(r.stderr, stderr, `corral ${args.join(' ')}`);
      if (status === 125 && !/runtime_error/.test(r.stderr)) assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
  }
  assert.deepEqual(json(corral(['ps', '-a', '--format', 'json'])), [], 'run --rm removes the container whatever its exit');
});

test('create, start -a, wait, restart: the life of a container through the verbs', () => {
  const created = corral(['create', '--name', 'life', '--bundle', bundle, '-e', 'WHO=corral', '-w', '/tmp', '-u', '65534:65534', '--label', 'app=demo', 'sh', '-c', 'echo "$WHO $(pwd) $(id -u):$(id -g)"; exit 5']);
  ok(created, 'create');
  assert.equal(created.stdout, 'life\n');
  assert.equal(json(corral(['ps', '-a', '--filter', 'label=app=demo', '--format', 'json']))[0].state, 'created');
  assert.deepEqual(json(corral(['ps', '-a', '--filter', 'label=other', '--format', 'json'])), []);
  const started = corral(['start', '-a', 'life']);
  assert.equal(started.status, 5, started.stderr);
  assert.equal(started.stdout, 'corral /tmp 65534:65534\n');
  assert.equal(corral(['logs', '--since', '1h', 'life']).stdout, 'corral /tmp 65534:65534\n');
  assert.equal(corral(['logs', '--since', '2099-01-01T00:00:00Z', 'life']).stdout, '');
  assert.match(corral(['logs', '-t', 'life']).stdout, /^\d{4}-\d\d-\d\dT\S+ corral \/tmp/);
  const waited = corral(['wait', 'life']);
  assert.equal(waited.status, 5);
  assert.equal(waited.stdout, '5\n');
  const again = corral(['start', 'life']);
  assert.equal(again.status, 125);
  assert.match(again.stderr, /corral restart life/);
  ok(corral(['restart', 'life']), 'restart');
  assert.equal(corral(['wait', 'life']).status, 5);
  const c = json(corral(['inspect', 'life']))[0];
  assert.deepEqual(c.labels, { app: 'demo' });
  assert.deepEqual(c.processes[0].args, ['sh', '-c', 'echo "$WHO $(pwd) $(id -u):$(id -g)"; exit 5']);
  ok(corral(['rm', 'life']), 'rm');
});

test('pause, unpause, kill, top, stats, update, limits given to run', () => {
  ok(corral(['run', '-d', '--name', 'busy', '--memory', '64m', '--pids-limit', '50', '--cpus', '0.5', '--bundle', bundle, 'sh', '-c', 'trap "exit 7" USR1; while true; do sleep 0.1; done']), 'run');
  const stats = json(corral(['stats', '--no-stream', '--format', 'json', 'busy']));
  assert.equal(stats.length, 1);
  assert.equal(stats[0].id, 'busy');
  assert.equal(stats[0].memory.limitBytes, 64 * 2 ** 20);
  assert.equal(stats[0].pids.limit, 50);
  assert.ok(stats[0].pids.current >= 1);
  assert.match(corral(['stats', '--no-stream']).stdout, /^ID +CPU % +MEM USAGE \/ LIMIT +MEM % +PIDS\nbusy +\d/);
  ok(corral(['update', '--memory', '128m', '--pids-limit', '60', 'busy']), 'update');
  const after = json(corral(['stats', '--no-stream', '--format', 'json', 'busy']))[0];
  assert.equal(after.memory.limitBytes, 128 * 2 ** 20);
  assert.equal(after.pids.limit, 60);
  assert.equal(corral(['update', 'busy']).status, 125, 'update without a limit is bad usage');
  const top = corral(['top', 'busy']);
  assert.match(top.stdout, /^PROCESS +PID +STATE .*\ninit +\d+ +running /);
  ok(corral(['pause', 'busy']), 'pause');
  assert.match(corral(['ps']).stdout, /Up \d+ seconds? \(paused\)/);
  ok(corral(['unpause', 'busy']), 'unpause');
  assert.equal(corral(['kill', '-s', 'NOPE', 'busy']).status, 125);
  ok(corral(['kill', '-s', 'USR1', 'busy']), 'kill');
  assert.equal(corral(['wait', 'busy']).status, 7, 'the trap of SIGUSR1 ended it');
  // several at once: each is tried, the failure named, 125 at the end
  const rm = corral(['rm', 'busy', 'nothing-here']);
  assert.equal(rm.status, 125);
  assert.equal(rm.stdout, 'busy\n');
  assert.match(rm.stderr, /not_found: container nothing-here/);
});

test('info, version, events', () => {
  const info = json(corral(['info', '--format', 'json']));
  assert.equal(info.socket, d.socket);
  assert.match(corral(['info']).stdout, /^pid: \d+\nroot: /);
  assert.equal(corral(['info', '--format', '{{.Socket}}']).stdout, `${d.socket}\n`);
  const v = json(corral(['version', '--format', 'json']));
  assert.ok(v.client.version && v.daemon.apiVersion);
  assert.match(corral(['version']).stdout, /^Client: +corral \S+\nDaemon: +corrald \S+ \(API [\d.]+\)\nRuntime: .*runc/);
  const before = json(corral(['call', 'events.subscribe', '{}'], {}, ['--socket', d.socket])).seq;
  ok(corral(['run', '--rm', '--name', 'ev', '--bundle', bundle, 'true']), 'run');
  const evs = corral(['events', '--since', String(before), '--no-stream', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(evs.map((e) => e.type), ['container.create', 'container.start', 'process.start', 'process.exit', 'container.delete']);
  assert.ok(evs.every((e) => e.id === 'ev'));
  const exits = corral(['events', '--since', String(before), '--no-stream', '--filter', 'type=process.exit']).stdout;
  assert.match(exits, /^\S+ \d+ process\.exit ev process=init pid=\d+ exit=0\n$/);
  assert.equal(corral(['events', '--filter', 'typ=x']).status, 125);
});

test('global flags before the verb, CORRAL_SOCKET, --read-only, call unchanged', () => {
  ok(corral(['ps'], { CORRAL_SOCKET: d.socket }, []), 'CORRAL_SOCKET alone');
  ok(corral(['--socket', d.socket, 'ps'], { CORRAL_SOCKET: '/nowhere.sock' }, []), '--socket beats CORRAL_SOCKET');
  const ro = corral(['--read-only', 'rm', '-f', 'x'], { CORRAL_SOCKET: d.socket }, []);
  assert.equal(ro.status, 125);
  assert.match(ro.stderr, /changes state.*read-only/);
  ok(corral(['ps'], {}, ['--socket', d.roSocket, '--read-only']), 'ps on the read-only socket');
  const denied = corral(['run', '--rm', '--bundle', bundle, 'true'], {}, ['--socket', d.roSocket]);
  assert.equal(denied.status, 125, 'the read-only socket itself refuses a change');
  const gone = corral(['ps'], {}, ['--socket', '/nowhere.sock']);
  assert.equal(gone.status, 125);
  assert.match(gone.stderr, /unavailable: cannot connect to corrald at \/nowhere\.sock/);
  // call keeps its own exit codes, and takes the global flags too
  assert.equal(corral(['call', 'container.get', '{"id":"nope"}']).status, 1);
  assert.equal(json(corral(['call', 'daemon.info'])).socket, d.socket);
  assert.equal(corral(['call', '--socket', d.socket, 'daemon.version'], {}, []).status, 0);
});

test('help: corral --help lists every verb; VERB --help its flags', () => {
  const help = corral(['--help'], {}, []);
  ok(help, '--help');
  for (const v of ['ps', 'run', 'create', 'start', 'stop', 'restart', 'kill', 'pause', 'unpause', 'rm', 'wait', 'inspect', 'logs', 'top', 'stats', 'update', 'exec', 'attach', 'pull', 'images', 'import', 'rmi', 'image inspect', 'image prune', 'info', 'version', 'events', 'call', 'bundle create', 'completion']) {
    assert.match(help.stdout, new RegExp(`^  ${v} `, 'm'), `--help lacks ${v}`);
  }
  const ps = corral(['ps', '--help'], {}, []);
  assert.match(ps.stdout, /^Usage: corral ps \[FLAGS\]/);
  assert.match(ps.stdout, /-a, --all/);
  assert.equal(corral(['help', 'stop'], {}, []).stdout, corral(['stop', '--help'], {}, []).stdout);
});

test('bash completion offers the live container ids', async () => {
  ok(corral(['run', '-d', '--name', 'complete-me', '--bundle', bundle, 'sleep', '60']), 'run');
  const script = corral(['completion', 'bash'], {}, []).stdout;
  assert.match(script, /complete -F _corral corral/);
  // the script as bash runs it on <TAB>: COMP_WORDS up to the cursor, `corral` on the path
  const line = `corral --socket ${d.socket} logs comp`;
  const r = spawnSync('bash', ['-c', [
    `corral() { "${process.execPath}" "${CLI}" "$@"; }`,
    script,
    `COMP_LINE='${line}'; COMP_POINT=${line.length}`,
    '_corral; printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n')], { encoding: 'utf8' });
  assert.equal(r.stdout, 'complete-me\n', r.stderr);
  assert.deepEqual(corral(['__complete', 'kill', '-s', 'TE'], {}, ['--socket', d.socket]).stdout.split('\n').filter((s) => s === 'TERM'), ['TERM']);
  // attach's second word: the container's processes
  assert.equal(corral(['__complete', 'attach', 'complete-me', '']).stdout, 'init\n');
  ok(corral(['rm', '-f', 'complete-me']), 'rm');
});

test("the README's corral examples run as written", () => {
  const readme = fs.readFileSync(path.join(TOP, 'README.md'), 'utf8');
  const lines = readme.split('\n').filter((l) => l.startsWith('$ corral '));
  assert.ok(lines.length >= 8, 'the README shows the command line');
  const dir = path.join(d.dir, 'readme-web');
  for (const line of lines) {
    const cmd = line.slice(2).replaceAll('/tmp/web', dir).replaceAll('localhost:5000/corral/bb:1', image).replace(/^corral /, `"${process.execPath}" "${CLI}" `);
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CORRAL_SOCKET: d.socket } });
    assert.equal(r.status, 0, `${line}\n${r.stderr}`);
    if (line.includes('GREETING')) assert.equal(r.stdout, 'hello from /tmp\n');
    if (line.includes('hello from an image')) assert.equal(r.stdout, 'hello from an image\n');
  }
});

/** `corral ARGS` on a terminal COLS wide (script(1) gives it a pty), its output with the pty's \r\n made \n. */
function onTerminal(args: string[], cols: number, env: Record<string, string> = {}): string {
  const cmd = `stty cols ${cols}; "${process.execPath}" "${CLI}" --socket "${d.socket}" ${args.map((a) => `'${a}'`).join(' ')}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout.replace(/\r\n/g, '\n');
}

test('on a terminal: the table fits its width, the header is bold unless NO_COLOR; --no-trunc keeps it whole', () => {
  ok(corral(['create', '--name', 'wide', '--label', 'note=a-long-label-that-does-not-fit', '--bundle', bundle, 'sh', '-c', `sleep 60 # ${'x'.repeat(80)}`]), 'create');
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex -- SGR sequences are what is being removed
  const fitted = onTerminal(['ps', '-a'], 100);
  assert.ok(fitted.includes('\x1b[1mCONTAINER ID'), 'a bold header on a terminal');
  for (const line of plain(fitted).trimEnd().split('\n')) assert.ok(line.length <= 100, `"${line}" is wider than the terminal`);
  // the image (here a bundle's path), the command and the labels give way, evenly
  assert.match(plain(fitted), /\nwide +\/tmp\/\S+… +sh -c sleep 60 #[ x]*… +\d+ seconds? ago +Created +\d+ +note=a-long-la[a-z-]*…\n/);
  assert.ok(!onTerminal(['ps', '-a'], 70, { NO_COLOR: '1' }).includes('\x1b['), 'NO_COLOR: no escapes at all');
  assert.ok(plain(onTerminal(['ps', '-a', '--no-trunc'], 70)).includes('x'.repeat(80)));
  ok(corral(['rm', 'wide']), 'rm');
});

test('run in the foreground passes SIGINT on to the container, and exits with its status', async () => {
  const child = spawn(process.execPath, [CLI, '--socket', d.socket, 'run', '--rm', '--name', 'sigint', '--bundle', bundle, 'sh', '-c', 'trap "echo got-int; exit 9" INT; echo up; while true; do sleep 0.1; done'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await until(() => out.includes('up\n'), 'the container to start');
  child.kill('SIGINT');
  assert.equal(await exited, 9);
  assert.equal(out, 'up\ngot-int\n');
  assert.deepEqual(json(corral(['ps', '-a', '--filter', 'id=sigint', '--format', 'json'])), [], '--rm deleted it');
});

test('events streams until interrupted', async () => {
  const child = spawn(process.execPath, [CLI, '--socket', d.socket, 'events', '--filter', 'container=evs', '--format', '{{.Type}} {{.ID}}'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // the subscription is live once a container.create shows; until then create and delete again (it may
  // go live between the two, and then begin with a delete)
  await until(() => {
    corral(['create', '--name', 'evs', '--bundle', bundle, 'true']);
    corral(['rm', 'evs']);
    return out.includes('container.create evs\ncontainer.delete evs\n');
  }, 'the events of a create and a delete');
  assert.match(out, /^(container\.delete evs\n)?(container\.create evs\ncontainer\.delete evs\n)+$/);
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});
