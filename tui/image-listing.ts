// The rows of the Images view, as a pure function of the images and the
// containers: one row per image (its identity is the digest; an image with
// several names shows the first and how many more), the short name docker
// would show, the image id (the first 12 hex digits of the digest, as docker
// and podman print it), its size, its age and the containers made from it,
// which the containers' events keep current. Sorted by name, the untagged
// ones (no name left) last.
import type { ContainerT, ImageT } from '../shared/api.js';
import { shortName } from '../shared/image-ref.js';

export interface ImageRow {
  image: ImageT;
  digest: string;
  /** The short form of its first name; "<none>" for an untagged image. */
  name: string;
  /** How many more names point at it. */
  more: number;
  /** The first 12 hex digits of its digest. */
  id: string;
  size: number;
  /** When the image was made (its config's created), else when this corrald got it. */
  created: string;
  /** Ids of the containers made from it. */
  users: string[];
}

export const UNTAGGED = '<none>';

/** docker's short image id: the digest's first 12 hex digits. */
export const imageId = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);

/** The ids of the containers made from each image, by digest. */
function usersByDigest(containers: Readonly<Record<string, ContainerT>>): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of Object.values(containers)) {
    if (!c.image) continue;
    users.set(c.image.digest, [...(users.get(c.image.digest) ?? []), c.id].sort());
  }
  return users;
}

export function imageRows(byDigest: Readonly<Record<string, ImageT>>, containers: Readonly<Record<string, ContainerT>>): ImageRow[] {
  const users = usersByDigest(containers);
  return Object.values(byDigest)
    .map((image): ImageRow => {
      const names = [...image.names].sort();
      return {
        image,
        digest: image.digest,
        name: names.length ? shortName(names[0]) : UNTAGGED,
        more: Math.max(0, names.length - 1),
        id: imageId(image.digest),
        size: image.size,
        created: image.created ?? image.addedAt,
        users: users.get(image.digest) ?? [],
      };
    })
    .sort((a, b) => Number(a.name === UNTAGGED) - Number(b.name === UNTAGGED) || a.name.localeCompare(b.name) || a.digest.localeCompare(b.digest));
}
