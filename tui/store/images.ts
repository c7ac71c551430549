// The images corrald holds, for the Images view. corrald's event snapshot
// carries containers only, so on each connection the list is asked for once
// (image.list) and from then on kept current by the image events: image.pull
// and image.import carry the whole image (and a name they give moves from the
// image that had it, as in corrald's index), image.remove carries the image
// with the names it took away, and the image goes with its last one. Events
// that come while the list is on its way are held and applied over it: each
// is idempotent, so one the list already holds changes nothing. The reducer
// is pure; the ImageList model around it asks and listens.
import { isImageEvent, type EventT, type ImageEventT, type ImageT } from '../../shared/api.js';
import { errorText } from '../format.js';
import { Model, type Send } from './model.js';


export interface ImagesState {
  byDigest: Readonly<Record<string, ImageT>>;
  /** Whether a list has arrived at least once. */
  synced: boolean;
  /** Why the last image.list failed, while it did. */
  error?: string;
}

export const initialImages: ImagesState = { byDigest: {}, synced: false };

export type ImagesAction =
  | { type: 'list'; images: ImageT[] }
  | { type: 'event'; event: ImageEventT }
  /** A pull or import answered with its image. */
  | { type: 'image'; image: ImageT }
  /** image.remove answered: these digests are gone. */
  | { type: 'deleted'; digests: string[] }
  | { type: 'failed'; error: string };

export function imagesReducer(s: ImagesState, a: ImagesAction): ImagesState {
  switch (a.type) {
    case 'list':
      return { byDigest: Object.fromEntries(a.images.map((i) => [i.digest, i])), synced: true };
    case 'failed':
      return { ...s, error: a.error };
    case 'image':
      return { ...s, byDigest: upsert(s.byDigest, a.image) };
    case 'deleted': {
      const next = { ...s.byDigest };
      for (const d of a.digests) delete next[d];
      return { ...s, byDigest: next };
    }
    case 'event': {
      const { image } = a.event;
      if (a.event.type !== 'image.remove') return { ...s, byDigest: upsert(s.byDigest, image) };
      const cur = s.byDigest[image.digest];
      if (!cur) return s;
      const names = cur.names.filter((n) => !image.names.includes(n));
      const next = { ...s.byDigest };
      // corrald drops the image with its last name (a remove by digest takes them all)
      if (names.length) next[image.digest] = { ...cur, names };
      else delete next[image.digest];
      return { ...s, byDigest: next };
    }
  }
}

/** IMAGE in, and the names it carries taken from any other image: a name points at one image. */
function upsert(byDigest: Readonly<Record<string, ImageT>>, image: ImageT): Record<string, ImageT> {
  const next: Record<string, ImageT> = {};
  for (const [d, other] of Object.entries(byDigest)) {
    next[d] = d !== image.digest && other.names.some((n) => image.names.includes(n)) ? { ...other, names: other.names.filter((n) => !image.names.includes(n)) } : other;
  }
  next[image.digest] = image;
  return next;
}

export class ImageList extends Model<ImagesState> {
  /** Events that came while a list was on its way: applied over it. */
  private held: ImageEventT[] | null = null;
  private asked = 0;

  constructor(private readonly send: Send) {
    super(initialImages);
  }

  apply(action: ImagesAction): void {
    this.set(imagesReducer(this.state, action));
  }

  /** Asks for the whole list (on each connection: events missed while away are in it). */
  async sync(): Promise<void> {
    const n = ++this.asked;
    this.held = [];
    try {
      const { images } = await this.send('image.list', {});
      if (n !== this.asked) return;
      this.apply({ type: 'list', images });
      for (const event of this.held ?? []) this.apply({ type: 'event', event });
    } catch (err) {
      if (n === this.asked) this.apply({ type: 'failed', error: errorText(err) });
    } finally {
      if (n === this.asked) this.held = null;
    }
  }

  /** An event of the containers' subscription: the image ones are ours. */
  take(event: EventT): void {
    if (!isImageEvent(event)) return;
    if (this.held) this.held.push(event);
    else this.apply({ type: 'event', event });
  }
}
