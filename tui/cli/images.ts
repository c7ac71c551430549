// The image verbs: pull (a progress bar redrawn in place on a terminal,
// plain lines off one), images, import, rmi, image inspect, image prune. They
// are written against the image.* methods that the images issue adds to
// corrald (image.pull with image.progress notifications, image.import,
// image.list, image.get, image.remove, image.prune); until shared/api.ts has
// them they go through rawRequest with the types below, which are the only
// part to adjust when the schemas land. A corrald without them answers
// method_not_found, which these verbs report as such (exit 125).
import path from 'node:path';
import type { Client } from '../../shared/client.js';
import { bytes } from '../format.js';
import { each } from './errors.js';
import { ago } from './human.js';
import { bool, str, UsageError } from './parse.js';
import { FORMAT_FLAG, verb, type Output, type VerbSpec } from './spec.js';
import { printInspected, printList, type Column } from './table.js';

/** An image as image.list and image.get answer (the planned schema). */
interface ImageT {
  ref: string;
  names: string[];
  digest: string;
  size: number;
  layers: number;
  created?: string;
  config: { entrypoint?: string[]; cmd?: string[]; env?: string[]; workdir?: string; user?: string; labels?: Record<string, string> };
  pulledAt: string;
}

/** image.progress's params. */
interface PullProgress {
  ref: string;
  layersDone: number;
  layersTotal: number;
  bytesDone: number;
  bytesTotal?: number;
  message?: string;
}

/** A pull may fetch hundreds of MiB; the daemon bounds it itself, this only stops a hung wait. */
const PULL_TIMEOUT_MS = 30 * 60_000;

const BAR_WIDTH = 24;

/** One line of pull progress: a bar when the total is known, counts otherwise. */
export function progressLine(p: PullProgress, bar: boolean): string {
  const total = p.bytesTotal && p.bytesTotal > 0 ? p.bytesTotal : undefined;
  const frac = total ? Math.min(1, p.bytesDone / total) : p.layersTotal ? p.layersDone / p.layersTotal : 0;
  const filled = Math.round(frac * BAR_WIDTH);
  const drawn = bar ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
  const size = `${bytes(p.bytesDone)}${total ? ` / ${bytes(total)}` : ''}`;
  return `${p.ref}: ${drawn}layers ${p.layersDone}/${p.layersTotal}, ${size}${p.message ? ` ${p.message}` : ''}`;
}

/** Prints progress as it comes: redrawn in place on a terminal, a line per change off one. */
function progressPrinter(out: Output): { show(p: PullProgress): void; done(): void } {
  let last = '';
  let drawn = false;
  return {
    show(p) {
      const line = progressLine(p, out.tty);
      if (line === last) return;
      last = line;
      if (out.tty) {
        out.stderr.write(`\r\x1b[K${line}`);
        drawn = true;
      } else out.stderr.write(line + '\n');
    },
    done() {
      if (drawn) out.stderr.write('\n');
    },
  };
}

async function pullImage(c: Client, ref: string, o: { insecure: boolean; creds?: string }, out: Output): Promise<ImageT> {
  const printer = progressPrinter(out);
  // image.progress is not in shared/api.ts's notifications yet, so it is heard by its event name
  const onProgress = (p: PullProgress) => {
    if (p.ref === ref) printer.show(p);
  };
  c.on('notification:image.progress', onProgress);
  const [username, password] = o.creds === undefined ? [] : [o.creds.slice(0, o.creds.indexOf(':')), o.creds.slice(o.creds.indexOf(':') + 1)];
  if (o.creds !== undefined && !o.creds.includes(':')) throw new UsageError('--creds takes USER:PASSWORD');
  try {
    return (await c.rawRequest('image.pull', { ref, ...(o.insecure ? { insecure: true } : {}), ...(username !== undefined ? { username, password } : {}) }, { timeoutMs: PULL_TIMEOUT_MS })) as ImageT;
  } finally {
    c.off('notification:image.progress', onProgress);
    printer.done();
  }
}

const pull = verb({
  name: 'pull',
  group: 'Images',
  summary: 'fetch an image from a registry, showing its progress',
  args: 'IMAGE',
  minArgs: 1,
  maxArgs: 1,
  complete: 'images',
  mutates: true,
  flags: [
    { name: 'insecure', help: 'allow a registry over plain HTTP or with a certificate that does not verify' },
    { name: 'creds', value: 'USER:PASSWORD', help: 'log in to the registry with these' },
    { name: 'quiet', short: 'q', help: 'no progress; print the digest only' },
  ],
  async run(ctx, p) {
    const quiet = bool(p, 'quiet');
    const sink: Output = quiet ? { ...ctx.out, stderr: { write: () => true } as unknown as NodeJS.WritableStream, tty: false } : ctx.out;
    const image = await pullImage(await ctx.client(), p.positionals[0], { insecure: bool(p, 'insecure'), creds: str(p, 'creds') }, sink);
    ctx.out.stdout.write(quiet ? `${image.digest}\n` : `${image.ref} ${image.digest}\n`);
    return 0;
  },
});

