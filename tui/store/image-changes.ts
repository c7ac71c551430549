// The requests that change the image store from the Images view: remove an
// image (all of it: by its one name, or by digest when it has several) and prune. While one runs
// its row says so ("removing"). A removal corrald refuses because containers
// use the image comes back as `inUse` with their ids, so the view can offer
// to remove with force, saying which containers go with it; any other
// failure is told in the daemon's words. What an answer says is put in the
// lists at once: the image (and any container deleted with it) leaves them
// without waiting for the events.
import { isCorralError } from '../../shared/errors.js';
import type { ResultOf } from '../../shared/api.js';
import { bytes, errorText } from '../format.js';
import type { ImageList } from './images.js';
import type { ContainerList } from './list.js';
import { Model, type Notify, type Send } from './model.js';

export type RemoveOutcome = { kind: 'removed' } | { kind: 'inUse'; containers: string[]; message: string } | { kind: 'failed' };

export interface ImageChangesDeps {
  send: Send;
  mayMutate: (what: string) => boolean;
  notify: Notify;
  images: Pick<ImageList, 'apply'>;
  containers: Pick<ContainerList, 'apply'>;
}

/** What runs for each image now, by digest ("removing"). */
export type ImageRows = Readonly<Record<string, string>>;

export class ImageChanges extends Model<ImageRows> {
  constructor(private readonly deps: ImageChangesDeps) {
    super({});
  }

  /** Removes image DIGEST, asking corrald by REF (its one name reads better in a refusal). */
  async remove({ digest, ref, label }: { digest: string; ref: string; label: string }, force: boolean): Promise<RemoveOutcome> {
    if (!this.deps.mayMutate('image.remove')) return { kind: 'failed' };
    this.set({ ...this.state, [digest]: 'removing' });
    try {
      const r = await this.deps.send('image.remove', force ? { ref, force } : { ref });
      this.deps.images.apply({ type: 'deleted', digests: r.deleted });
      for (const id of r.containers) this.deps.containers.apply({ type: 'gone', id });
      const also = r.containers.length ? ` and container${r.containers.length === 1 ? '' : 's'} ${r.containers.join(', ')}` : '';
      this.deps.notify(`removed ${label}${also}`);
      return { kind: 'removed' };
    } catch (err) {
      const containers = isCorralError(err, 'invalid_state') ? err.data.containers : undefined;
      if (Array.isArray(containers) && containers.length) return { kind: 'inUse', containers: containers.map(String), message: errorText(err) };
      this.deps.notify(`remove ${label} failed: ${errorText(err)}`, 'error');
      return { kind: 'failed' };
    } finally {
      const { [digest]: _done, ...rest } = this.state;
      this.set(rest);
    }
  }

  async prune(): Promise<ResultOf<'image.prune'> | undefined> {
    if (!this.deps.mayMutate('image.prune')) return undefined;
    try {
      const r = await this.deps.send('image.prune', {});
      this.deps.notify(`pruned ${r.trees} unpacked tree${r.trees === 1 ? '' : 's'} and ${r.blobs} blob${r.blobs === 1 ? '' : 's'}: ${bytes(r.bytesFreed)} freed`);
      return r;
    } catch (err) {
      this.deps.notify(`prune failed: ${errorText(err)}`, 'error');
      return undefined;
    }
  }
}
