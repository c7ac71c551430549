// What a key does in a dialog, as a pure function: the next dialog (or none),
// a notice to show, and the request to make, if any. The safety rules live
// here where they can be tested without a terminal: in the delete
// confirmation only `y` deletes and Enter or any other key cancels; a running
// (or paused) container is only deleted, with force, when its id is typed
// out; the signal picker starts on TERM and, a kill being as final as a
// delete, sends only on `y` (Enter cancels there too); exec and create check
// their input before anything is sent.
import type { Key } from 'ink';
import { ID_PATTERN } from '../shared/api.js';
import { errorText, splitArgs } from './format.js';

export const SIGNALS = ['TERM', 'INT', 'HUP', 'QUIT', 'KILL', 'USR1', 'USR2'] as const;

export type Dialog =
  | { kind: 'kill'; id: string; processId?: string; index: number }
  | { kind: 'delete'; id: string; running: boolean; typed: string }
  | { kind: 'exec'; id: string; text: string; error?: string }
  | { kind: 'execOutput' }
  | { kind: 'create'; id: string; bundle: string; start: boolean; field: 0 | 1 | 2; error?: string };

export type DialogAct =
  | { kind: 'kill'; id: string; signal: string; processId?: string }
  | { kind: 'delete'; id: string; force: boolean }
  | { kind: 'exec'; id: string; args: string[] }
  | { kind: 'create'; id: string; bundle: string; start: boolean }
  | { kind: 'closeExec' };

export interface DialogOutcome {
  dialog: Dialog | null;
  notice?: string;
  act?: DialogAct;
}

/** Text editing for prompts: printable input appends, Backspace deletes, Ctrl-U clears. */
export function edit(value: string, input: string, key: Key): string {
  if (key.backspace || key.delete) return value.slice(0, -1);
  if (key.ctrl && input === 'u') return '';
  if (key.ctrl || key.meta || key.tab || key.return || key.escape) return value;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return value;
  return value + input.replace(/[\r\n\t]/g, '');
}

export function dialogKey(d: Dialog, input: string, key: Key): DialogOutcome {
  const stay = (dialog: Dialog): DialogOutcome => ({ dialog });
  const cancel = (notice?: string): DialogOutcome => ({ dialog: null, notice });
  switch (d.kind) {
    case 'kill':
      if (key.escape || key.return || input === 'q' || input === 'n') return cancel('kill cancelled');
      if (key.upArrow || input === 'k') return stay({ ...d, index: Math.max(0, d.index - 1) });
      if (key.downArrow || input === 'j') return stay({ ...d, index: Math.min(SIGNALS.length - 1, d.index + 1) });
      if (input === 'y' && !key.ctrl && !key.meta) return { dialog: null, act: { kind: 'kill', id: d.id, signal: `SIG${SIGNALS[d.index]}`, processId: d.processId } };
      return stay(d);
    case 'delete':
      if (!d.running) {
        if (input === 'y' && !key.ctrl && !key.meta) return { dialog: null, act: { kind: 'delete', id: d.id, force: false } };
        return cancel(`${d.id} not deleted`);
      }
      if (key.escape) return cancel(`${d.id} not deleted`);
      if (key.return) {
        if (d.typed !== d.id) return cancel(`${d.id} not deleted: the typed id did not match`);
        return { dialog: null, act: { kind: 'delete', id: d.id, force: true } };
      }
      return stay({ ...d, typed: edit(d.typed, input, key) });
    case 'exec': {
      if (key.escape) return cancel();
      if (!key.return) return stay({ ...d, text: edit(d.text, input, key), error: undefined });
      let args: string[];
      try {
        args = splitArgs(d.text);
      } catch (err) {
        return stay({ ...d, error: errorText(err) });
      }
      if (!args.length) return stay({ ...d, error: 'type a command, e.g. ls -l /' });
      return { dialog: { kind: 'execOutput' }, act: { kind: 'exec', id: d.id, args } };
    }
    case 'execOutput':
      if (key.escape || key.return || input === 'q') return { dialog: null, act: { kind: 'closeExec' } };
      return stay(d);
    case 'create': {
      if (key.escape) return cancel();
      if (key.tab) return stay({ ...d, field: ((d.field + (key.shift ? 2 : 1)) % 3) as 0 | 1 | 2 });
      if (key.return) {
        const id = d.id.trim();
        const bundle = d.bundle.trim();
        if (!ID_PATTERN.test(id)) return stay({ ...d, field: 0, error: 'id: 1-64 of a-z A-Z 0-9 _ . -, first a letter or digit' });
        if (!bundle.startsWith('/')) return stay({ ...d, field: 1, error: 'bundle: an absolute path to a folder with config.json' });
        return { dialog: null, act: { kind: 'create', id, bundle, start: d.start } };
      }
      if (d.field === 2) return stay(input === ' ' ? { ...d, start: !d.start } : d);
      return stay(d.field === 0 ? { ...d, id: edit(d.id, input, key), error: undefined } : { ...d, bundle: edit(d.bundle, input, key), error: undefined });
    }
  }
}
