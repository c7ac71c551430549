// corrald's command line, parsed without starting anything: the defaults of
// every field; --socket and --ro-socket default to files under --state
// (whatever --state is) and --ro-socket none disables the read-only socket;
// `--flag value` and `--flag=value` are the same; each mistake (unknown flag,
// missing value, stray argument, relative or identical folders, numbers out of
// range or not whole, an unknown log level) is an invalid_params CorralError
// naming the flag and pointing at --help; --help and --version win; and
// helpText() shows every flag of the table with its value name and default.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CorralError } from '../../shared/errors.js';
import { flags, helpText, parseArgs, type Config } from '../../daemon/config.js';

function config(argv: string[]): Config {
  const r = parseArgs(argv);
  assert.equal(r.kind, 'run');
  return (r as { config: Config }).config;
}

const DEFAULTS: Config = {
  root: '/var/lib/corral',
  state: '/run/corral',
  socket: '/run/corral/corrald.sock',
  roSocket: '/run/corral/corrald-ro.sock',
  criSocket: '/run/corral/cri.sock',
  criStreamAddress: { host: '127.0.0.1', port: 0 },
  insecureRegistries: [],
  group: 'root',
  roGroup: 'root',
  runtime: 'runc',
  conmon: 'conmon',
  logLevel: 'info',
  logSizeMax: 10485760,
  maxMessageBytes: 1048576,
  maxConnections: 512,
  maxSubscriptions: 64,
  eventHistory: 10000,
};

describe('parseArgs: accepted', () => {
  const cases: [string, string[], Partial<Config>][] = [
    ['no flags: the defaults', [], {}],
    ['--no-cri: no CRI socket', ['--no-cri'], { criSocket: null }],
    ['--cri-socket moves it', ['--cri-socket', '/x/cri.sock'], { criSocket: '/x/cri.sock' }],
    ['--cri-stream-address on a fixed port', ['--cri-stream-address', '10.0.0.5:10010'], { criStreamAddress: { host: '10.0.0.5', port: 10010 } }],
    ['--cri-stream-address in IPv6', ['--cri-stream-address=[::1]:0'], { criStreamAddress: { host: '::1', port: 0 } }],
    ['--insecure-registries, comma-separated', ['--insecure-registries', '127.0.0.1:5000, localhost:5001'], { insecureRegistries: ['127.0.0.1:5000', 'localhost:5001'] }],
    [
      '--state moves every socket under it',
      ['--state', '/tmp/s'],
      { state: '/tmp/s', socket: '/tmp/s/corrald.sock', roSocket: '/tmp/s/corrald-ro.sock', criSocket: '/tmp/s/cri.sock' },
    ],
    ['--socket overrides, --ro-socket stays under --state', ['--state', '/tmp/s', '--socket', '/x/api.sock'], { state: '/tmp/s', socket: '/x/api.sock', roSocket: '/tmp/s/corrald-ro.sock', criSocket: '/tmp/s/cri.sock' }],
    ['--ro-socket none disables it', ['--ro-socket', 'none'], { roSocket: null }],
    ['--ro-socket PATH', ['--ro-socket', '/x/ro.sock'], { roSocket: '/x/ro.sock' }],
    ['--flag=value', ['--root=/srv/corral', '--state=/run/c2', '--log-level=debug'], { root: '/srv/corral', state: '/run/c2', socket: '/run/c2/corrald.sock', roSocket: '/run/c2/corrald-ro.sock', criSocket: '/run/c2/cri.sock', logLevel: 'debug' }],
    ['--flag=value with = in the value', ['--group=a=b'], { group: 'a=b' }],
    ['mixed forms', ['--runtime', '/usr/bin/crun', '--conmon=/opt/conmon'], { runtime: '/usr/bin/crun', conmon: '/opt/conmon' }],
    ['groups', ['--group', 'corral', '--ro-group', 'monitor'], { group: 'corral', roGroup: 'monitor' }],
    ['folders are normalized', ['--root', '/srv//corral/./x/..', '--state', '/run/c/'], { root: '/srv/corral', state: '/run/c', socket: '/run/c/corrald.sock', roSocket: '/run/c/corrald-ro.sock', criSocket: '/run/c/cri.sock' }],
    ['socket paths are normalized', ['--socket', '/a/b/../api.sock'], { socket: '/a/api.sock' }],
    ['the last of a repeated flag wins', ['--log-level', 'warn', '--log-level', 'error'], { logLevel: 'error' }],
    ['every log level', ['--log-level', 'silent'], { logLevel: 'silent' }],
    ['--log-size-max -1 keeps everything', ['--log-size-max', '-1'], { logSizeMax: -1 }],
    ['numbers at their minimum', ['--max-message-bytes', '256', '--max-connections', '1', '--max-subscriptions', '1', '--event-history', '100'], { maxMessageBytes: 256, maxConnections: 1, maxSubscriptions: 1, eventHistory: 100 }],
    ['large numbers', ['--max-message-bytes=16777216', '--event-history=1000000'], { maxMessageBytes: 16777216, eventHistory: 1000000 }],
  ];
  for (const [name, argv, expected] of cases) {
    test(name, () => {
      assert.deepEqual(config(argv), { ...DEFAULTS, ...expected });
    });
  }

  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) {
    test(`--log-level ${level}`, () => {
      assert.equal(config(['--log-level', level]).logLevel, level);
    });
  }
});

