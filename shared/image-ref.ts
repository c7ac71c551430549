// Image references as podman and docker read them: `busybox` is
// docker.io/library/busybox:latest, `127.0.0.1:5000/corral/bb:1` names its
// own registry, `name@sha256:…` pins a digest. One pure parser, shared by the
// daemon (which stores every image under its full, normalised name) and the
// clients (which show and complete those names), following the grammar of
// distribution's reference package so a ref corral accepts is one skopeo and
// every registry accept too.

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:localhost|(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DEFAULT_DOMAIN = 'docker.io';
const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
/** distribution's own cap on a repository name. */
const MAX_NAME = 255;

export interface ImageRef {
  /** The registry: docker.io, 127.0.0.1:5000, … */
  domain: string;
  /** The repository within it: library/busybox, corral/bb. */
  path: string;
  tag?: string;
  digest?: string;
  /** The full name corral stores and shows: domain/path:tag, or domain/path@digest. */
  name: string;
}

export class RefError extends Error {}

/** Parses and normalises REF; throws RefError saying what is wrong with it. */
export function parseRef(ref: string): ImageRef {
  const bad = (why: string) => new RefError(`${JSON.stringify(ref)} is not an image reference: ${why}`);
  if (ref.length === 0) throw bad('it is empty');
  if (/\s/.test(ref)) throw bad('it contains white space');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`the digest must be sha256: and 64 lowercase hex digits, not ${JSON.stringify(digest)}`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`the tag ${JSON.stringify(tag)} must be letters, digits, _ . - (at most 128, not starting with . or -)`);
  }
  const parts = rest.split('/');
  let domain = DEFAULT_DOMAIN;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) throw bad(`${JSON.stringify(domain)} is not a registry host[:port]`);
  }
  for (const c of parts) {
    if (!COMPONENT.test(c)) {
      throw bad(`${JSON.stringify(c)} must be lowercase letters and digits, optionally separated by . _ __ or -`);
    }
  }
  let path = parts.join('/');
  if (domain === DEFAULT_DOMAIN && parts.length === 1) path = OFFICIAL_PREFIX + path;
  if (domain.length + 1 + path.length > MAX_NAME) throw bad(`the name is longer than ${MAX_NAME} characters`);
  if (!tag && !digest) tag = DEFAULT_TAG;
  const repo = `${domain}/${path}`;
  // a tag beside a digest says nothing the digest does not: the digest wins, as in podman
  const name = digest ? `${repo}@${digest}` : `${repo}:${tag}`;
  return { domain, path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), name };
}

/** A short form for tables: docker.io/library/ and docker.io/ dropped, as docker shows them. */
export function shortName(name: string): string {
  if (name.startsWith(`${DEFAULT_DOMAIN}/${OFFICIAL_PREFIX}`)) return name.slice(DEFAULT_DOMAIN.length + 1 + OFFICIAL_PREFIX.length);
  if (name.startsWith(`${DEFAULT_DOMAIN}/`)) return name.slice(DEFAULT_DOMAIN.length + 1);
  return name;
}
