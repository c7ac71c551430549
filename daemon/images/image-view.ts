// An image as the store holds it in memory (what its index entry, manifest
// and config blobs say) and as the API shows it (shared/api.ts Image).
import type { ImageT } from '../../shared/api.js';
import type { ImageConfigBlobT, ManifestT } from './oci-image.js';

export interface StoredImage {
  /** The manifest's digest. */
  digest: string;
  names: Set<string>;
  addedAt: string;
  manifest: ManifestT;
  manifestSize: number;
  config: ImageConfigBlobT;
}

/** Drops null and undefined, which an image config may hold for "not set". */
const given = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export function imageView(img: StoredImage): ImageT {
  const c = img.config.config ?? {};
  const layers = img.manifest.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType }));
  const config = Object.fromEntries(
    Object.entries({
      entrypoint: given(c.Entrypoint),
      cmd: given(c.Cmd),
      env: given(c.Env),
      workdir: given(c.WorkingDir) || undefined,
      user: given(c.User) || undefined,
      labels: given(c.Labels),
      stopSignal: given(c.StopSignal) || undefined,
    }).filter(([, v]) => v !== undefined),
  );
  return {
    digest: img.digest,
    names: [...img.names].sort(),
    size: img.manifestSize + img.manifest.config.size + layers.reduce((n, l) => n + l.size, 0),
    layers,
    ...(img.config.created ? { created: img.config.created } : {}),
    ...(img.config.architecture ? { architecture: img.config.architecture } : {}),
    ...(img.config.os ? { os: img.config.os } : {}),
    addedAt: img.addedAt,
    config,
  };
}