describe('parseArgs: --help and --version', () => {
  const cases: [string[], string][] = [
    [['--help'], 'help'],
    [['--version'], 'version'],
    [['--root', '/x', '--help'], 'help'],
    [['--version', '--help'], 'version'],
    [['--help', '--no-such-flag'], 'help'],
    [['--help', 'stray'], 'help'],
  ];
  for (const [argv, kind] of cases) {
    test(`${argv.join(' ')} → ${kind}`, () => {
      assert.deepEqual(parseArgs(argv), { kind });
    });
  }
});

describe('parseArgs: refused with invalid_params', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['--no-such-flag'], /unknown flag --no-such-flag/],
    ['unknown flag with a value', ['--colour=red'], /unknown flag --colour/],
    ['a single dash', ['-h'], /unexpected argument "-h"/],
    ['a stray argument', ['start'], /unexpected argument "start"/],
    ['a stray argument after a flag', ['--root', '/x', 'extra'], /unexpected argument "extra"/],
    ['missing value at the end', ['--root'], /--root needs a value \(DIR\)/],
    ['empty value with =', ['--state='], /--state needs a value \(DIR\)/],
    ['empty value', ['--group', ''], /--group needs a value \(GROUP\)/],
    ['relative --root', ['--root', 'var/lib/corral'], /--root must be an absolute path, got "var\/lib\/corral"/],
    ['relative --state', ['--state', './run'], /--state must be an absolute path/],
    ['a flag taken as the missing value of --root', ['--root', '--state', '/x'], /--root needs a value \(DIR\), got the flag --state/],
    ['a flag=value taken as the missing value of --socket', ['--socket', '--state=/srv/s'], /--socket needs a value \(PATH\), got the flag --state=\/srv\/s; write --socket=--state=\/srv\/s/],
    ['relative --socket', ['--socket', 'api.sock'], /--socket must be an absolute path, got "api.sock"/],
    ['relative --ro-socket', ['--ro-socket', 'run/ro.sock'], /--ro-socket must be an absolute path/],
    ['one file for both sockets', ['--socket', '/x/api.sock', '--ro-socket', '/x/./api.sock'], /--socket and --ro-socket must be different files/],
    ['--socket on the default read-only socket', ['--state', '/s', '--socket', '/s/corrald-ro.sock'], /must be different files/],
    ['--root and --state the same', ['--root', '/srv/c', '--state', '/srv/c'], /--root and --state must be different folders/],
    ['--root and --state the same but for a trailing slash', ['--root', '/srv/c/', '--state', '/srv/c'], /--root and --state must be different folders/],
    ['--root and --state the same but for dots', ['--root', '/srv/./c', '--state', '/srv/x/../c'], /--root and --state must be different folders/],
    ['not a number', ['--max-connections', 'many'], /--max-connections must be a whole number of at least 1, got "many"/],
    ['a fraction', ['--max-message-bytes', '1024.5'], /--max-message-bytes must be a whole number of at least 256/],
    ['below the minimum', ['--max-message-bytes', '255'], /--max-message-bytes must be a whole number of at least 256, got "255"/],
    ['zero connections', ['--max-connections=0'], /--max-connections must be a whole number of at least 1/],
    ['zero subscriptions', ['--max-subscriptions', '0'], /--max-subscriptions/],
    ['a small history', ['--event-history', '99'], /--event-history must be a whole number of at least 100/],
    ['--log-size-max below -1', ['--log-size-max', '-2'], /--log-size-max must be a whole number of at least -1/],
    ['a number with a unit', ['--log-size-max', '10M'], /--log-size-max/],
    ['bad log level', ['--log-level', 'verbose'], /--log-level must be one of trace, debug, info, warn, error, fatal, silent/],
    ['--cri-stream-address without a port', ['--cri-stream-address', '127.0.0.1'], /--cri-stream-address must be HOST:PORT/],
    ['--cri-stream-address past the last port', ['--cri-stream-address', 'localhost:65536'], /--cri-stream-address must be HOST:PORT/],
    ['--cri-stream-address on every interface', ['--cri-stream-address', '0.0.0.0:10010'], /must name an address clients can reach, not "0.0.0.0"/],
    ['--cri-stream-address with --no-cri', ['--no-cri', '--cri-stream-address', '127.0.0.1:0'], /--no-cri and --cri-stream-address contradict/],
    ['log level in capitals', ['--log-level', 'INFO'], /--log-level must be one of/],
  ];
  for (const [name, argv, message] of cases) {
    test(`${name}: ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseArgs(argv),
        (err: unknown) => {
          assert.ok(err instanceof CorralError);
          assert.equal(err.reason, 'invalid_params');
          assert.match(err.message, /^corrald: /);
          assert.match(err.message, message);
          assert.match(err.message, /see corrald --help$/);
          return true;
        },
      );
    });
  }
});

describe('helpText', () => {
  const text = helpText();
  const rows = text.split('\n');

  test('starts with the usage line', () => {
    assert.equal(rows[0], 'Usage: corrald [FLAGS]');
  });

  for (const f of flags) {
    test(`lists --${f.name}${f.value ? ` ${f.value}` : ''} with its help and default`, () => {
      const row = rows.find((r) => r.trimStart().startsWith(`--${f.name} `) || r.trim() === `--${f.name}` || r.trimStart().startsWith(`--${f.name}${f.value ? ` ${f.value}` : ''} `));
      assert.ok(row, `a row for --${f.name}`);
      if (f.value) assert.ok(row.includes(`--${f.name} ${f.value}`), row);
      assert.ok(row.includes(f.help), row);
      if (f.default) assert.ok(row.includes(`(default: ${f.default})`), row);
      else assert.ok(!row.includes('(default:'), row);
    });
  }

  test('every flag the parser accepts is in the table, and the table is the help', () => {
    const listed = [...text.matchAll(/^\s+--([a-z-]+)/gm)].map((m) => m[1]);
    assert.deepEqual(listed, flags.map((f) => f.name));
    for (const f of flags) {
      const sample = f.name === 'root' ? '/r' : f.name === 'state' ? '/s' : f.name === 'log-level' ? 'warn' : f.value === 'HOST:PORT' ? '127.0.0.1:0' : /BYTES|N/.test(f.value ?? '') ? '1000' : '/p';
      if (f.value) assert.doesNotThrow(() => parseArgs([`--${f.name}=${sample}`]), f.name);
      // a switch either answers at once (--help, --version) or is a setting (--no-cri)
      else if (f.name === 'help' || f.name === 'version') assert.notEqual(parseArgs([`--${f.name}`]).kind, 'run');
      else assert.equal(parseArgs([`--${f.name}`]).kind, 'run');
    }
  });
});
