// Signals as the API takes them: a name with or without SIG in any case, a
// decimal string or a number 1-64 become the number runc and kill(2) take,
// and nothing given means SIGTERM; anything else (an unknown name, 0, 65, a
// fraction, an empty string) is invalid_params at data.issues[0].path
// "signal", with a message that quotes what was sent and shows valid names.
// signalName gives the preferred name (SIGABRT, not SIGIOT) and round-trips
// through toSignalNumber for every signal 1-64.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CorralError } from '../../shared/errors.js';
import { DEFAULT_SIGNAL, SIGKILL, signalName, toSignalNumber } from '../../daemon/runtime/signals.js';

describe('toSignalNumber', () => {
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
  for (const [signal, n] of accepted) {
    test(`${JSON.stringify(signal) ?? 'undefined'} → ${n}`, () => {
      assert.equal(toSignalNumber(signal), n);
    });
  }

  const refused: (string | number)[] = ['SIGNOPE', 'NOPE', 'SIG', '', '   ', 'SIG TERM', '-9', '+9', '9.0', '1e1', '0', '65', '100', 0, 65, -1, 1.5, Number.NaN, Infinity];
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
