// The runtime's pure decisions, table by table: every lifecycle Operation
// against every ContainerState is either allowed or refused with an
// invalid_state CorralError that names the container, the state and what to do
// instead; an exit file's text becomes an exit code or "not yet"; a
// container's state follows the init exit first and runc's word second; what
// recovery concludes about a process for each meaningful combination of the
// facts it gathered (and, over all 64 combinations, the invariants that hold
// whatever the order of the rules); and a monitor is leaked exactly when no
// live record claims its (container, session) key; and when an OOM kill is
// reported, named for which exit, and with which counter value.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerState, type ContainerStateT } from '../../shared/api.js';
import { CorralError, ErrorCodes } from '../../shared/errors.js';
import type { RuncStatus } from '../../daemon/oci/runc.js';
import {
  EXIT_UNKNOWN,
  REASON_MONITOR_LOST,
  REASON_REBOOT,
  allowedFrom,
  checkTransition,
  containerState,
  decideOom,
  isLeakedMonitor,
  judgeProcess,
  monitorKey,
  parseExitFile,
  type OomFacts,
  type Operation,
  type ProcessFacts,
  type ProcessVerdict,
} from '../../daemon/runtime/decide.js';

const STATES = ContainerState.options as readonly ContainerStateT[];

/** The expected table, written out by hand: Y allowed, . refused (columns: created running paused stopped). */
const TABLE: Record<Operation, string> = {
  start: /*       */ 'Y . . .',
  pause: /*       */ '. Y . .',
  resume: /*      */ '. . Y .',
  kill: /*        */ 'Y Y Y .',
  exec: /*        */ '. Y . .',
  update: /*      */ 'Y Y Y .',
  stats: /*       */ 'Y Y Y .',
  delete: /*      */ 'Y . . Y',
  forceDelete: /* */ 'Y Y Y Y',
};
const OPERATIONS = Object.keys(TABLE) as Operation[];

/** Words the refusal must contain to tell the user what to do, per operation. */
const ADVICE: Partial<Record<Operation, RegExp>> = {
  start: /create it again/,
  pause: /only a running container/,
  resume: /only a paused container/,
  kill: /already stopped/,
  exec: /running container|resume/,
  update: /stopped container/,
  stats: /stopped container/,
  delete: /container\.kill|force: true/,
};

describe('checkTransition: every operation × every state', () => {
  test('the state list is the four of the API, in the order of the table', () => {
    assert.deepEqual([...STATES], ['created', 'running', 'paused', 'stopped']);
  });

  test('allowedFrom covers every operation and matches the hand-written table', () => {
    assert.deepEqual(Object.keys(allowedFrom).sort(), [...OPERATIONS].sort());
    for (const op of OPERATIONS) {
      const expected = STATES.filter((_, i) => TABLE[op].split(' ')[i] === 'Y');
      assert.deepEqual([...allowedFrom[op]].sort(), [...expected].sort(), op);
    }
  });

  for (const op of OPERATIONS) {
    STATES.forEach((state, i) => {
      const allowed = TABLE[op].split(' ')[i] === 'Y';
      test(`${op} from ${state}: ${allowed ? 'allowed' : 'invalid_state'}`, () => {
        if (allowed) {
          assert.doesNotThrow(() => checkTransition(op, 'web-1', state));
          return;
        }
        assert.throws(
          () => checkTransition(op, 'web-1', state),
          (err: unknown) => {
            assert.ok(err instanceof CorralError, 'a CorralError');
            assert.equal(err.reason, 'invalid_state');
            assert.equal(err.code, ErrorCodes.invalid_state);
            assert.equal(err.data.state, state);
            const verb = op === 'forceDelete' ? 'delete' : op;
            assert.match(err.message, new RegExp(`^cannot ${verb} container web-1: it is ${state}; \\S`));
            assert.match(err.message, ADVICE[op]!, 'says what to do');
            assert.doesNotMatch(err.message, /;\s*$/, 'no empty hint');
            return true;
          },
        );
      });
    });
  }
});

