// The edges where runc and conmon speak to corrald, without running either:
// classifyRuntimeError turns the messages runc 1.1.5 really prints (captured
// from `runc --log-format json` on this kind of host, for each operation in
// each wrong state) into the error reason of DESIGN.md, and never mistakes a
// missing file for a missing container; lastRuntimeMessage finds runc's last
// error in json log lines, logrus text lines, plain stderr and mixtures of
// them; parseSyncMessage reads conmon's sync line (success and failure lines
// as conmon 2.1 sends them, and garbage); conmonArgs builds the command line
// with the runtime args in order, -e --exec-process-spec for an exec only and
// --log-size-max only when positive.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorReason } from '../../shared/errors.js';
import { classifyRuntimeError, lastRuntimeMessage, runtimeError } from '../../daemon/oci/runc.js';
import { conmonArgs, parseSyncMessage, type ConmonLaunch } from '../../daemon/oci/conmon.js';

describe('classifyRuntimeError: runc 1.1.5 messages', () => {
  const cases: [string, ErrorReason][] = [
    // any command on an unknown id
    ['container does not exist', 'not_found'],
    ['exec failed: container does not exist', 'not_found'],
    ['container "web" does not exist', 'not_found'],
    // start
    ['cannot start an already running container', 'invalid_state'],
    ['cannot start a container that has stopped', 'invalid_state'],
    ['cannot start a container in the paused state', 'invalid_state'],
    // pause / resume / kill / update on the wrong state
    ['container not running', 'invalid_state'],
    ['cannot pause a container that is not running', 'invalid_state'],
    ['container not paused', 'invalid_state'],
    ['container with id web is not running', 'invalid_state'],
    // exec
    ['exec failed: cannot exec in a paused container (use --ignore-paused to override)', 'invalid_state'],
    ['exec failed: cannot exec in a stopped container', 'invalid_state'],
    // delete without force
    ['cannot delete container web that is not stopped: running', 'invalid_state'],
    ['cannot delete container web that is not stopped: paused', 'invalid_state'],
    ['container still running', 'invalid_state'],
    // a full disk under --state is the host's state, whatever runc was doing
    ['exec failed: write /run/corral/containers/web/x/.pid: no space left on device', 'unavailable'],
    ['Failed to write to log, write /run/corral/containers/web/init/runc.log: no space left on device', 'unavailable'],
    ['open /run/corral/runc/web/state.json: read-only file system', 'unavailable'],
    // missing files are not missing containers
    ['runc create failed: invalid rootfs: stat /b/rootfs: no such file or directory', 'runtime_error'],
    ['runc create failed: chdir /nobundle: no such file or directory', 'runtime_error'],
    ['exec failed: unable to start container process: chdir to cwd ("/nope") set in config.json failed: no such file or directory', 'runtime_error'],
    ['exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH', 'runtime_error'],
    // permissions
    ['exec failed: unable to start container process: exec: "/etc/passwd": permission denied', 'runtime_error'],
    ['open /run/corral/runc/web/state.json: permission denied', 'runtime_error'],
    ['runc create failed: unable to start container process: error during container init: error mounting "proc" to rootfs at "/proc": permission denied', 'runtime_error'],
    // resources and ids
    ['unable to set memory limit to 1 (current usage: 389120, peak usage: 2486272)', 'runtime_error'],
    ['runc create failed: container with given ID already exists', 'runtime_error'],
    // criu: missing or unusable on this host
    ['exec: "criu": executable file not found in $PATH', 'unavailable'],
    ['fork/exec /usr/sbin/criu: no such file or directory', 'unavailable'],
    ['criu failed: type DUMP errno 0\nlog file: dump.log', 'unavailable'],
    ['CRIU version check failed: exit status 1', 'unavailable'],
    // cgroup features
    ['cgroup v1 memory controller not mounted', 'unavailable'],
    ['operation not supported', 'unavailable'],
    // nothing to go on
    ['', 'runtime_error'],
    ['signal: killed', 'runtime_error'],
  ];
  for (const [message, reason] of cases) {
    test(`${JSON.stringify(message)} → ${reason}`, () => {
      assert.equal(classifyRuntimeError(message), reason);
    });
  }

  test('the case of the message does not matter', () => {
    assert.equal(classifyRuntimeError('CONTAINER DOES NOT EXIST'), 'not_found');
    assert.equal(classifyRuntimeError('Container Not Running'), 'invalid_state');
  });

  test('runtimeError carries the reason, runc\'s words and the cause', () => {
    const cause = new Error('exit status 1');
    const e = runtimeError('runc pause failed', 'container not running', cause);
    assert.equal(e.reason, 'invalid_state');
    assert.equal(e.message, 'runc pause failed: container not running');
    assert.equal(e.data.stderr, 'container not running');
    assert.equal(e.cause, cause);
    const empty = runtimeError('runc start failed', '');
    assert.equal(empty.reason, 'runtime_error');
    assert.equal(empty.message, 'runc start failed: no message');
  });
});

