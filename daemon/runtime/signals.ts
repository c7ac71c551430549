// Signals as the number that runc and kill(2) take. Which names and numbers
// the API accepts is shared/api.ts's Signal schema, so params have been
// checked by the time they come here; a signal from anywhere else that names
// none is still invalid_params, with the schema's message. Pure.
import { SIGNAL_NAMES, signalNumber, unknownSignal } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';

export const DEFAULT_SIGNAL = 15;
export const SIGKILL = 9;

export function toSignalNumber(signal: string | number | undefined): number {
  if (signal === undefined) return DEFAULT_SIGNAL;
  const n = signalNumber(signal);
  if (n !== undefined) return n;
  throw new CorralError('invalid_params', unknownSignal(signal), { data: { issues: [{ path: 'signal', message: 'unknown signal' }] } });
}

export function signalName(n: number): string {
  return SIGNAL_NAMES.find((name) => signalNumber(name) === n) ?? String(n);
}