describe('parseExitFile', () => {
  const cases: [string | undefined, number | undefined][] = [
    ['0', 0],
    ['0\n', 0],
    ['1', 1],
    ['137\n', 137],
    ['  143  \n', 143],
    ['255', 255],
    ['-1', 255],
    ['-9\n', 255],
    ['', undefined],
    ['\n', undefined],
    ['   ', undefined],
    ['garbage', undefined],
    ['12abc', undefined],
    ['1.5', undefined],
    ['0x10', undefined],
    ['1e3', undefined],
    ['1\n2\n', undefined],
    [undefined, undefined],
  ];
  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} → ${expected}`, () => {
      assert.equal(parseExitFile(text), expected);
    });
  }
});

describe('containerState', () => {
  const RUNC: RuncStatus[] = ['creating', 'created', 'running', 'paused', 'stopped'];
  const expected: Record<RuncStatus, ContainerStateT> = {
    creating: 'created',
    created: 'created',
    running: 'running',
    paused: 'paused',
    // init's exit is not read yet: stopped is said once, with its exit code
    stopped: 'running',
  };
  for (const runc of RUNC) {
    test(`init's exit not recorded, runc says ${runc} → ${expected[runc]}`, () => {
      assert.equal(containerState(false, runc), expected[runc]);
    });
    test(`init's exit recorded, runc says ${runc} → stopped (the exit file wins)`, () => {
      assert.equal(containerState(true, runc), 'stopped');
    });
  }
});

describe('judgeProcess', () => {
  const facts = (f: Partial<ProcessFacts>): ProcessFacts => ({
    recorded: false,
    exitFile: undefined,
    rebooted: false,
    monitorAlive: false,
    processAlive: false,
    hasPid: true,
    ...f,
  });
  const cases: [string, Partial<ProcessFacts>, ProcessVerdict][] = [
    ['exit already recorded', { recorded: true }, { kind: 'recorded' }],
    ['recorded wins over an exit file', { recorded: true, exitFile: 3 }, { kind: 'recorded' }],
    ['recorded wins over a live monitor', { recorded: true, monitorAlive: true, processAlive: true }, { kind: 'recorded' }],
    ['recorded wins over a reboot', { recorded: true, rebooted: true }, { kind: 'recorded' }],
    ['exit file, monitor gone', { exitFile: 0 }, { kind: 'exited', status: 0 }],
    ['exit file, monitor still finishing', { exitFile: 137, monitorAlive: true }, { kind: 'exited', status: 137 }],
    ['rebooted with an exit file → the file\'s code', { rebooted: true, exitFile: 42 }, { kind: 'exited', status: 42 }],
    ['rebooted with an exit file and no pid → the file\'s code', { rebooted: true, exitFile: 1, hasPid: false }, { kind: 'exited', status: 1 }],
    ['rebooted without an exit file → 255, reboot', { rebooted: true }, { kind: 'exited', status: EXIT_UNKNOWN, reason: REASON_REBOOT }],
    [
      'rebooted, stale pids that happen to look alive → still 255, reboot',
      { rebooted: true, monitorAlive: true, processAlive: true },
      { kind: 'exited', status: EXIT_UNKNOWN, reason: REASON_REBOOT },
    ],
    ['rebooted before the pid was recorded → incomplete', { rebooted: true, hasPid: false }, { kind: 'incomplete' }],
    ['monitor and process alive → live', { monitorAlive: true, processAlive: true }, { kind: 'live' }],
    ['monitor alive, process just exited (file not yet written) → live', { monitorAlive: true }, { kind: 'live' }],
    ['monitor dead, process alive → unmonitored', { processAlive: true }, { kind: 'unmonitored' }],
    ['monitor and process dead, no exit file → 255, monitor lost', {}, { kind: 'exited', status: EXIT_UNKNOWN, reason: REASON_MONITOR_LOST }],
    ['no pid, nothing alive → incomplete', { hasPid: false }, { kind: 'incomplete' }],
    ['no pid, process "alive" (cannot be: no pid) → incomplete', { hasPid: false, processAlive: true }, { kind: 'incomplete' }],
  ];
  for (const [name, f, verdict] of cases) {
    test(name, () => {
      assert.deepEqual(judgeProcess(facts(f)), verdict);
    });
  }

  test('invariants over all 64 combinations of the flags (exit file absent or 7)', () => {
    const bools = [false, true];
    let n = 0;
    for (const recorded of bools)
      for (const hasExit of bools)
        for (const rebooted of bools)
          for (const monitorAlive of bools)
            for (const processAlive of bools)
              for (const hasPid of bools) {
                const f: ProcessFacts = { recorded, exitFile: hasExit ? 7 : undefined, rebooted, monitorAlive, processAlive, hasPid };
                const v = judgeProcess(f);
                const at = JSON.stringify(f);
                n++;
                if (recorded) {
                  assert.deepEqual(v, { kind: 'recorded' }, at);
                  continue;
                }
                if (hasExit) {
                  assert.deepEqual(v, { kind: 'exited', status: 7 }, `the exit file is the truth: ${at}`);
                  continue;
                }
                if (v.kind === 'exited') {
                  assert.equal(v.status, EXIT_UNKNOWN, at);
                  assert.equal(v.reason, rebooted ? REASON_REBOOT : REASON_MONITOR_LOST, at);
                  assert.ok(hasPid, `an exit is only guessed for a process that started: ${at}`);
                }
                if (v.kind === 'live') assert.ok(monitorAlive && !rebooted, at);
                if (v.kind === 'unmonitored') assert.ok(processAlive && !monitorAlive && hasPid && !rebooted, at);
                if (v.kind === 'incomplete') assert.ok(!hasPid, at);
                if (!hasPid && !monitorAlive) assert.equal(v.kind, 'incomplete', at);
                if (rebooted) assert.ok(v.kind === 'exited' || v.kind === 'incomplete', `nothing survives a reboot: ${at}`);
                assert.notEqual(v.kind, 'recorded', at);
              }
    assert.equal(n, 64);
  });
});

