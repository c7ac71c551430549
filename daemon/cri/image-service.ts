// The CRI's ImageService on top of corral's image store: the same images the
// JSON-RPC API pulls and lists, by the same names; an image's CRI id is its
// manifest digest, as corral's is. ImageStatus of an image not present
// answers with no image (the CRI's "not found"); RemoveImage of one not
// present succeeds, since kubelet's garbage collector retries.
import type { ImageT } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';
import { shortName } from '../../shared/image-ref.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { credentials, nanos } from './convert.js';
import { diskUsage } from '../runtime/files.js';

/** ImageFsInfo is asked often (crictl before every image call, kubelet every few seconds): a du is kept this long. */
const FS_USAGE_CACHE_MS = 10_000;

type ImageSpec = { image?: string } | undefined;

function criImage(i: ImageT) {
  const repos = [...new Set(i.names.map((n) => n.replace(/[:@][^/]*$/, '')))];
  return {
    id: i.digest,
    repo_tags: i.names.filter((n) => !n.includes('@')),
    repo_digests: repos.map((r) => `${r}@${i.digest}`),
    size: String(i.size),
    username: i.config.user && !/^\d/.test(i.config.user) ? i.config.user : '',
    ...(i.config.user && /^\d+/.test(i.config.user) ? { uid: { value: String(parseInt(i.config.user, 10)) } } : {}),
    spec: { image: i.digest, annotations: {} },
    pinned: false,
  };
}

export class CriImageService {
  private usage: { at: number; bytes: number; inodes: number } | undefined;

  constructor(private readonly sup: Supervisor) {}

  private find(spec: ImageSpec): ImageT | undefined {
    const ref = spec?.image;
    if (!ref) throw new CorralError('invalid_params', 'give image.image: a name, an id or a digest');
    try {
      return this.sup.images.get(ref);
    } catch (err) {
      if (err instanceof CorralError && err.reason === 'not_found') return undefined;
      throw err;
    }
  }

  listImages(req: { filter?: { image?: ImageSpec } }) {
    const want = req.filter?.image?.image;
    const images = want ? [this.find({ image: want })].filter((i) => i !== undefined) : this.sup.images.list();
    return { images: images.map(criImage) };
  }

  imageStatus(req: { image?: ImageSpec; verbose?: boolean }) {
    const i = this.find(req.image);
    if (!i) return { info: {} };
    return { image: criImage(i), info: req.verbose ? { names: i.names.map(shortName).join(','), config: JSON.stringify(i.config) } : {} };
  }

  async pullImage(req: { image?: ImageSpec; auth?: Parameters<typeof credentials>[0] }) {
    const ref = req.image?.image;
    if (!ref) throw new CorralError('invalid_params', 'PullImage needs image.image');
    const creds = credentials(req.auth);
    const image = await this.sup.images.pull({ ref, ...(creds ?? {}) }, () => {});
    return { image_ref: image.digest };
  }

  async removeImage(req: { image?: ImageSpec }) {
    const i = this.find(req.image);
    if (!i) return {};
    await this.sup.images.remove(i.digest, false);
    return {};
  }

  async imageFsInfo() {
    const dir = this.sup.deps.layout.imagesDir;
    if (!this.usage || Date.now() - this.usage.at > FS_USAGE_CACHE_MS) this.usage = { at: Date.now(), ...(await diskUsage(dir)) };
    const entry = { timestamp: nanos(new Date(this.usage.at).toISOString()), fs_id: { mountpoint: dir }, used_bytes: { value: String(this.usage.bytes) }, inodes_used: { value: String(this.usage.inodes) } };
    return { image_filesystems: [entry], container_filesystems: [] };
  }
}