const shortDigest = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

const imageRow = (im: ImageT) => ({
  Ref: im.names[0] ?? im.ref,
  Names: im.names.join(','),
  Digest: im.digest,
  ID: shortDigest(im.digest),
  Size: bytes(im.size),
  Layers: im.layers,
  Created: ago(im.created),
  Pulled: ago(im.pulledAt),
});
type ImageRow = ReturnType<typeof imageRow>;

const IMAGE_COLUMNS: Column<ImageRow>[] = [
  { header: 'IMAGE', get: (r) => r.Ref, flex: true },
  { header: 'ID', get: (r) => r.ID },
  { header: 'CREATED', get: (r) => r.Created },
  { header: 'SIZE', get: (r) => r.Size },
  { header: 'LAYERS', get: (r) => String(r.Layers) },
  { header: 'PULLED', get: (r) => r.Pulled },
];

const images = verb({
  name: 'images',
  group: 'Images',
  summary: 'list the images corrald holds',
  args: '',
  maxArgs: 0,
  mutates: false,
  flags: [{ name: 'quiet', short: 'q', help: 'print the references only' }, FORMAT_FLAG],
  async run(ctx, p) {
    const res = (await (await ctx.client()).rawRequest('image.list', {})) as { images: ImageT[] };
    if (bool(p, 'quiet')) for (const im of res.images) ctx.out.stdout.write(`${im.names[0] ?? im.ref}\n`);
    else printList(res.images, { format: str(p, 'format'), out: ctx.out, columns: IMAGE_COLUMNS, row: imageRow });
    return 0;
  },
});

const FORMATS = ['oci-archive', 'docker-archive', 'oci'];

const importVerb = verb({
  name: 'import',
  group: 'Images',
  summary: 'add an image from an OCI or docker archive, or an OCI layout folder',
  args: 'PATH',
  minArgs: 1,
  maxArgs: 1,
  complete: 'files',
  mutates: true,
  flags: [
    { name: 'format', value: 'FORMAT', help: `${FORMATS.join(', ')}; default: what PATH holds` },
    { name: 'ref', value: 'REF', help: 'the reference to give it, when the archive names none or another' },
  ],
  async run(ctx, p) {
    const format = str(p, 'format');
    if (format !== undefined && !FORMATS.includes(format)) throw new UsageError(`--format takes one of ${FORMATS.join(', ')}, got "${format}"`);
    const ref = str(p, 'ref');
    const image = (await (await ctx.client()).rawRequest('image.import', { path: path.resolve(p.positionals[0]), ...(format ? { format } : {}), ...(ref ? { ref } : {}) }, { timeoutMs: PULL_TIMEOUT_MS })) as ImageT;
    ctx.out.stdout.write(`${image.ref} ${image.digest}\n`);
    return 0;
  },
});

const rmi = verb({
  name: 'rmi',
  group: 'Images',
  summary: 'remove images',
  args: 'IMAGE [IMAGE...]',
  minArgs: 1,
  complete: 'images',
  mutates: true,
  flags: [{ name: 'force', short: 'f', help: 'remove it even when containers were made from it' }],
  run: (ctx, p) => each(ctx, 'rmi', p.positionals, async (c, ref) => {
    await c.rawRequest('image.remove', { ref, ...(bool(p, 'force') ? { force: true } : {}) });
    ctx.out.stdout.write(`${ref}\n`);
  }),
});

const inspectImage = verb({
  name: 'image inspect',
  group: 'Images',
  summary: 'print images as JSON, with their config',
  args: 'IMAGE [IMAGE...]',
  minArgs: 1,
  complete: 'images',
  mutates: false,
  flags: [{ ...FORMAT_FLAG, help: 'json (the default: an array), or a template applied to each, such as \'{{.Digest}}\'' }],
  async run(ctx, p) {
    const found: ImageT[] = [];
    const status = await each(ctx, 'image inspect', p.positionals, async (c, ref) => void found.push((await c.rawRequest('image.get', { ref })) as ImageT));
    printInspected(found, str(p, 'format'), ctx.out);
    return status;
  },
});

const prune = verb({
  name: 'image prune',
  group: 'Images',
  summary: 'remove the images no container uses',
  args: '',
  maxArgs: 0,
  mutates: true,
  flags: [],
  async run(ctx) {
    const res = (await (await ctx.client()).rawRequest('image.prune', {})) as { removed: string[]; bytesFreed: number };
    for (const ref of res.removed) ctx.out.stdout.write(`${ref}\n`);
    ctx.out.stdout.write(`Total reclaimed space: ${bytes(res.bytesFreed)}\n`);
    return 0;
  },
});

export const imageVerbs: VerbSpec[] = [pull, images, importVerb, rmi, inspectImage, prune];
