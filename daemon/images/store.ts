// The image store: one OCI image layout under <root>/images/ (blobs shared
// by every image, so a base layer is stored once), each image's root
// filesystem unpacked once under unpacked/<digest>, and index.json, the name →
// manifest digest table, which is corral's record of which images exist.
// Every change is crash-safe the same way: the work (skopeo's download,
// umoci's unpack) happens in a job folder of its own, its results are renamed
// into place (blobs are content-addressed, so a blob at its name is whole),
// and only then is index.json rewritten atomically: that write is the commit
// point of a pull, an import and a remove. What a crash leaves before it
// (job folders, unclaimed trees, unreferenced blobs) no record names, and
// open() or image.prune clears it. Index writes are serialised; prune, the
// one thing that deletes blobs, waits for every job in flight.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ContainerStateT, ImageT, NotificationOf, ParsedParamsOf, ResultOf } from '../../shared/api.js';
import { CorralError, errors } from '../../shared/errors.js';
import { DIGEST, parseRef, RefError } from '../../shared/image-ref.js';
import { diskUsage, randomSuffix, readJson, removeTree, writeFileAtomic, writeJsonAtomic } from '../runtime/files.js';
import type { Layout } from '../runtime/layout.js';
import type { ImageSource } from '../runtime/container-spec.js';
import { isSameProcess, waitForEnd } from '../runtime/procinfo.js';
import { KeyedQueue } from '../supervisor/queue.js';
import { ADDED_ANNOTATION, Descriptor, ImageConfigBlob, Manifest, MEDIA_INDEX, OCI_LAYOUT, OciIndex, REF_NAME_ANNOTATION, type DescriptorT, type ManifestT, type OciIndexT } from './oci-image.js';
import { archiveTags, copyToLayout, inspectRaw, skopeoError, type RegistryAccess } from './skopeo.js';
import { unpack } from './umoci.js';
import { JobGate } from './job-gate.js';
import { imageView, type StoredImage } from './image-view.js';

type ImageProgress = NotificationOf<'image.progress'>;
type Progress = (p: ImageProgress) => void;

/** How often a running copy's bytes are counted for image.progress. */
const PROGRESS_INTERVAL_MS = 250;
/** How long recovery waits for a killed orphan skopeo or umoci to be gone before clearing its folder. */
const ORPHAN_EXIT_WAIT_MS = 5_000;
/** The tag a job's own layout gives its one image. */
const JOB_TAG = 'img';
/** A digest prefix must be this long to name an image, so that it cannot match by accident. */
const MIN_DIGEST_PREFIX = 12;
/** skopeo writes a blob being copied to a temp file of this prefix in the destination layout. */
const PARTIAL_BLOB_PREFIX = 'oci-put-blob';
const INDEX_QUEUE_KEY = 'index';

interface ImageUser {
  id: string;
  state: ContainerStateT;
}

export interface ImageStoreDeps {
  layout: Layout;
  log: Logger;
  /** Reports a change as an event (the supervisor's bus). */
  emit: (type: 'image.pull' | 'image.import' | 'image.remove', image: ImageT) => void;
  /** The containers made from image DIGEST. */
  users: (digest: string) => ImageUser[];
  /** Deletes a stopped or created container (image.remove with force). */
  deleteContainer: (id: string) => Promise<void>;
}

type ImportFormat = NonNullable<ParsedParamsOf<'image.import'>['format']>;

const architecture = () => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' })[process.arch as string] ?? process.arch;

function badRef(err: unknown, param = 'ref'): unknown {
  if (!(err instanceof RefError)) return err;
  return errors.invalidParams(err.message, [{ path: param, message: err.message }], err);
}

export class ImageStore {
  private readonly images = new Map<string, StoredImage>();
  private readonly indexQueue = new KeyedQueue();
  private readonly gate = new JobGate();
  /** Pulls in flight by full name: a second pull of one name joins the first. */
  private readonly pulls = new Map<string, { done: Promise<ImageT>; listeners: Set<Progress> }>();
  /** Digests being removed: a create may no longer take them. */
  private readonly removing = new Set<string>();
  /** Containers being created from a digest, before the supervisor lists them. */
  private readonly pins = new Map<string, number>();

