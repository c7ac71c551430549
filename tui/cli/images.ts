// The image verbs: pull (progress drawn in place on a terminal, a line per
// step off one), images, import, rmi, image inspect, image prune. Each is a
// thin client of the image.* methods of shared/api.ts, typed by its schemas;
// pull's progress comes from the image.progress notifications corrald sends
// to the connection that asked. The pull flags (--tls-verify, --creds) and
// the pull itself are shared with run and create, which pull a missing image
// first as podman does.
import path from 'node:path';
import type { ImageT, NotificationOf, ParamsOf } from '../../shared/api.js';
import type { Client } from '../../shared/client.js';
import { isCorralError } from '../../shared/errors.js';
import { parseRef, shortName } from '../../shared/image-ref.js';
import { bytes } from '../format.js';
import { imageId } from '../image-listing.js';
import { each } from './errors.js';
import { ago } from './human.js';
import { bool, str, UsageError } from './parse.js';
import { FORMAT_FLAG, verb, type FlagSpec, type Output, type Parsed, type VerbSpec } from './spec.js';
import { printInspected, printList, type Column } from './table.js';

type Progress = NotificationOf<'image.progress'>;

/** A pull may fetch hundreds of MiB; corrald bounds it itself, this only stops a hung wait. */
const PULL_TIMEOUT_MS = 30 * 60_000;
const BAR_WIDTH = 24;

/** podman's flags of a pull, also taken by run and create. */
export const PULL_FLAGS: FlagSpec[] = [
  { name: 'tls-verify', value: 'BOOL', optionalValue: true, choices: ['true', 'false'], help: 'with =false, reach a registry over plain HTTP or with a certificate that does not verify (default true)' },
  { name: 'creds', value: 'USER:PASSWORD', help: 'log in to the registry with these (never kept: corrald holds them for the pull only)' },
];

/** image.pull's params from REF and the pull flags. */
export function pullParams(ref: string, p: Parsed): ParamsOf<'image.pull'> {
  const verify = str(p, 'tls-verify');
  const creds = str(p, 'creds');
  if (creds !== undefined && !/^[^:]+:.+$/.test(creds)) throw new UsageError('--creds takes USER:PASSWORD');
  const colon = creds?.indexOf(':') ?? -1;
  return {
    ref,
    ...(verify === 'false' ? { insecure: true } : {}),
    ...(creds !== undefined ? { username: creds.slice(0, colon), password: creds.slice(colon + 1) } : {}),
  };
}

