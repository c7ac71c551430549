// The one busybox image every peer runs: the root filesystem of corral's own
// bench bundle (shared/bundle.ts), packed by hand as an OCI image layout
// archive (one uncompressed layer, a config, a manifest, an index), so that
// containerd (`ctr images import`) and podman (`podman load`) get exactly the
// files corral and bare runc run, and neither import depends on the other
// tool working on this host.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runOk } from './exec.js';

/** Name the image is imported under in both tools. */
export const IMAGE_REF = 'docker.io/library/corral-bench:latest';
const TAR_TIMEOUT_MS = 60_000;

async function blob(dir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const hex = crypto.createHash('sha256').update(data).digest('hex');
  await fs.writeFile(path.join(dir, 'blobs/sha256', hex), data);
  return { digest: `sha256:${hex}`, size: data.length };
}

/** Writes WORK/oci-image.tar from BUNDLE/rootfs and returns its path. */
export async function buildOciArchive(bundle: string, work: string): Promise<string> {
  const layout = path.join(work, 'oci-layout');
  await fs.rm(layout, { recursive: true, force: true });
  await fs.mkdir(path.join(layout, 'blobs/sha256'), { recursive: true });
  const layerTar = path.join(work, 'rootfs-layer.tar');
  // numeric owner 0 so that the files are root's inside the container, whoever runs the bench
  await runOk('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', path.join(bundle, 'rootfs'), '-cf', layerTar, '.'], { timeoutMs: TAR_TIMEOUT_MS });
  const layer = await blob(layout, await fs.readFile(layerTar));
  const config = await blob(
    layout,
    Buffer.from(
      JSON.stringify({
        architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], WorkingDir: '/' },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = await blob(
    layout,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  await fs.writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await fs.writeFile(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          // containerd names the image after the first, podman after the second
          annotations: { 'io.containerd.image.name': IMAGE_REF, 'org.opencontainers.image.ref.name': IMAGE_REF },
        },
      ],
    }),
  );
  const archive = path.join(work, 'oci-image.tar');
  await runOk('tar', ['--numeric-owner', '-C', layout, '-cf', archive, '.'], { timeoutMs: TAR_TIMEOUT_MS });
  return archive;
}