  /** Registries (host[:port]) every pull reaches without TLS verification: corrald's --insecure-registries. */
  insecureRegistries: readonly string[] = [];
  /** Why open() failed, if it did: every image method says so instead of working on a store it could not read. */
  private broken: string | undefined = 'the image store is not open yet';

  constructor(private readonly d: ImageStoreDeps) {}

  private ready(): void {
    if (this.broken) throw new CorralError('unavailable', `${this.broken}; see corrald's log, fix the cause and restart corrald`);
  }

  private get layout(): Layout {
    return this.d.layout;
  }

  // ---- opening: recovery of what a crash left -------------------------------------------------

  /**
   * Loads the index and clears what a crash left: orphan tools are killed and
   * job folders removed, secrets files removed, trees that no image nor
   * container (CLAIMED digests) holds removed. Never throws for a damaged
   * store: a torn index cannot happen (atomic writes), an unreadable one is set
   * aside and reported, an image whose blobs are gone is dropped with a warning.
   */
  async open(claimed: Set<string>): Promise<{ images: number; jobsCleared: number; treesRemoved: number; dropped: string[] }> {
    try {
      const opened = await this.openStore(claimed);
      this.broken = undefined;
      return opened;
    } catch (err) {
      this.broken = `the image store under ${this.layout.imagesDir} could not be opened: ${(err as Error).message}`;
      throw err;
    }
  }

  private async openStore(claimed: Set<string>): Promise<{ images: number; jobsCleared: number; treesRemoved: number; dropped: string[] }> {
    const L = this.layout;
    await fs.mkdir(L.blobsDir, { recursive: true });
    await fs.mkdir(L.unpackedDir, { recursive: true });
    await fs.mkdir(L.imageJobsDir, { recursive: true });
    if (!(await fs.stat(L.imageLayoutFile).catch(() => undefined))) await writeJsonAtomic(L.imageLayoutFile, OCI_LAYOUT);
    await fs.rm(L.imageSecretsDir, { recursive: true, force: true });
    const jobsCleared = await this.clearJobs();
    const dropped = await this.loadIndex();
    const keep = new Set([...this.images.keys(), ...claimed].map((dg) => dg.slice('sha256:'.length)));
    let treesRemoved = 0;
    for (const name of await fs.readdir(L.unpackedDir)) {
      if (keep.has(name)) continue;
      await removeTree(path.join(L.unpackedDir, name));
      treesRemoved++;
    }
    return { images: this.images.size, jobsCleared, treesRemoved, dropped };
  }

  private async clearJobs(): Promise<number> {
    const dir = this.layout.imageJobsDir;
    const names = await fs.readdir(dir);
    const orphans: { pid: number; start: number | undefined }[] = [];
    for (const n of names) {
      const rec = (await readJson(this.layout.jobPidFile(path.join(dir, n))).catch(() => undefined)) as { pid?: number; start?: number } | undefined;
      if (rec?.pid && (await isSameProcess(rec.pid, rec.start))) {
        try {
          process.kill(rec.pid, 'SIGKILL');
          orphans.push({ pid: rec.pid, start: rec.start });
        } catch {
          // gone meanwhile
        }
      }
    }
    await waitForEnd(orphans, ORPHAN_EXIT_WAIT_MS);
    for (const n of names) await removeTree(path.join(dir, n));
    if (orphans.length) this.d.log.warn({ orphans: orphans.map((o) => o.pid) }, 'killed image tools a crash of corrald left running');
    return names.length;
  }

