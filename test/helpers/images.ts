// Test images and a registry, made with the real tools and nothing from the
// internet: two images built from busybox-static with umoci (the second adds
// a layer that deletes a file of the first, so the whiteout must hold in a
// container, and sets Env, WorkingDir and Entrypoint), archives of them made
// with skopeo, and Debian's docker-registry on 127.0.0.1 (bench/registry.ts,
// shared with the bench's pull figure), optionally behind htpasswd auth.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startRegistry as startRegistryAt, type Registry } from '../../bench/registry.js';

export type { Registry } from '../../bench/registry.js';

const APPLETS = ['sh', 'echo', 'cat', 'ls', 'sleep', 'true', 'pwd', 'id', 'env', 'touch', 'rm', 'mkdir', 'test', 'wc'];

/** The credentials of an auth registry; the hash is bcrypt of the password, as htpasswd -B makes it. */
export const REGISTRY_USER = 'corral';
export const REGISTRY_PASSWORD = 's3cret-corral-pw-91c7';
const REGISTRY_HTPASSWD = `${REGISTRY_USER}:$2b$05$corraltestsaltcorralteu6IMS3H4Op3uj.f16zaZ8wN7Y29kQ4W\n`;

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}); npm test installs it (scripts/setup.mjs)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export interface TestImages {
  dir: string;
  /** The OCI layout holding tags `base` and `two`. */
  layout: string;
  /** The busybox image: Cmd echoes hello-from-image; /etc/old exists. */
  base: string;
  /** base + a layer deleting /etc/old and adding /etc/two; Entrypoint sh -c, Cmd prints what the container sees. */
  two: string;
  /** oci-archive and docker-archive of `two`, the latter named corral/two:archive. */
  ociArchive: string;
  dockerArchive: string;
  /** `two` again with no command at all. */
  noCommand: string;
}

/** Builds the test images under DIR (about a second). */
export async function buildTestImages(dir: string): Promise<TestImages> {
  const layout = path.join(dir, 'oci');
  const stage = path.join(dir, 'stage');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'srv']) await fsp.mkdir(path.join(stage, d), { recursive: true });
  await fsp.copyFile('/bin/busybox', path.join(stage, 'bin/busybox'));
  await fsp.chmod(path.join(stage, 'bin/busybox'), 0o755);
  for (const a of APPLETS) await fsp.symlink('busybox', path.join(stage, 'bin', a));
  await fsp.writeFile(path.join(stage, 'etc/old'), 'from the base layer\n');
  await fsp.writeFile(path.join(stage, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/srv:/bin/sh\n');
  await fsp.writeFile(path.join(stage, 'etc/group'), 'root:x:0:\nwww:x:33:\n');
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:base`]);
  run('umoci', ['insert', '--image', `${layout}:base`, stage, '/']);
  run('umoci', ['config', '--image', `${layout}:base`, '--config.cmd', '/bin/sh', '--config.cmd', '-c', '--config.cmd', 'echo hello-from-image', '--config.env', 'PATH=/bin']);
  // the second layer: umoci repack records the deletion as a .wh. entry
  const unpacked = path.join(dir, 'two-bundle');
  run('umoci', ['unpack', '--image', `${layout}:base`, unpacked]);
  await fsp.rm(path.join(unpacked, 'rootfs/etc/old'));
  await fsp.writeFile(path.join(unpacked, 'rootfs/etc/two'), 'from the second layer\n');
  run('umoci', ['repack', '--image', `${layout}:two`, unpacked]);
  run('umoci', [
    'config', '--image', `${layout}:two`,
    '--config.entrypoint', '/bin/sh', '--config.entrypoint', '-c',
    '--config.cmd', 'pwd; echo greeting=$GREETING; cat /etc/old 2>&1; cat /etc/two',
    '--config.env', 'PATH=/bin', '--config.env', 'GREETING=hi-from-env',
    '--config.workingdir', '/srv',
    '--config.label', 'org.corral.test=two',
  ]);
  run('umoci', ['config', '--image', `${layout}:two`, '--tag', 'nocmd', '--clear', 'config.entrypoint', '--clear', 'config.cmd']);
  const ociArchive = path.join(dir, 'two-oci.tar');
  const dockerArchive = path.join(dir, 'two-docker.tar');
  run('skopeo', ['copy', '--quiet', `oci:${layout}:two`, `oci-archive:${ociArchive}`]);
  run('skopeo', ['copy', '--quiet', `oci:${layout}:two`, `docker-archive:${dockerArchive}:corral/two:archive`]);
  return { dir, layout, base: `${layout}:base`, two: `${layout}:two`, noCommand: `${layout}:nocmd`, ociArchive, dockerArchive };
}

/** Starts docker-registry (bench/registry.ts) on 127.0.0.1 with its storage under DIR; with AUTH, behind htpasswd as REGISTRY_USER. */
export function startRegistry(dir: string, auth = false): Promise<Registry> {
  return startRegistryAt(dir, auth ? { htpasswd: REGISTRY_HTPASSWD, creds: `${REGISTRY_USER}:${REGISTRY_PASSWORD}` } : undefined);
}

/** Overlay mounts at or below DIR, from the kernel's own table. */
export function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')));
}

/** A scratch folder for a test file's images and registry. */
export const scratch = (name: string) => fsp.mkdtemp(path.join(os.tmpdir(), `corral-${name}-`));
