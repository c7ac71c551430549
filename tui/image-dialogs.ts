// What a key does in the Images view's dialogs, as a pure function like
// dialogs.ts: the pull prompt (a ref, checked with the same parser corrald
// uses before anything is sent, and an "insecure" toggle for a registry on
// plain HTTP or with a certificate that does not verify), the pull's
// progress (closing it leaves the pull running), and the confirmations of
// remove and prune. As everywhere in corral's TUI, only `y` confirms and
// Enter or any other key cancels; a removal that corrald refused because
// containers use the image comes back as a second confirmation naming the
// containers that force will delete with it, and one it refuses even so is
// shown whole until a key is pressed.
import type { Key } from 'ink';
import { RefError, parseRef } from '../shared/image-ref.js';
import { edit } from './text-input.js';

export type ImageDialog =
  | { kind: 'pull'; ref: string; insecure: boolean; field: 0 | 1; error?: string }
  | { kind: 'pulling' }
  /** `ref`: what is sent, the image's one name or else its digest (a name of several would only untag). */
  | { kind: 'removeImage'; digest: string; ref: string; label: string; names: string[]; force?: { containers: string[] } }
  | { kind: 'prune' }
  /** A refusal worth reading whole (it names the containers and says what to do): any key closes it. */
  | { kind: 'imageRefused'; title: string; message: string };

export type ImageDialogAct =
  | { kind: 'pull'; ref: string; insecure: boolean }
  | { kind: 'closePull' }
  | { kind: 'removeImage'; digest: string; ref: string; label: string; force: boolean }
  | { kind: 'prune' };

export interface ImageDialogOutcome {
  dialog: ImageDialog | null;
  notice?: string;
  act?: ImageDialogAct;
}

const yes = (input: string, key: Key) => input === 'y' && !key.ctrl && !key.meta;

export function imageDialogKey(d: ImageDialog, input: string, key: Key): ImageDialogOutcome {
  switch (d.kind) {
    case 'pull': {
      if (key.escape) return { dialog: null };
      if (key.tab || key.upArrow || key.downArrow) return { dialog: { ...d, field: d.field === 0 ? 1 : 0 } };
      if (key.return) {
        const ref = d.ref.trim();
        if (!ref) return { dialog: { ...d, field: 0, error: 'type an image ref, e.g. debian:12 or 127.0.0.1:5000/team/app:1' } };
        try {
          parseRef(ref);
        } catch (err) {
          if (err instanceof RefError) return { dialog: { ...d, field: 0, error: err.message } };
          throw err;
        }
        return { dialog: { kind: 'pulling' }, act: { kind: 'pull', ref, insecure: d.insecure } };
      }
      if (d.field === 1) return { dialog: input === ' ' ? { ...d, insecure: !d.insecure } : d };
      return { dialog: { ...d, ref: edit(d.ref, input, key), error: undefined } };
    }
    case 'pulling':
      if (key.escape || key.return || input === 'q') return { dialog: null, act: { kind: 'closePull' } };
      return { dialog: d };
    case 'removeImage':
      if (yes(input, key)) return { dialog: null, act: { kind: 'removeImage', digest: d.digest, ref: d.ref, label: d.label, force: Boolean(d.force) } };
      return { dialog: null, notice: `${d.label} not removed` };
    case 'prune':
      if (yes(input, key)) return { dialog: null, act: { kind: 'prune' } };
      return { dialog: null, notice: 'prune cancelled' };
    case 'imageRefused':
      return { dialog: null };
  }
}
