// What a key does in a dialog, as a pure function: the next dialog (or none),
// a notice to show, and the request to make, if any. The safety rules live
// here where they can be tested without a terminal: in the delete
// confirmation only `y` deletes and Enter or any other key cancels; a running
// (or paused) container is only deleted, with force, when its id is typed
// out; the signal picker starts on TERM and, a kill being as final as a
// delete, sends only on `y` (Enter cancels there too); exec and create check
// their input before anything is sent. The create form takes a bundle's
// absolute path or an image ref in one field (a path starts with /), and
// optional args. The Images view's dialogs are image-dialogs.ts's.
import type { Key } from 'ink';
import { ID_PATTERN } from '../shared/api.js';
import { RefError, parseRef } from '../shared/image-ref.js';
import { errorText, splitArgs } from './format.js';
import { imageDialogKey, type ImageDialog, type ImageDialogAct } from './image-dialogs.js';
import { edit } from './text-input.js';

export const SIGNALS = ['TERM', 'INT', 'HUP', 'QUIT', 'KILL', 'USR1', 'USR2'] as const;

export type Dialog =
  | { kind: 'kill'; id: string; processId?: string; index: number }
  | { kind: 'delete'; id: string; running: boolean; typed: string }
  | { kind: 'exec'; id: string; text: string; error?: string }
  | { kind: 'execOutput' }
  /** `source`: a bundle's absolute path or an image ref; `args` as a shell would split them. */
  | { kind: 'create'; id: string; source: string; args: string; start: boolean; field: CreateField; error?: string }
  | ImageDialog;

type CreateField = 0 | 1 | 2 | 3;
const CREATE_FIELDS = 4;

export type DialogAct =
  | { kind: 'kill'; id: string; signal: string; processId?: string }
  | { kind: 'delete'; id: string; force: boolean }
  | { kind: 'exec'; id: string; args: string[] }
  | { kind: 'create'; id: string; start: boolean; bundle?: string; image?: string; args?: string[] }
  | { kind: 'closeExec' }
  | ImageDialogAct;

export interface DialogOutcome {
  dialog: Dialog | null;
  notice?: string;
  act?: DialogAct;
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
    case 'create':
      return createKey(d, input, key);
    default:
      return imageDialogKey(d, input, key);
  }
}

function createKey(d: Extract<Dialog, { kind: 'create' }>, input: string, key: Key): DialogOutcome {
  const stay = (dialog: Dialog): DialogOutcome => ({ dialog });
  if (key.escape) return { dialog: null };
  if (key.tab) return stay({ ...d, field: ((d.field + (key.shift ? CREATE_FIELDS - 1 : 1)) % CREATE_FIELDS) as CreateField });
  if (key.return) {
    const id = d.id.trim();
    const source = d.source.trim();
    if (!ID_PATTERN.test(id)) return stay({ ...d, field: 0, error: 'id: 1-64 of a-z A-Z 0-9 _ . -, first a letter or digit' });
    if (!source) return stay({ ...d, field: 1, error: "from: an image ref (debian:12) or a bundle's absolute path" });
    if (/^[.~]/.test(source)) return stay({ ...d, field: 1, error: 'from: a bundle path must be absolute (start with /)' });
    let args: string[];
    try {
      args = splitArgs(d.args);
    } catch (err) {
      return stay({ ...d, field: 2, error: `args: ${errorText(err)}` });
    }
    const command = args.length ? { args } : {};
    if (source.startsWith('/')) return { dialog: null, act: { kind: 'create', id, bundle: source, start: d.start, ...command } };
    try {
      parseRef(source);
    } catch (err) {
      if (err instanceof RefError) return stay({ ...d, field: 1, error: `from: ${err.message}` });
      throw err;
    }
    return { dialog: null, act: { kind: 'create', id, image: source, start: d.start, ...command } };
  }
  if (d.field === 3) return stay(input === ' ' ? { ...d, start: !d.start } : d);
  const text = (v: string) => edit(v, input, key);
  if (d.field === 0) return stay({ ...d, id: text(d.id), error: undefined });
  if (d.field === 1) return stay({ ...d, source: text(d.source), error: undefined });
  return stay({ ...d, args: text(d.args), error: undefined });
}