describe('isLeakedMonitor / monitorKey', () => {
  const owned = new Set([monitorKey('web', 'init-1a2b'), monitorKey('db', 'exec-ff00')]);
  const cases: [string, string, boolean][] = [
    ['web', 'init-1a2b', false],
    ['db', 'exec-ff00', false],
    ['web', 'exec-ff00', true],
    ['db', 'init-1a2b', true],
    ['gone', 'init-0000', true],
    ['web', 'init-1a2', true],
    ['we', 'binit-1a2b', true],
  ];
  for (const [containerId, session, leaked] of cases) {
    test(`${containerId}/${session}: ${leaked ? 'leaked' : 'owned'}`, () => {
      assert.equal(isLeakedMonitor({ containerId, session }, owned), leaked);
    });
  }

  test('an empty set owns nothing', () => {
    assert.equal(isLeakedMonitor({ containerId: 'web', session: 'init-1a2b' }, new Set()), true);
  });

  test('the key keeps (container, session) apart: no concatenation collides', () => {
    assert.notEqual(monitorKey('ab', 'c'), monitorKey('a', 'bc'));
    assert.notEqual(monitorKey('a.b', 'c'), monitorKey('a', 'b.c'));
    assert.notEqual(monitorKey('a-', 'b'), monitorKey('a', '-b'));
    assert.equal(monitorKey('web', 's1'), monitorKey('web', 's1'));
    assert.ok(!isLeakedMonitor({ containerId: 'ab', session: 'c' }, new Set([monitorKey('ab', 'c')])));
    assert.ok(isLeakedMonitor({ containerId: 'a', session: 'bc' }, new Set([monitorKey('ab', 'c')])));
  });
});

describe('decideOom', () => {
  const base: OomFacts = { kills: 0, reportedKills: undefined, reportedBefore: false, oomFile: false, victimPending: false, claimsIt: false };
  const cases: [string, Partial<OomFacts>, ReturnType<typeof decideOom>][] = [
    ['no kill counted', {}, { report: false }],
    // the race CI met: the victim's conmon handled its exit before the kernel's notice and wrote no oom file
    ['a 137 exit with a kill counted and no oom file: reported, named', { kills: 1, claimsIt: true }, { report: true, kills: 1 }],
    ['a kill already reported is not reported again', { kills: 1, reportedKills: 1, reportedBefore: true, claimsIt: true }, { report: false }],
    ['a second kill later is a second report', { kills: 2, reportedKills: 1, reportedBefore: true, claimsIt: true }, { report: true, kills: 2 }],
    ['an unclaimed kill while no death is pending: reported', { kills: 1 }, { report: true, kills: 1 }],
    ['an unclaimed kill while a dead process awaits its exit: left for that exit', { kills: 1, victimPending: true }, { report: false }],
    ['a claiming exit does not wait for other deaths', { kills: 1, victimPending: true, claimsIt: true }, { report: true, kills: 1 }],
    ['a record from before counters that reported once: its kills were reported', { kills: 1, reportedBefore: true }, { report: false }],
    ['...and a kill after that one is new', { kills: 2, reportedKills: 1, reportedBefore: true }, { report: true, kills: 2 }],
    ['counter gone (rebooted), oom file left: reported once', { kills: undefined, oomFile: true, claimsIt: true }, { report: true, kills: 1 }],
    ['counter gone, oom file, already reported: not again', { kills: undefined, oomFile: true, reportedBefore: true, reportedKills: 1 }, { report: false }],
    ['counter gone, no oom file: nothing to report', { kills: undefined, claimsIt: true }, { report: false }],
  ];
  for (const [name, facts, want] of cases) {
    test(name, () => assert.deepEqual(decideOom({ ...base, ...facts }), want));
  }
});
