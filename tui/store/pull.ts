// One image pull at a time, as the pull dialog shows it: the ref asked for,
// the image.progress notifications corrald sends to this connection while
// the pull runs (phase, layers and bytes done of their totals), then the
// image it answers with or its error in the daemon's words (the message
// carries skopeo's words and a hint of what to do). The pull goes on when
// the dialog is closed; the Images view shows it in its title until it ends.
// The pulled image goes into the image list at once, without waiting for its
// event. A dropped connection ends the pull for us: corrald may finish it,
// and the re-list on reconnect shows the image if it did.
import type { ImageT, NotificationOf } from '../../shared/api.js';
import { parseRef } from '../../shared/image-ref.js';
import { errorText } from '../format.js';
import type { ImageList } from './images.js';
import { Model, type Notify, type Send } from './model.js';

export interface PullView {
  /** The ref as typed. */
  ref: string;
  /** Its full name, as corrald's progress notifications give it. */
  name: string;
  state: 'pulling' | 'done' | 'failed';
  progress?: NotificationOf<'image.progress'>;
  image?: ImageT;
  error?: string;
  startedAt: number;
  durationMs?: number;
}

export interface PullDeps {
  send: Send;
  mayMutate: (what: string) => boolean;
  notify: Notify;
  images: Pick<ImageList, 'apply'>;
}

export class PullSession extends Model<PullView | null> {
  constructor(private readonly deps: PullDeps) {
    super(null);
  }

  /** Pulls REF; resolves once corrald answered (or refused). Only one pull at a time. */
  async pull(ref: string, insecure: boolean): Promise<void> {
    if (this.state?.state === 'pulling') return this.deps.notify(`a pull of ${this.state.ref} is still running`, 'error');
    if (!this.deps.mayMutate('image.pull')) return;
    let name = ref;
    try {
      name = parseRef(ref).name;
    } catch {
      // corrald says what is wrong with it, in the same words
    }
    const startedAt = Date.now();
    this.set({ ref, name, state: 'pulling', startedAt });
    const mine = () => this.state?.startedAt === startedAt && this.state.name === name;
    try {
      const image = await this.deps.send('image.pull', insecure ? { ref, insecure } : { ref });
      this.deps.images.apply({ type: 'image', image });
      if (mine()) this.set({ ...this.state!, state: 'done', image, durationMs: Date.now() - startedAt });
      this.deps.notify(`pulled ${name} (${image.digest.slice(7, 19)})`);
    } catch (err) {
      const error = errorText(err);
      if (mine()) this.set({ ...this.state!, state: 'failed', error, durationMs: Date.now() - startedAt });
      this.deps.notify(`pull failed: ${error}`, 'error');
    }
  }

  /** An image.progress notification: ours when it names what we pull. */
  progress(p: NotificationOf<'image.progress'>): void {
    const cur = this.state;
    if (cur?.state === 'pulling' && p.ref === cur.name) this.set({ ...cur, progress: p });
  }

  /** The dialog is closed after the pull ended: nothing left to show. */
  dismiss(): void {
    if (this.state && this.state.state !== 'pulling') this.set(null);
  }
}
