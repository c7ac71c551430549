// The pure parts of `corral`'s command line, as tables: flag parsing and its
// "did you mean", the verb table's usage texts, tables and templates, the
// human forms of sizes, users and times, and what completion offers for a
// line typed so far (with stand-in sources; the live ones are tested against
// a real corrald in test/integration/cli-verbs.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complete, FILES, GLOBAL_FLAGS } from '../../tui/cli/completion.js';
import { createParams } from '../../tui/cli/run.js';
import { pullParams } from '../../tui/cli/images.js';
import { mainUsage, verbUsage } from '../../tui/cli/help.js';
import { parseCpus, parseSince, parseSize, parseUser, status } from '../../tui/cli/human.js';
import { closest, parseVerb, UsageError } from '../../tui/cli/parse.js';
import { renderTable, renderTemplate } from '../../tui/cli/table.js';
import { VERBS } from '../../tui/cli/verbs.js';
import type { ContainerT } from '../../shared/api.js';

const spec = (name: string) => VERBS.find((v) => v.name === name)!;

test('flags: long, short, grouped, repeated, =value; words after', () => {
  const rows: [string, string[], Record<string, unknown>, string[]][] = [
    ['ps', ['-a', '-q'], { all: true, quiet: true }, []],
    ['ps', ['-aq', '--format=json'], { all: true, quiet: true, format: 'json' }, []],
    ['ps', ['--filter', 'state=running', '-f', 'label=app'], { filter: ['state=running', 'label=app'] }, []],
    ['stop', ['-t', '3', 'web', 'db'], { time: '3' }, ['web', 'db']],
    ['logs', ['web', '-f', '--tail', '5'], { follow: true, tail: '5' }, ['web']],
    // run stops at the first word: the command keeps its own flags
    ['run', ['--rm', '--bundle', '/b', 'sh', '-c', 'ls -l'], { rm: true, bundle: '/b' }, ['sh', '-c', 'ls -l']],
    ['run', ['-d', '--name', 'web', 'debian:12', '--version'], { detach: true, name: 'web' }, ['debian:12', '--version']],
    ['run', ['-e', 'A=1', '-e', 'B=2', '--', '-x'], { env: ['A=1', 'B=2'] }, ['-x']],
    ['update', ['--pids-limit', '-1', 'web'], { 'pids-limit': '-1' }, ['web']],
    // exec stops at the container: the command keeps its flags
    ['exec', ['web', 'ls', '-l'], {}, ['web', 'ls', '-l']],
    ['exec', ['-it', 'web', '--', 'sh', '-c', 'x'], { interactive: true, tty: true }, ['web', '--', 'sh', '-c', 'x']],
    ['exec', ['-i', '-t', '-e', 'A=1', '-w', '/tmp', '-u', '0:0', 'web', 'sh'], { interactive: true, tty: true, env: ['A=1'], workdir: '/tmp', user: '0:0' }, ['web', 'sh']],
    ['exec', ['--interactive', '--tty', 'web', 'top'], { interactive: true, tty: true }, ['web', 'top']],
    ['attach', ['--tail', '300', 'web', 'exec-1'], { tail: '300' }, ['web', 'exec-1']],
    // podman's --tls-verify: a switch that takes =false
    ['pull', ['--tls-verify=false', '--creds', 'u:p', 'bb'], { 'tls-verify': 'false', creds: 'u:p' }, ['bb']],
    ['pull', ['--tls-verify', 'bb'], { 'tls-verify': 'true' }, ['bb']],
    ['run', ['-it', '--rm', '--tls-verify=false', 'reg:5000/bb:1', 'sh'], { interactive: true, tty: true, rm: true, 'tls-verify': 'false' }, ['reg:5000/bb:1', 'sh']],
  ];
  for (const [verb, argv, values, positionals] of rows) {
    const p = parseVerb(spec(verb), argv);
    assert.deepEqual(p.values, values, `${verb} ${argv.join(' ')}`);
    assert.deepEqual(p.positionals, positionals, `${verb} ${argv.join(' ')}`);
  }
});

