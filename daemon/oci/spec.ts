// The parts of the OCI runtime spec (config.json) that runc needs to run a
// container, as a zod schema, and the bundle check that container.create runs
// before anything is written: absolute path, config.json parses and passes the
// schema, the root filesystem exists and is a real folder inside reach.
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { User } from '../../shared/api.js';
import { CorralError } from '../../shared/errors.js';

// The API's User (what process.exec takes) plus the spec's other fields (umask,
// username): an exec's user is then always one that a bundle could name.
const OciUser = User.loose();

export const OciProcess = z.looseObject({
  terminal: z.boolean().optional(),
  user: OciUser,
  args: z.array(z.string()).min(1, 'process.args must name the program to run'),
  env: z.array(z.string()).optional(),
  cwd: z.string().startsWith('/', 'process.cwd must be an absolute path'),
});

const OciSpec = z.looseObject({
  ociVersion: z.string(),
  process: OciProcess,
  root: z.looseObject({ path: z.string().min(1), readonly: z.boolean().optional() }),
  hostname: z.string().optional(),
  mounts: z.array(z.looseObject({ destination: z.string(), type: z.string().optional(), source: z.string().optional() })).optional(),
  linux: z.looseObject({}).optional(),
});

export type OciSpecT = z.output<typeof OciSpec>;
export type OciProcessT = z.output<typeof OciProcess>;

/** Loads and checks BUNDLE; every failure is invalid_bundle with what to fix. */
export async function loadBundle(bundle: string): Promise<OciSpecT> {
  if (!path.isAbsolute(bundle)) throw new CorralError('invalid_bundle', `bundle must be an absolute path, got "${bundle}"`);
  const st = await fs.stat(bundle).catch(() => undefined);
  if (!st?.isDirectory()) throw new CorralError('invalid_bundle', `bundle ${bundle} is not a folder; create one with \`corral bundle create ${bundle}\``);
  const configPath = path.join(bundle, 'config.json');
  let text: string;
  try {
    text = await fs.readFile(configPath, 'utf8');
  } catch (err) {
    throw new CorralError('invalid_bundle', `cannot read ${configPath} (${(err as NodeJS.ErrnoException).code}); a bundle needs a config.json (see \`runc spec\`)`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CorralError('invalid_bundle', `${configPath} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = OciSpec.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new CorralError('invalid_bundle', `${configPath} is not a valid OCI runtime spec: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { data: { issues } });
  }
  const spec = parsed.data;
  const rootfs = path.resolve(bundle, spec.root.path);
  const rst = await fs.stat(rootfs).catch(() => undefined);
  if (!rst?.isDirectory()) throw new CorralError('invalid_bundle', `root filesystem ${rootfs} (root.path in config.json) does not exist or is not a folder`);
  return spec;
}
