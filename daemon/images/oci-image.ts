// The parts of the OCI image format corral reads (image-spec: image-layout,
// index, manifest, config), as zod schemas, so that a blob that is not what
// its digest's role says is reported as such instead of crashing a reader.
import { z } from 'zod';

export const Descriptor = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z.looseObject({ architecture: z.string(), os: z.string() }).optional(),
});
export type DescriptorT = z.output<typeof Descriptor>;

export const OciIndex = z.looseObject({
  schemaVersion: z.literal(2),
  manifests: z.array(Descriptor),
});
export type OciIndexT = z.output<typeof OciIndex>;

export const Manifest = z.looseObject({
  schemaVersion: z.literal(2),
  config: Descriptor,
  layers: z.array(Descriptor),
});
export type ManifestT = z.output<typeof Manifest>;

export const ImageConfigBlob = z.looseObject({
  created: z.string().optional(),
  architecture: z.string().optional(),
  os: z.string().optional(),
  config: z
    .looseObject({
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      Env: z.array(z.string()).nullish(),
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
      StopSignal: z.string().nullish(),
    })
    .nullish(),
});
export type ImageConfigBlobT = z.output<typeof ImageConfigBlob>;

export const MEDIA_INDEX = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** When this corrald added the image: kept in the index entry, the one record of an image. */
export const ADDED_ANNOTATION = 'org.corral.added';
export const OCI_LAYOUT = { imageLayoutVersion: '1.0.0' };