test('a wrong flag is one line naming the closest valid one', () => {
  const rows: [string, string[], RegExp][] = [
    ['ps', ['--al'], /unknown flag --al; did you mean --all\?/],
    ['ps', ['--quite'], /did you mean --quiet\?/],
    ['logs', ['--folow', 'x'], /did you mean --follow\?/],
    ['stop', ['-x', 'web'], /unknown flag -x/],
    ['stop', ['-t'], /-t needs a value/],
    ['ps', ['--all=yes'], /takes no value/],
    ['rm', [], /too few arguments/],
    ['logs', ['a', 'b'], /unexpected argument "b"/],
    ['exec', ['-x', 'web', 'sh'], /unknown flag -x/],
    ['exec', ['--socket', '/s', 'web', 'sh'], /--socket is a global flag: put it before the verb \(corral --socket PATH exec \.\.\.\)/],
    ['exec', ['web'], /too few arguments/],
    ['attach', [], /too few arguments/],
  ];
  for (const [verb, argv, message] of rows) {
    assert.throws(() => parseVerb(spec(verb), argv), (e: Error) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'), `${verb} ${argv.join(' ')}`);
  }
  assert.equal(closest('sp', ['ps', 'rm', 'start']), 'ps');
  assert.equal(closest('inpsect', ['inspect', 'info']), 'inspect');
});

test('--help lists every verb; each verb lists each of its flags', () => {
  const usage = mainUsage(VERBS);
  for (const v of VERBS.filter((x) => !x.hidden)) {
    assert.match(usage, new RegExp(`^  ${v.name} `, 'm'), `corral --help lacks ${v.name}`);
    for (const f of v.flags) assert.ok(verbUsage(v).includes(`--${f.name}`), `corral ${v.name} --help lacks --${f.name}`);
  }
  assert.ok(!usage.includes('__complete'));
  for (const verb of ['ps', 'run', 'create', 'start', 'stop', 'restart', 'kill', 'pause', 'unpause', 'rm', 'wait', 'inspect', 'logs', 'top', 'stats', 'update', 'exec', 'attach', 'pull', 'images', 'import', 'rmi', 'image inspect', 'image prune', 'info', 'version', 'events', 'call', 'bundle create', 'completion']) {
    assert.ok(VERBS.some((v) => v.name === verb), `no verb ${verb}`);
  }
});

test('run and create: IMAGE or --bundle, the command, env, folder, user and labels as container.create takes them', () => {
  const p = (argv: string[]) => createParams(parseVerb(spec('run'), argv));
  assert.deepEqual(p(['--name', 'web', '--bundle', '/b', '-e', 'A=1', '-w', '/tmp', '-u', '1000:100', '-l', 'app=x', '-l', 'bare', 'sh', '-c', 'x']), {
    id: 'web', bundle: '/b', args: ['sh', '-c', 'x'], env: ['A=1'], cwd: '/tmp', user: { uid: 1000, gid: 100 }, labels: { app: 'x', bare: '' },
  });
  assert.deepEqual(p(['--name', 'w', 'debian:12']), { id: 'w', image: 'debian:12' });
  assert.deepEqual(p(['--name', 'w', 'debian:12', 'ls', '/']), { id: 'w', image: 'debian:12', args: ['ls', '/'] });
  assert.match(p(['--bundle', '/b']).id as string, /^[0-9a-f]{12}$/);
  assert.throws(() => p(['--name', 'w']), /IMAGE or --bundle/);
  assert.throws(() => p(['--name', 'bad/id', 'img']), /--name must be/);
  assert.throws(() => p(['-w', 'rel', 'img']), /absolute/);
  // limits and the terminal go in the same call
  assert.deepEqual(p(['--name', 'w', '-t', '--memory', '64m', '--pids-limit', '20', 'img']), {
    id: 'w', image: 'img', terminal: true, resources: { memoryLimitBytes: 64 * 2 ** 20, pidsLimit: 20 },
  });
});

test("pull's podman flags: --tls-verify=false is insecure, --creds USER:PASS the login", () => {
  const p = (argv: string[]) => pullParams('bb', parseVerb(spec('pull'), [...argv, 'bb']));
  assert.deepEqual(p([]), { ref: 'bb' });
  assert.deepEqual(p(['--tls-verify']), { ref: 'bb' });
  assert.deepEqual(p(['--tls-verify=false', '--creds', 'me:se:cret']), { ref: 'bb', insecure: true, username: 'me', password: 'se:cret' });
  assert.throws(() => p(['--tls-verify=no']), /--tls-verify takes one of true, false, got "no"/);
  assert.throws(() => p(['--creds', 'me']), /USER:PASSWORD/);
  assert.throws(() => p(['--creds', ':pw']), /USER:PASSWORD/);
});

test('sizes, CPUs, users and times as podman takes them', () => {
  assert.equal(parseSize('512', '--memory'), 512);
  assert.equal(parseSize('64k', '--memory'), 65536);
  assert.equal(parseSize('256m', '--memory'), 256 * 2 ** 20);
  assert.equal(parseSize('1G', '--memory'), 2 ** 30);
  assert.throws(() => parseSize('lots', '--memory'), /512m/);
  assert.deepEqual(parseCpus('1.5'), { cpuQuota: 150000, cpuPeriod: 100000 });
  assert.throws(() => parseCpus('0'), UsageError);
  assert.deepEqual(parseUser('1000'), { uid: 1000, gid: 0 });
  assert.deepEqual(parseUser('1000:50'), { uid: 1000, gid: 50 });
  assert.throws(() => parseUser('www-data'), /numbers/);
  const now = Date.parse('2026-11-30T08:00:00Z');
  assert.equal(parseSince('10m', now), now - 600_000);
  assert.equal(parseSince('1h30m', now), now - 5_400_000);
  assert.equal(parseSince('2026-11-30T07:00:00Z', now), now - 3_600_000);
  assert.throws(() => parseSince('yesterday-ish', now), /--since/);
});

test('STATUS reads as podman\'s', () => {
  const now = Date.parse('2026-11-30T08:00:00Z');
  const c = (x: Partial<ContainerT>): ContainerT => ({ id: 'a', bundle: '/b', state: 'running', pid: 1, labels: {}, createdAt: '2026-11-30T07:00:00Z', processes: [], ...x });
  assert.equal(status(c({ startedAt: '2026-11-30T07:55:00Z' }), now), 'Up 5 minutes');
  assert.equal(status(c({ state: 'paused', startedAt: '2026-11-30T07:59:59Z' }), now), 'Up 1 second (paused)');
  assert.equal(status(c({ state: 'created' }), now), 'Created');
  assert.equal(status(c({ state: 'stopped', exitStatus: 3, exitedAt: '2026-11-28T08:00:00Z' }), now), 'Exited (3) 2 days ago');
});

test('tables fit the width given, cutting the flexible column; plain and whole without one', () => {
  const rows = [['web', 'sh -c while true; do echo hi; sleep 1; done', 'Up 1 second']];
  const whole = renderTable(['ID', 'COMMAND', 'STATUS'], rows);
  assert.equal(whole, 'ID   COMMAND                                      STATUS\nweb  sh -c while true; do echo hi; sleep 1; done  Up 1 second\n');
  const fitted = renderTable(['ID', 'COMMAND', 'STATUS'], rows, { width: 40, flex: [false, true, false] });
  for (const line of fitted.trimEnd().split('\n')) assert.ok(line.length <= 40, `"${line}" is wider than 40`);
  assert.match(fitted, /sh -c while.*… {2}Up 1 second/);
  assert.ok(!whole.includes('\x1b'));
  assert.ok(renderTable(['ID'], [], { color: true }).startsWith('\x1b[1mID'));
});

test('templates: fields in any case, paths, json, tabs', () => {
  const obj = { ID: 'web', state: 'running', labels: { app: 'x' } };
  assert.equal(renderTemplate('{{.ID}} {{.State}}', obj), 'web running');
  assert.equal(renderTemplate('{{.id}}\\t{{.Labels.app}}', obj), 'web\tx');
  assert.equal(renderTemplate('{{json .Labels}}', obj), '{"app":"x"}');
  assert.equal(renderTemplate('{{.Missing}}|', obj), '|');
  assert.throws(() => renderTemplate('{{.ID', obj), /unclosed/);
});

test('completion: verbs, flags, signals, containers, images, files', async () => {
  const sources = { containers: async () => ['web', 'db'], processes: async (id: string) => [`init-of-${id}`], images: async () => ['busybox:latest'] };
  const rows: [string[], (out: string[]) => boolean][] = [
    [[''], (o) => o.includes('ps') && o.includes('run') && o.includes('bundle') && !o.includes('__complete')],
    [['-'], (o) => o.join() === GLOBAL_FLAGS.join()],
    [['--socket', '/x', 'st'], (o) => o.includes('stop') && o.includes('start')],
    [['--socket', ''], (o) => o.join() === FILES],
    [['rm', ''], (o) => o.join() === 'web,db'],
    [['--socket', '/x', 'logs', '-f', ''], (o) => o.join() === 'web,db'],
    [['kill', '-s', ''], (o) => o.includes('TERM') && o.includes('KILL')],
    [['ps', '--format', ''], (o) => o.join() === 'table,json'],
    [['ps', '--'], (o) => o.includes('--all') && o.includes('--format')],
    [['run', '-d', ''], (o) => o.join() === 'busybox:latest'],
    [['run', 'busybox:latest', ''], (o) => o.join() === FILES],
    [['run', '--bundle', ''], (o) => o.join() === FILES],
    [['run', '--bundle', '/b', ''], (o) => o.join() === FILES],
    [['bundle', ''], (o) => o.join() === 'create'],
    [['completion', ''], (o) => o.join() === 'bash'],
    [['attach', ''], (o) => o.join() === 'web,db'],
    [['attach', '--tail', '10', 'web', ''], (o) => o.join() === 'init-of-web'],
    [['exec', '-it', ''], (o) => o.join() === 'web,db'],
    [['exec', 'web', ''], (o) => o.join() === FILES],
    [['run', 'busybox:latest', 'ls', '-'], (o) => o.join() === FILES],
    [['run', '--bundle', '/b', '--r'], (o) => o.includes('--rm')],
    [['run', '--pull', ''], (o) => o.join() === 'missing,always,never'],
    [['import', '--format', ''], (o) => o.join() === 'oci-archive,docker-archive,oci'],
    [['rmi', '-f', ''], (o) => o.join() === 'busybox:latest'],
    [['image', 'inspect', ''], (o) => o.join() === 'busybox:latest'],
    [['pull', '--tls-verify='], (o) => o.join() === '--tls-verify=true,--tls-verify=false'],
    [['ps', '--format=j'], (o) => o.join() === '--format=table,--format=json'],
  ];
  for (const [words, ok] of rows) {
    const out = await complete(words, VERBS, sources);
    assert.ok(ok(out), `corral ${words.join(' ')}<TAB> offered ${JSON.stringify(out)}`);
  }
});
