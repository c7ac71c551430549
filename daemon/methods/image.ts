// The image.* methods: thin adapters from validated params to the image
// store, which downloads, unpacks, records and reports. A pull's and an
// import's progress goes to its caller as image.progress notifications before
// the reply.
import type { DaemonContext, Handlers } from './types.js';

type ImageMethods = 'image.pull' | 'image.import' | 'image.list' | 'image.get' | 'image.remove' | 'image.prune';

export function imageMethods({ sup }: DaemonContext): Pick<Handlers, ImageMethods> {
  const images = sup.images;
  return {
    'image.pull': (p, ctx) => images.pull(p, (e) => ctx.conn.progress('image.progress', e)),
    'image.import': (p, ctx) => images.import(p, (e) => ctx.conn.progress('image.progress', e)),
    'image.list': () => ({ images: images.list() }),
    'image.get': (p) => images.get(p.ref),
    'image.remove': (p) => images.remove(p.ref, p.force ?? false),
    'image.prune': () => images.prune(() => new Set(sup.all().flatMap((c) => (c.record.image ? [c.record.image.digest] : [])))),
  };
}
