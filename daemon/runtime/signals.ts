// Signal names and numbers as the API accepts them ("SIGTERM", "TERM", 15),
// turned into the number that runc and kill(2) take; unknown ones are
// invalid_params with the list of valid names. Pure.
import os from 'node:os';
import { CorralError } from '../../shared/errors.js';

const byName = os.constants.signals as Record<string, number>;
const names = Object.keys(byName).filter((n) => n.startsWith('SIG') && !['SIGUNUSED', 'SIGPOLL', 'SIGIOT', 'SIGLOST'].includes(n));

export const DEFAULT_SIGNAL = 15;
export const SIGKILL = 9;

export function toSignalNumber(signal: string | number | undefined): number {
  if (signal === undefined) return DEFAULT_SIGNAL;
  if (typeof signal === 'number') {
    if (Number.isInteger(signal) && signal >= 1 && signal <= 64) return signal;
  } else {
    const s = signal.trim().toUpperCase();
    if (/^\d+$/.test(s)) return toSignalNumber(Number(s));
    const n = byName[s.startsWith('SIG') ? s : `SIG${s}`];
    if (n !== undefined) return n;
  }
  throw new CorralError('invalid_params', `unknown signal ${JSON.stringify(signal)}; use a name such as ${names.slice(0, 6).join(', ')} or a number 1-64`, {
    data: { issues: [{ path: 'signal', message: 'unknown signal' }] },
  });
}

export function signalName(n: number): string {
  return names.find((k) => byName[k] === n) ?? String(n);
}