  private async loadIndex(): Promise<string[]> {
    const file = this.layout.imageIndexFile;
    let index: OciIndexT;
    try {
      index = OciIndex.parse(await readJson(file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      const aside = `${file}.unreadable-${Date.now()}`;
      await fs.rename(file, aside);
      this.d.log.error({ err, aside }, 'the image index is not one corral wrote; set aside, starting with no images');
      return [];
    }
    const dropped: string[] = [];
    for (const desc of index.manifests) {
      let img = this.images.get(desc.digest);
      if (!img) {
        const loaded = await this.readImage(desc.digest, desc.annotations?.[ADDED_ANNOTATION]).catch((err: unknown) => err);
        if (loaded instanceof Error) {
          this.d.log.warn({ err: loaded, digest: desc.digest }, 'an image of the index cannot be read (blobs gone?); dropped');
          dropped.push(desc.digest);
          continue;
        }
        img = loaded as StoredImage;
        this.images.set(img.digest, img);
      }
      const name = desc.annotations?.[REF_NAME_ANNOTATION];
      if (name) img.names.add(name);
    }
    if (dropped.length) await this.writeIndex(this.images);
    return dropped;
  }

  /** Reads an image's manifest and config from the blobs, checking they are what they claim to be. */
  private async readImage(digest: string, addedAt: string | undefined): Promise<StoredImage> {
    const manifestText = await fs.readFile(this.layout.blobFile(digest), 'utf8');
    const manifest = Manifest.parse(JSON.parse(manifestText));
    const config = ImageConfigBlob.parse(JSON.parse(await fs.readFile(this.layout.blobFile(manifest.config.digest), 'utf8')));
    return { digest, names: new Set(), addedAt: addedAt ?? new Date().toISOString(), manifest, manifestSize: Buffer.byteLength(manifestText), config };
  }

  /** index.json from IMAGES: one entry per name, one without a name for an image that has none (podman's <none>). */
  private async writeIndex(images: Map<string, StoredImage>): Promise<void> {
    const manifests: DescriptorT[] = [];
    for (const img of images.values()) {
      const base = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: img.manifestSize };
      const names = img.names.size ? [...img.names].sort() : [undefined];
      for (const name of names) {
        manifests.push({ ...base, annotations: { [ADDED_ANNOTATION]: img.addedAt, ...(name ? { [REF_NAME_ANNOTATION]: name } : {}) } });
      }
    }
    await writeJsonAtomic(this.layout.imageIndexFile, { schemaVersion: 2, manifests } satisfies OciIndexT);
  }

  // ---- reading ---------------------------------------------------------------------------------

  list(): ImageT[] {
    this.ready();
    return [...this.images.values()].map(imageView).sort((a, b) => b.addedAt.localeCompare(a.addedAt));
  }

  get(ref: string): ImageT {
    return imageView(this.resolve(ref));
  }

  /** The image REF names: a full or short name, a digest, or a digest prefix of 12+ hex digits (podman's image id). */
  resolve(ref: string): StoredImage {
    this.ready();
    const hex = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    if (/^[a-f0-9]+$/.test(hex) && hex.length >= MIN_DIGEST_PREFIX) {
      const hits = [...this.images.values()].filter((i) => i.digest.slice(7).startsWith(hex));
      if (hits.length > 1) throw errors.invalidParams(`${ref} is a prefix of ${hits.length} images' digests; give more of it`, [{ path: 'ref', message: 'ambiguous' }]);
      if (hits.length === 1) return hits[0];
    }
    let name: string;
    try {
      name = parseRef(ref).name;
    } catch (err) {
      throw badRef(err);
    }
    const pinned = DIGEST.exec(name.slice(name.indexOf('@') + 1)) ? name.slice(name.indexOf('@') + 1) : undefined;
    for (const img of this.images.values()) {
      if (img.names.has(name) || (pinned && img.digest === pinned)) return img;
    }
    throw errors.notFound(`image ${ref}`, 'pull it (image.pull) or list them with image.list');
  }

  /**
   * Takes image REF for a container being created: what its spec is built
   * from, held against image.remove until release() (once the container is
   * listed, or its create failed).
   */
  take(ref: string): { source: ImageSource; release: () => void } {
    const image = this.resolve(ref);
    if (this.removing.has(image.digest)) throw errors.notFound(`image ${ref}`, 'it is being removed; pull it again');
    const digest = image.digest;
    this.pins.set(digest, (this.pins.get(digest) ?? 0) + 1);
    let name: string | undefined;
    try {
      name = parseRef(ref).name;
    } catch {
      // a digest prefix: the container names the image by its digest
    }
    let released = false;
    return {
      source: { ref: name && image.names.has(name) ? name : digest, digest, config: imageView(image).config, rootfs: this.layout.unpackedRootfs(digest) },
      release: () => {
        if (released) return;
        released = true;
        const n = (this.pins.get(digest) ?? 1) - 1;
        if (n > 0) this.pins.set(digest, n);
        else this.pins.delete(digest);
      },
    };
  }

  // ---- pull and import -------------------------------------------------------------------------

  /** Pulls REF; a second pull of the same name while one runs joins it (one download) and gets its progress too. */
  pull(p: ParsedParamsOf<'image.pull'>, progress: Progress): Promise<ImageT> {
    let name: string;
    try {
      this.ready();
      name = parseRef(p.ref).name;
    } catch (err) {
      return Promise.reject(badRef(err));
    }
    const running = this.pulls.get(name);
    if (running) {
      running.listeners.add(progress);
      return running.done.finally(() => running.listeners.delete(progress));
    }
    const listeners = new Set<Progress>([progress]);
    const report = (e: ImageProgress) => {
      for (const l of listeners) l(e);
    };
    const done = this.runJob('pull', async (job) => {
      const access = await this.access(job, p);
      try {
        const source = `docker://${name}`;
        report({ ref: name, phase: 'resolving', layersDone: 0, layersTotal: 0, bytesDone: 0, bytesTotal: 0 });
        // the manifest is only for the progress totals: read beside the copy, not before it (a round trip
        // to the registry less on the pull's path); the copy's own failure says what went wrong
        const layers = this.remoteLayers(source, access).catch(() => undefined);
        const digest = await this.copy(job, source, access, name, layers, report, 'registry');
        return await this.commit(job, digest, [name], 'image.pull', name, report);
      } finally {
        if (access.authFile) await fs.rm(access.authFile, { force: true });
      }
    });
    this.pulls.set(name, { done, listeners });
    const forget = () => {
      if (this.pulls.get(name)?.done === done) this.pulls.delete(name);
    };
    done.then(forget, forget);
    return done;
  }

  /** Imports an archive or OCI layout on this host; named by REF, or by the names a docker-archive carries. */
  import(p: ParsedParamsOf<'image.import'>, progress: Progress): Promise<ImageT> {
    let names: string[] = [];
    try {
      this.ready();
      if (p.ref) names = [parseRef(p.ref).name];
    } catch (err) {
      return Promise.reject(badRef(err));
    }
    return this.runJob('import', async (job) => {
      const st = await fs.stat(p.path).catch(() => undefined);
      if (!st) throw errors.invalidParams(`${p.path} does not exist; give the path of an image archive on the corrald host`, [{ path: 'path', message: 'no such file' }]);
      const format: ImportFormat = p.format ?? (st.isDirectory() ? 'oci' : await this.archiveFormat(p.path));
      if (format === 'oci' && !st.isDirectory()) throw errors.invalidParams(`${p.path} is a file; an "oci" import takes an OCI layout folder (or say format "oci-archive")`, [{ path: 'format', message: 'not a folder' }]);
      const source = `${format}:${p.path}`;
      if (!names.length) names = await this.archiveNames(format, p.path);
      const digest = await this.copy(job, source, {}, p.path, Promise.resolve(undefined), progress, 'archive');
      return this.commit(job, digest, names, 'image.import', p.path, progress);
    });
  }

  /** oci-archive or docker-archive, told by which of their index files skopeo finds. */
  private async archiveFormat(file: string): Promise<ImportFormat> {
    try {
      await archiveTags(`docker-archive:${file}`);
      return 'docker-archive';
    } catch {
      return 'oci-archive';
    }
  }

  /** The names an archive carries: a docker-archive's RepoTags, an OCI layout's full ref.name annotations. */
  private async archiveNames(format: ImportFormat, file: string): Promise<string[]> {
    let raw: string[] = [];
    if (format === 'docker-archive') raw = await archiveTags(`docker-archive:${file}`).catch(() => []);
    if (format === 'oci') {
      const index = OciIndex.safeParse(await readJson(path.join(file, 'index.json')).catch(() => undefined));
      // a bare tag ("bb") is only a tag in its layout: it names no repository, so it names nothing here
      if (index.success) raw = index.data.manifests.map((m) => m.annotations?.[REF_NAME_ANNOTATION] ?? '').filter((n) => n.includes('/'));
    }
    const names: string[] = [];
    for (const r of raw) {
      try {
        names.push(parseRef(r).name);
      } catch {
        // a name corral cannot read is left out; the image is still there by digest
      }
    }
    return names;
  }

  /** The layers of SOURCE's manifest for this host, for the progress totals. */
  private async remoteLayers(source: string, access: RegistryAccess): Promise<DescriptorT[]> {
    let doc = JSON.parse(await inspectRaw(source, access)) as { mediaType?: string; manifests?: unknown[]; layers?: unknown[] };
    if (doc.manifests && (doc.mediaType === undefined || MEDIA_INDEX.includes(doc.mediaType))) {
      const entries = doc.manifests.map((m) => Descriptor.parse(m));
      const mine = entries.find((m) => m.platform?.os === 'linux' && m.platform.architecture === architecture()) ?? entries[0];
      if (!mine) return [];
      const repo = source.replace(/[:@][^/]*$/, '');
      doc = JSON.parse(await inspectRaw(`${repo}@${mine.digest}`, access)) as typeof doc;
    }
    return Array.isArray(doc.layers) ? doc.layers.map((l) => Descriptor.parse(l)) : [];
  }

  /** skopeo copies SOURCE into the job's layout and the shared blobs; returns the manifest digest it wrote. */
  private async copy(job: string, source: string, access: RegistryAccess, what: string, manifestLayers: Promise<DescriptorT[] | undefined>, report: Progress, kind: 'registry' | 'archive'): Promise<string> {
    const layoutDir = path.join(job, 'layout');
    let layers: DescriptorT[] | undefined;
    void manifestLayers.then((l) => (layers = l));
    const tick = async () => {
      const total = layers?.reduce((n, l) => n + l.size, 0) ?? 0;
      const done = layers ? await this.blobsPresent(layers) : [];
      const partial = await this.partialBytes(layoutDir);
      const bytesDone = Math.min(total || Infinity, done.reduce((n, l) => n + l.size, 0) + partial);
      report({ ref: what, phase: 'copying', layersDone: done.length, layersTotal: layers?.length ?? 0, bytesDone, bytesTotal: total });
    };
    let last = Promise.resolve();
    const timer = setInterval(() => {
      last = last.then(tick).catch(() => {});
    }, PROGRESS_INTERVAL_MS);
    try {
      await copyToLayout({ source, layout: `oci:${layoutDir}:${JOB_TAG}`, sharedBlobDir: this.layout.blobsDir, access, pidFile: this.layout.jobPidFile(job), tmpDir: job });
    } catch (err) {
      throw skopeoError(err, `${kind === 'registry' ? 'pull of' : 'import of'} ${what}`, kind);
    } finally {
      clearInterval(timer);
      await last;
    }
    const index = OciIndex.parse(await readJson(path.join(layoutDir, 'index.json')));
    const desc = index.manifests[0];
    if (!desc) throw new CorralError('runtime_error', `skopeo wrote no image for ${what}`);
    return desc.digest;
  }

  private async blobsPresent(layers: DescriptorT[]): Promise<DescriptorT[]> {
    const present = await Promise.all(layers.map((l) => fs.stat(this.layout.blobFile(l.digest)).then(() => true, () => false)));
    return layers.filter((_, i) => present[i]);
  }

  private async partialBytes(dir: string): Promise<number> {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const sizes = await Promise.all(names.filter((n) => n.startsWith(PARTIAL_BLOB_PREFIX)).map((n) => fs.stat(path.join(dir, n)).then((s) => s.size, () => 0)));
    return sizes.reduce((a, b) => a + b, 0);
  }

  /**
   * Unpacks image DIGEST (once: a tree already there is the same image) and
   * records NAMES for it: the commit point, after which it is listed.
   */
  private async commit(job: string, digest: string, names: string[], event: 'image.pull' | 'image.import', what: string, report: Progress): Promise<ImageT> {
    const read = await this.readImage(digest, new Date().toISOString()).catch((err: unknown) => {
      throw new CorralError('runtime_error', `the image skopeo wrote for ${what} cannot be read: ${(err as Error).message}`, { cause: err });
    });
    const layers = read.manifest.layers;
    const bytes = layers.reduce((n, l) => n + l.size, 0);
    report({ ref: what, phase: 'unpacking', layersDone: layers.length, layersTotal: layers.length, bytesDone: bytes, bytesTotal: bytes });
    await this.unpackOnce(job, digest);
    return this.indexQueue.run(INDEX_QUEUE_KEY, async () => {
      const existing = this.images.get(digest);
      const img = existing ?? read;
      const next = new Map(this.images);
      // a name moves to its new image; the image it leaves keeps its record (untagged) until removed or pruned
      for (const other of next.values()) {
        if (other === img) continue;
        const left = names.filter((n) => other.names.has(n));
        if (left.length) next.set(other.digest, { ...other, names: new Set([...other.names].filter((n) => !left.includes(n))) });
      }
      next.set(digest, { ...img, names: new Set([...img.names, ...names]) });
      await this.writeIndex(next);
      this.swap(next);
      const view = imageView(this.images.get(digest)!);
      this.d.emit(event, view);
      this.d.log.info({ digest, names, what }, event === 'image.pull' ? 'image pulled' : 'image imported');
      return view;
    });
  }

  private async unpackOnce(job: string, digest: string): Promise<void> {
    const dest = this.layout.unpackedImage(digest);
    if (await fs.stat(path.join(dest, 'rootfs')).then(() => true, () => false)) return;
    const layoutDir = path.join(job, 'layout');
    // umoci reads the blobs where an OCI layout has them; the job's layout has an empty blobs/ (skopeo's shared dir took them)
    await fs.rm(path.join(layoutDir, 'blobs'), { recursive: true, force: true });
    await fs.symlink(this.layout.blobsDir, path.join(layoutDir, 'blobs'));
    const tree = path.join(job, 'tree');
    await unpack(layoutDir, JOB_TAG, tree, this.layout.jobPidFile(job));
    try {
      await fs.rename(tree, dest);
    } catch (err) {
      // another job unpacked the same image meanwhile: that tree is this one
      if (!['EEXIST', 'ENOTEMPTY'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }

  /** A job: a folder of its own under jobs/, removed whatever happens; prune waits for it. */
  private async runJob<T>(kind: string, work: (dir: string) => Promise<T>): Promise<T> {
    return this.gate.shared(async () => {
      const dir = path.join(this.layout.imageJobsDir, `${kind}-${randomSuffix()}`);
      await fs.mkdir(dir, { recursive: true });
      try {
        return await work(dir);
      } finally {
        await removeTree(dir).catch((err) => this.d.log.warn({ err, dir }, 'cannot remove an image job folder; the next start will'));
      }
    });
  }

  /** The pull's registry access: the credentials go to a 0600 auth file under --state, removed after the pull. */
  private async access(job: string, p: ParsedParamsOf<'image.pull'>): Promise<RegistryAccess> {
    const registry = parseRef(p.ref).domain;
    const insecure = p.insecure || this.insecureRegistries.includes(registry);
    if (!p.username || !p.password) return { insecure };
    await fs.mkdir(this.layout.imageSecretsDir, { recursive: true, mode: 0o700 });
    const authFile = path.join(this.layout.imageSecretsDir, `auth-${path.basename(job)}.json`);
    const auth = Buffer.from(`${p.username}:${p.password}`).toString('base64');
    await writeFileAtomic(authFile, JSON.stringify({ auths: { [registry]: { auth } } }), false);
    return { insecure, authFile };
  }

  // ---- remove and prune ------------------------------------------------------------------------

  /**
   * Removes REF: a name loses that name; a digest (or an image's last name)
   * removes the image. Refused while a container uses it, unless FORCE and
   * none of them runs: then they are deleted first.
   */
  async remove(ref: string, force: boolean): Promise<ResultOf<'image.remove'>> {
    const img = this.resolve(ref);
    let byName: string | undefined;
    try {
      const name = parseRef(ref).name;
      if (img.names.has(name)) byName = name;
    } catch {
      // a digest or digest prefix: the whole image
    }
    const dropsImage = !byName || img.names.size === 1;
    const containers: string[] = [];
    if (dropsImage) {
      const users = this.d.users(img.digest);
      const pinned = this.pins.get(img.digest) ?? 0;
      if (users.length || pinned) {
        const live = users.filter((u) => u.state === 'running' || u.state === 'paused');
        const names = users.map((u) => `${u.id} (${u.state})`).join(', ') || `${pinned} being created`;
        if (!force || live.length || pinned) {
          throw errors.invalidState(
            `image ${ref} is used by containers ${names}; ${live.length || pinned ? 'stop and delete them first' : 'delete them first, or remove with force: true to delete them too'}`,
            { containers: users.map((u) => u.id) },
          );
        }
        for (const u of users) {
          await this.d.deleteContainer(u.id);
          containers.push(u.id);
        }
      }
      this.removing.add(img.digest);
    }
    try {
      return await this.indexQueue.run(INDEX_QUEUE_KEY, async () => {
        const current = this.images.get(img.digest);
        if (!current) throw errors.notFound(`image ${ref}`, 'list them with image.list');
        const next = new Map(this.images);
        const untagged = byName ? [byName] : [...current.names];
        const remaining = byName ? [...current.names].filter((n) => n !== byName) : [];
        if (remaining.length) next.set(img.digest, { ...current, names: new Set(remaining) });
        else next.delete(img.digest);
        await this.writeIndex(next);
        this.swap(next);
        const deleted = remaining.length ? [] : [img.digest];
        if (deleted.length) {
          await removeTree(this.layout.unpackedImage(img.digest)).catch((err) => this.d.log.warn({ err, digest: img.digest }, 'cannot remove an unpacked image; the next start will'));
        }
        this.d.emit('image.remove', imageView({ ...current, names: new Set(untagged) }));
        this.d.log.info({ digest: img.digest, untagged, deleted: deleted.length > 0 }, 'image removed');
        return { untagged, deleted, containers };
      });
    } finally {
      this.removing.delete(img.digest);
    }
  }

  /**
   * Removes what no image holds: untagged images no container uses, unpacked
   * trees of no image, and blobs no manifest names. Waits for every pull and
   * import in flight, whose blobs are not in the index yet.
   */
  prune(claimed: () => Set<string>): Promise<ResultOf<'image.prune'>> {
    try {
      this.ready();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.gate.exclusive(() =>
      this.indexQueue.run(INDEX_QUEUE_KEY, async () => {
        const inUse = claimed();
        const next = new Map([...this.images].filter(([dg, img]) => img.names.size > 0 || inUse.has(dg) || this.pins.has(dg)));
        if (next.size !== this.images.size) {
          await this.writeIndex(next);
          this.swap(next);
        }
        let bytesFreed = 0;
        const keepTrees = new Set([...next.keys(), ...inUse].map((dg) => dg.slice(7)));
        let trees = 0;
        for (const name of await fs.readdir(this.layout.unpackedDir)) {
          if (keepTrees.has(name)) continue;
          bytesFreed += (await diskUsage(path.join(this.layout.unpackedDir, name))).bytes;
          await removeTree(path.join(this.layout.unpackedDir, name));
          trees++;
        }
        const keepBlobs = new Set<string>();
        for (const img of next.values()) for (const dg of blobsOf(img.digest, img.manifest)) keepBlobs.add(dg.slice(7));
        let blobs = 0;
        const shaDir = path.dirname(this.layout.blobFile(`sha256:${'0'.repeat(64)}`));
        for (const name of await fs.readdir(shaDir).catch(() => [] as string[])) {
          if (keepBlobs.has(name)) continue;
          const file = path.join(shaDir, name);
          bytesFreed += (await fs.stat(file).catch(() => undefined))?.size ?? 0;
          await fs.rm(file, { force: true });
          blobs++;
        }
        this.d.log.info({ trees, blobs, bytesFreed }, 'images pruned');
        return { trees, blobs, bytesFreed };
      }),
    );
  }

  private swap(next: Map<string, StoredImage>): void {
    this.images.clear();
    for (const [k, v] of next) this.images.set(k, v);
  }
}

const blobsOf = (digest: string, m: ManifestT) => [digest, m.config.digest, ...m.layers.map((l) => l.digest)];
