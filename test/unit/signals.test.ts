// Signals as the API takes them: a name with or without SIG in any case, a
// decimal string or a number 1-64 become the number runc and kill(2) take,
// and nothing given means SIGTERM; anything else (an unknown name, 0, 65, a
// fraction, an empty string) is invalid_params at data.issues[0].path
// "signal", with a message that quotes what was sent and shows valid names.
// The Signal schema of shared/api.ts, which checks the params of
// container.kill and process.kill, accepts exactly the same values and
// refuses the rest with that message. signalName gives the preferred name
// (SIGABRT, not SIGIOT) and round-trips through toSignalNumber for every
// signal 1-64.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { methods, Signal } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';
import { DEFAULT_SIGNAL, SIGKILL, signalName, toSignalNumber } from '../../daemon/runtime/signals.js';

const accepted: [string | number | undefined, number][] = [
  [undefined, 15],
  ['SIGTERM', 15],
  ['TERM', 15],
  ['term', 15],
  ['SigTerm', 15],
  [' KILL ', 9],
  ['SIGKILL', 9],
  ['kill', 9],
  ['HUP', 1],
  ['sigint', 2],
  ['USR1', 10],
  ['SIGUSR2', 12],
  ['STOP', 19],
  ['CONT', 18],
  ['WINCH', 28],
  ['9', 9],
  ['09', 9],
  [' 15 ', 15],
  ['1', 1],
  ['64', 64],
  [9, 9],
  [1, 1],
  [34, 34],
  [64, 64],
];
const refused: (string | number)[] = ['SIGNOPE', 'NOPE', 'SIG', '', '   ', 'SIG TERM', '-9', '+9', '9.0', '1e1', '0', '65', '100', 0, 65, -1, 1.5, Number.NaN, Infinity];

describe('toSignalNumber', () => {
  for (const [signal, n] of accepted) {
    test(`${JSON.stringify(signal) ?? 'undefined'} → ${n}`, () => {
      assert.equal(toSignalNumber(signal), n);
    });
  }

  for (const signal of refused) {
    test(`${JSON.stringify(signal) ?? String(signal)} → invalid_params`, () => {
      assert.throws(
        () => toSignalNumber(signal),
        (err: unknown) => {
          assert.ok(err instanceof CorralError);
          assert.equal(err.reason, 'invalid_params');
          assert.deepEqual(err.data.issues, [{ path: 'signal', message: 'unknown signal' }]);
          assert.match(err.message, /^unknown signal /);
          assert.match(err.message, /SIGHUP/, 'shows valid names');
          assert.match(err.message, /a number 1-64/);
          return true;
        },
      );
    });
  }

  test('the message quotes what was sent', () => {
    assert.throws(() => toSignalNumber('SIGNOPE'), /unknown signal "SIGNOPE"/);
    assert.throws(() => toSignalNumber(65), /unknown signal 65/);
  });

  test('the constants', () => {
    assert.equal(DEFAULT_SIGNAL, 15);
    assert.equal(SIGKILL, 9);
  });
});

describe('the Signal schema', () => {
  const accepts = (signal: unknown) => Signal.safeParse(signal).success;
  const converts = (signal: string | number) => {
    try {
      toSignalNumber(signal);
      return true;
    } catch {
      return false;
    }
  };

  test('accepts what toSignalNumber takes', () => {
    for (const [signal] of accepted) if (signal !== undefined) assert.ok(accepts(signal), JSON.stringify(signal));
  });

  test('refuses the rest, quoting what was sent and showing valid names', () => {
    for (const signal of [...refused, true, null, [], {}, 'x'.repeat(100)]) {
      const r = Signal.safeParse(signal);
      assert.equal(r.success, false, JSON.stringify(signal) ?? String(signal));
      assert.equal(r.error!.issues.length, 1);
      assert.match(r.error!.issues[0].message, /^unknown signal .*SIGHUP.*a number 1-64$/);
    }
    assert.match(Signal.safeParse('SIGNOPE').error!.issues[0].message, /unknown signal "SIGNOPE"/);
  });

  test('agrees with toSignalNumber on any string or number', () => {
    const names = ['TERM', 'sigkill', 'Hup', 'IOT', 'poll', 'SIGRTMIN', 'SIG', 'SIGSIGTERM', 'TERM\n', '\tINT'];
    const signals = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...names), fc.integer({ min: -5, max: 70 }).map(String), fc.integer({ min: -5, max: 70 }), fc.double());
    fc.assert(fc.property(signals, (signal) => accepts(signal) === converts(signal)), { numRuns: 2000 });
  });

  test('a refused signal is invalid_params at "signal" of both kill methods', () => {
    const cases = [
      ['container.kill', { id: 'web', signal: 'SIGNOPE' }],
      ['process.kill', { id: 'web', processId: 'sh', signal: 'SIGNOPE' }],
    ] as const;
    for (const [name, params] of cases) {
      const r = methods[name].params.safeParse(params);
      assert.equal(r.success, false);
      assert.deepEqual(r.error!.issues.map((i) => i.path), [['signal']], name);
    }
  });
});

describe('signalName', () => {
  const cases: [number, string][] = [
    [1, 'SIGHUP'],
    [2, 'SIGINT'],
    [6, 'SIGABRT'],
    [9, 'SIGKILL'],
    [15, 'SIGTERM'],
    [17, 'SIGCHLD'],
    [29, 'SIGIO'],
    [31, 'SIGSYS'],
    [0, '0'],
    [40, '40'],
    [99, '99'],
  ];
  for (const [n, name] of cases) {
    test(`${n} → ${name}`, () => {
      assert.equal(signalName(n), name);
    });
  }

  test('round trip: toSignalNumber(signalName(n)) is n for every signal 1-64', () => {
    for (let n = 1; n <= 64; n++) assert.equal(toSignalNumber(signalName(n)), n, `${n} (${signalName(n)})`);
  });
});