describe('lastRuntimeMessage', () => {
  const json = (level: string, msg: string) => JSON.stringify({ level, msg, time: '2026-11-28T13:30:05Z' });
  const cases: [string, string, string][] = [
    ['empty output', '', ''],
    ['only blank lines', '\n\n  \n', ''],
    ['one json error line', json('error', 'container does not exist') + '\n', 'container does not exist'],
    [
      'a warning then the error (runc update)',
      json('warning', 'Setting back cgroup configs failed') + '\n' + json('error', 'unable to set memory limit to 1') + '\n',
      'unable to set memory limit to 1',
    ],
    [
      'the error then a later warning: the error wins',
      json('error', 'container paused') + '\n' + json('warning', 'something after') + '\n',
      'container paused',
    ],
    [
      'two errors: the last one (runc checkpoint)',
      json('error', 'container paused') + '\n' + json('error', 'criu failed: type DUMP errno 0\nlog file: dump.log') + '\n',
      'criu failed: type DUMP errno 0\nlog file: dump.log',
    ],
    ['fatal counts as an error', json('fatal', 'nsenter: failed') + '\n', 'nsenter: failed'],
    ['json info lines only: the last line as it is', json('info', 'hello'), json('info', 'hello')],
    ['logrus text line', 'time="2026-11-28T13:30:06Z" level=error msg="container does not exist"\n', 'container does not exist'],
    [
      'logrus text with escaped quotes',
      'time="2026-11-28T13:30:34Z" level=error msg="exec failed: exec: \\"nosuchcmd\\": executable file not found in $PATH"',
      'exec failed: exec: "nosuchcmd": executable file not found in $PATH',
    ],
    ['logrus fatal', 'time="x" level=fatal msg="cannot run"', 'cannot run'],
    ['logrus warning then plain stderr: the plain line', 'time="x" level=warning msg="careful"\nsomething broke\n', 'something broke'],
    [
      'plain stderr after a json log file error (runc --log FILE prints plain text)',
      'runc create failed: invalid rootfs: stat /b2/rootfs: no such file or directory\n',
      'runc create failed: invalid rootfs: stat /b2/rootfs: no such file or directory',
    ],
    [
      'mixed: json error, then a logrus error: the later one',
      json('error', 'first') + '\ntime="x" level=error msg="second"\n',
      'second',
    ],
    [
      'mixed: logrus error, then a json debug line: the logrus error',
      'time="x" level=error msg="the error"\n' + json('debug', 'noise') + '\n',
      'the error',
    ],
    ['CRLF line ends and surrounding blanks', '\r\n' + json('error', 'container not running') + '\r\n\r\n', 'container not running'],
    ['a plain line with no error anywhere: that line', 'first\nlast words\n', 'last words'],
  ];
  for (const [name, output, expected] of cases) {
    test(name, () => {
      assert.equal(lastRuntimeMessage(output), expected);
    });
  }
});

describe('parseSyncMessage', () => {
  const cases: [string, string, { pid: number } | { error: string }][] = [
    ['conmon 2.1 success', '{"data": 25581}', { pid: 25581 }],
    ['success with its newline', '{"data": 1}\n', { pid: 1 }],
    [
      'conmon 2.1 create failure: runc\'s message, trimmed',
      '{"data": -1, "message": "runc create failed: invalid rootfs: stat /b2/rootfs: no such file or directory\\n"}',
      { error: 'runc create failed: invalid rootfs: stat /b2/rootfs: no such file or directory' },
    ],
    [
      'conmon 2.1 exec failure',
      '{"data": -1, "message": "exec failed: unable to start container process: exec: \\"nosuchcmd\\": executable file not found in $PATH\\n"}',
      { error: 'exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH' },
    ],
    ['failure without a message', '{"data": -1}', { error: 'conmon reported failure (-1)' }],
    ['pid 0 is no pid', '{"data": 0}', { error: 'conmon reported failure (0)' }],
    ['a string pid is no pid', '{"data": "123"}', { error: 'conmon reported failure (123)' }],
    ['no data at all', '{}', { error: 'conmon reported failure (undefined)' }],
    ['an empty message is kept empty (the caller falls back to the runc log)', '{"data": -1, "message": " \\n"}', { error: '' }],
    ['not json', 'garbage', { error: 'conmon sent an unreadable sync message: garbage' }],
    ['a torn line', '{"data": 12', { error: 'conmon sent an unreadable sync message: {"data": 12' }],
  ];
  for (const [name, line, expected] of cases) {
    test(name, () => {
      assert.deepEqual(parseSyncMessage(line), expected);
    });
  }

  test('an unreadable line is quoted at most 200 characters', () => {
    const r = parseSyncMessage('x'.repeat(1000));
    assert.ok('error' in r);
    assert.equal(r.error, `conmon sent an unreadable sync message: ${'x'.repeat(200)}`);
  });
});