const bar = (frac: number) => {
  const filled = Math.round(Math.min(1, Math.max(0, frac)) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
};

/**
 * The lines a terminal shows for P: the whole pull with a bar of its bytes,
 * then a line per layer. corrald counts bytes for the whole pull, not per
 * layer, so a layer shows done, copying or waiting, and the bar is the pull's.
 */
export function progressLines(p: Progress): string[] {
  const size = p.bytesTotal ? ` ${bytes(p.bytesDone)} / ${bytes(p.bytesTotal)}` : '';
  const head = `${p.ref}: ${p.phase} ${bar(p.phase === 'unpacking' ? 1 : p.bytesTotal ? p.bytesDone / p.bytesTotal : 0)}${size}`;
  const layers = Array.from({ length: p.layersTotal }, (_, i) => {
    const state = i < p.layersDone || p.phase === 'unpacking' ? 'done' : i === p.layersDone && p.phase === 'copying' ? 'copying' : 'waiting';
    return `  layer ${i + 1}/${p.layersTotal}: ${state}`;
  });
  return [head, ...layers];
}

/** One plain line for P, off a terminal: printed when the phase or the layers done change, not at every byte count. */
export function progressStep(p: Progress): string {
  const layers = p.layersTotal ? `, layers ${p.layersDone}/${p.layersTotal}` : '';
  const size = p.bytesTotal ? `, ${bytes(p.bytesDone)} / ${bytes(p.bytesTotal)}` : '';
  return `${p.ref}: ${p.phase}${layers}${size}`;
}

/** Shows progress as it comes: redrawn in place on a terminal, a line per step off one; nothing when quiet. */
function progressPrinter(out: Output, quiet: boolean): { show(p: Progress): void; done(): void } {
  let drawn = 0;
  let lastStep = '';
  return {
    show(p) {
      if (quiet) return;
      if (!out.tty) {
        const step = `${p.phase} ${p.layersDone}/${p.layersTotal}`;
        if (step !== lastStep) out.stderr.write(progressStep(p) + '\n');
        lastStep = step;
        return;
      }
      const cols = out.columns ?? 80;
      const lines = progressLines(p).map((l) => l.slice(0, cols - 1));
      // back to the first line drawn, then each line over the old one
      out.stderr.write(`${drawn > 1 ? `\x1b[${drawn - 1}A` : ''}\r${lines.map((l) => `\x1b[K${l}`).join('\n')}`);
      drawn = lines.length;
    },
    done() {
      if (drawn) out.stderr.write('\n');
    },
  };
}

/** Pulls as PARAMS say, showing the progress on OUT's stderr; the image corrald answers with. */
async function pullImage(c: Client, params: ParamsOf<'image.pull'>, out: Output, quiet = false): Promise<ImageT> {
  const printer = progressPrinter(out, quiet);
  // corrald sends a pull's progress to the connection that asked, and this one asks one pull at a time
  const off = c.onNotification('image.progress', (p) => printer.show(p));
  try {
    return await c.request('image.pull', params, { timeoutMs: PULL_TIMEOUT_MS });
  } finally {
    off();
    printer.done();
  }
}

export type PullPolicy = 'missing' | 'always' | 'never';
export const PULL_POLICIES: PullPolicy[] = ['missing', 'always', 'never'];

/** The image REF names, pulled first when POLICY says so (run and create): podman's --pull. */
export async function imageFor(c: Client, ref: string, policy: PullPolicy, p: Parsed, out: Output): Promise<ImageT> {
  if (policy !== 'always') {
    try {
      return await c.request('image.get', { ref });
    } catch (err) {
      if (policy === 'never' || !isCorralError(err, 'not_found')) throw err;
    }
  }
  return pullImage(c, pullParams(ref, p), out);
}

const pull = verb({
  name: 'pull',
  group: 'Images',
  summary: 'fetch an image from a registry, showing its progress, and print its name and digest',
  args: 'IMAGE',
  minArgs: 1,
  maxArgs: 1,
  complete: 'images',
  mutates: true,
  details:
    'Short names are read as podman reads them: busybox is docker.io/library/busybox:latest. On a terminal the progress ' +
    'is redrawn in place, a line for the pull with a bar of its bytes and one per layer; off a terminal it is a line per ' +
    'step on stderr. Two pulls of one name at once download it once.',
  flags: [...PULL_FLAGS, { name: 'quiet', short: 'q', help: 'no progress; print the digest only' }],
  async run(ctx, p) {
    const quiet = bool(p, 'quiet');
    const image = await pullImage(await ctx.client(), pullParams(p.positionals[0], p), ctx.out, quiet);
    // the image may have held other names already: the one pulled is the one to show
    ctx.out.stdout.write(quiet ? `${image.digest}\n` : `${parseRef(p.positionals[0]).name} ${image.digest}\n`);
    return 0;
  },
});

/** One row of `corral images`: one per name of an image, as podman lists them, and one for an image with none. */
function imageRows(images: ImageT[]) {
  return images.flatMap((im) =>
    (im.names.length ? im.names : [undefined]).map((name) => {
      const ref = name ? parseRef(name) : undefined;
      const repo = ref ? shortName(ref.name).replace(/[:@][^/]*$/, '') : '<none>';
      return {
        ...im,
        Repository: repo,
        Tag: ref?.tag ?? '<none>',
        Name: name ?? '<none>',
        ID: imageId(im.digest),
        Digest: im.digest,
        Created: ago(im.created ?? im.addedAt),
        Size: bytes(im.size),
        Layers: im.layers.length,
      };
    }),
  );
}
type ImageRow = ReturnType<typeof imageRows>[number];

const IMAGE_COLUMNS: Column<ImageRow>[] = [
  { header: 'REPOSITORY', get: (r) => r.Repository, flex: true },
  { header: 'TAG', get: (r) => r.Tag },
  { header: 'IMAGE ID', get: (r) => r.ID },
  { header: 'CREATED', get: (r) => r.Created },
  { header: 'SIZE', get: (r) => r.Size },
  { header: 'LAYERS', get: (r) => String(r.Layers) },
];

const images = verb({
  name: 'images',
  group: 'Images',
  summary: 'list the images corrald holds, a row per name',
  args: '',
  maxArgs: 0,
  mutates: false,
  flags: [
    { name: 'quiet', short: 'q', help: 'print the image ids only, once each' },
    { ...FORMAT_FLAG, help: 'table (the default), json (the images as the API gives them), or a template such as \'{{.Repository}}:{{.Tag}} {{.ID}}\'' },
  ],
  async run(ctx, p) {
    const list = (await (await ctx.client()).request('image.list', {})).images;
    const format = str(p, 'format');
    if (bool(p, 'quiet')) for (const im of list) ctx.out.stdout.write(`${imageId(im.digest)}\n`);
    else if (format === 'json') printList(list, { format, out: ctx.out, columns: [], row: (x) => x });
    else printList(imageRows(list), { format, out: ctx.out, columns: IMAGE_COLUMNS, row: (r) => r });
    return 0;
  },
});

const IMPORT_FORMATS = ['oci-archive', 'docker-archive', 'oci'] as const;
type ImportFormat = (typeof IMPORT_FORMATS)[number];

const importVerb = verb({
  name: 'import',
  group: 'Images',
  summary: 'add an image from an OCI or docker archive, or an OCI layout folder, and print its name and digest',
  args: 'PATH',
  minArgs: 1,
  maxArgs: 1,
  complete: 'files',
  mutates: true,
  flags: [
    { name: 'format', value: 'FORMAT', choices: [...IMPORT_FORMATS], help: `${IMPORT_FORMATS.join(', ')}; default: what PATH holds` },
    { name: 'ref', value: 'REF', help: 'the name to give it, when the archive names none or another' },
  ],
  async run(ctx, p) {
    const format = str(p, 'format') as ImportFormat | undefined;
    const ref = str(p, 'ref');
    const c = await ctx.client();
    const printer = progressPrinter(ctx.out, false);
    const off = c.onNotification('image.progress', (x) => printer.show(x));
    try {
      const image = await c.request('image.import', { path: path.resolve(p.positionals[0]), ...(format ? { format } : {}), ...(ref ? { ref } : {}) }, { timeoutMs: PULL_TIMEOUT_MS });
      printer.done();
      // the image may have held other names already: the one given is the one to show
      const shown = ref ? parseRef(ref).name : image.names.join(',') || '<none>';
      ctx.out.stdout.write(`${shown} ${image.digest}\n`);
    } finally {
      off();
    }
    return 0;
  },
});

const rmi = verb({
  name: 'rmi',
  group: 'Images',
  summary: 'remove images (a name: that name, and the image with its last one; a digest or id: every name)',
  args: 'IMAGE [IMAGE...]',
  minArgs: 1,
  complete: 'images',
  mutates: true,
  details: 'Prints "Untagged: NAME" for each name removed, "Deleted: DIGEST" for each image, and with --force "Removed container: ID" for each container deleted with it, as podman does.',
  flags: [{ name: 'force', short: 'f', help: 'also delete the stopped and created containers made from it (never a running one)' }],
  run: (ctx, p) =>
    each(ctx, 'rmi', p.positionals, async (c, ref) => {
      const r = await c.request('image.remove', { ref, ...(bool(p, 'force') ? { force: true } : {}) });
      for (const id of r.containers) ctx.out.stdout.write(`Removed container: ${id}\n`);
      for (const name of r.untagged) ctx.out.stdout.write(`Untagged: ${name}\n`);
      for (const digest of r.deleted) ctx.out.stdout.write(`Deleted: ${digest}\n`);
    }),
});

const inspectImage = verb({
  name: 'image inspect',
  group: 'Images',
  summary: 'print images as JSON: names, digest, size, layers and the config a container starts with',
  args: 'IMAGE [IMAGE...]',
  minArgs: 1,
  complete: 'images',
  mutates: false,
  flags: [{ ...FORMAT_FLAG, help: 'json (the default: an array), or a template applied to each, such as \'{{.Digest}} {{.Config.Cmd}}\'' }],
  async run(ctx, p) {
    const found: ImageT[] = [];
    const status = await each(ctx, 'image inspect', p.positionals, async (c, ref) => void found.push(await c.request('image.get', { ref })));
    printInspected(found, str(p, 'format'), ctx.out);
    return status;
  },
});

const prune = verb({
  name: 'image prune',
  group: 'Images',
  summary: 'remove what no image holds any more (unpacked trees and blobs left by removals and interrupted pulls)',
  args: '',
  maxArgs: 0,
  mutates: true,
  flags: [],
  async run(ctx) {
    const r = await (await ctx.client()).request('image.prune', {});
    ctx.out.stdout.write(`Removed ${r.trees} unpacked ${r.trees === 1 ? 'tree' : 'trees'} and ${r.blobs} ${r.blobs === 1 ? 'blob' : 'blobs'}\nTotal reclaimed space: ${bytes(r.bytesFreed)}\n`);
    return 0;
  },
});

export const imageVerbs: VerbSpec[] = [pull, images, importVerb, rmi, inspectImage, prune];