describe('conmonArgs', () => {
  const base: ConmonLaunch = {
    conmon: '/usr/bin/conmon',
    runtime: '/usr/sbin/runc',
    runcRoot: '/run/corral/runc',
    containerId: 'web',
    session: 'init-1a2b',
    bundle: '/run/corral/containers/web/init/bundle',
    pidFile: '/run/corral/containers/web/init/pid',
    conmonPidFile: '/run/corral/containers/web/init/conmon.pid',
    exitDir: '/var/lib/corral/containers/web/init',
    persistDir: '/var/lib/corral/containers/web/init',
    logFile: '/var/lib/corral/containers/web/init/log',
    socketDir: '/run/corral/containers/web/init',
    runcLogFile: '/run/corral/containers/web/init/runc.log',
    logSizeMax: 0,
  };
  /** The value that follows FLAG, asserting the flag appears exactly once. */
  const valueOf = (args: string[], flag: string) => {
    assert.equal(args.filter((a) => a === flag).length, 1, `${flag} once`);
    return args[args.indexOf(flag) + 1];
  };

  test('the fixed flags carry the launch\'s values', () => {
    const a = conmonArgs(base);
    assert.deepEqual(a.slice(0, 2), ['--api-version', '1']);
    assert.equal(valueOf(a, '-c'), 'web');
    assert.equal(valueOf(a, '-u'), 'init-1a2b');
    assert.equal(valueOf(a, '-n'), 'web');
    assert.equal(valueOf(a, '-r'), '/usr/sbin/runc');
    assert.equal(valueOf(a, '-b'), base.bundle);
    assert.equal(valueOf(a, '-p'), base.pidFile);
    assert.equal(valueOf(a, '-P'), base.conmonPidFile);
    assert.equal(valueOf(a, '--exit-dir'), base.exitDir);
    assert.equal(valueOf(a, '-0'), base.persistDir);
    assert.equal(valueOf(a, '-l'), `k8s-file:${base.logFile}`);
    assert.equal(valueOf(a, '--socket-dir-path'), base.socketDir);
    assert.ok(a.includes('--syslog'));
  });

  test('runtime args in order: --runtime-arg --root --runtime-arg DIR, then the json log', () => {
    const a = conmonArgs(base);
    const runtimeArgs: string[] = [];
    a.forEach((x, i) => {
      if (x === '--runtime-arg') runtimeArgs.push(a[i + 1]);
    });
    assert.deepEqual(runtimeArgs, ['--root', '/run/corral/runc', '--log-format=json', '--log', base.runcLogFile]);
    const i = a.indexOf('--runtime-arg');
    assert.deepEqual(a.slice(i, i + 4), ['--runtime-arg', '--root', '--runtime-arg', '/run/corral/runc']);
  });

  test('an init has no -e and no --exec-process-spec', () => {
    const a = conmonArgs(base);
    assert.ok(!a.includes('-e'));
    assert.ok(!a.includes('--exec-process-spec'));
  });

  test('an exec adds -e --exec-process-spec FILE', () => {
    const a = conmonArgs({ ...base, session: 'exec-ff00', execSpecFile: '/run/corral/containers/web/sh/process.json' });
    const i = a.indexOf('-e');
    assert.ok(i >= 0);
    assert.deepEqual(a.slice(i, i + 3), ['-e', '--exec-process-spec', '/run/corral/containers/web/sh/process.json']);
    assert.equal(valueOf(a, '-u'), 'exec-ff00');
    assert.equal(valueOf(a, '-c'), 'web');
  });

  const sizes: [number, string | undefined][] = [
    [0, undefined],
    [-1, undefined],
    [1, '1'],
    [10485760, '10485760'],
  ];
  for (const [logSizeMax, expected] of sizes) {
    test(`--log-size-max with logSizeMax ${logSizeMax}: ${expected ?? 'absent'}`, () => {
      const a = conmonArgs({ ...base, logSizeMax });
      if (expected === undefined) assert.ok(!a.includes('--log-size-max'));
      else assert.equal(valueOf(a, '--log-size-max'), expected);
    });
  }

  test('every flag that takes a value has one (no flag is followed by another flag by mistake)', () => {
    const a = conmonArgs({ ...base, logSizeMax: 5, execSpecFile: '/x/process.json' });
    for (const flag of ['-c', '-u', '-n', '-r', '-b', '-p', '-P', '--exit-dir', '-0', '-l', '--socket-dir-path', '--log-level', '--log-size-max', '--exec-process-spec']) {
      const v = valueOf(a, flag);
      assert.ok(v !== undefined && !v.startsWith('-'), `${flag} → ${v}`);
    }
  });
});
