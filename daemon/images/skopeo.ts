// A thin wrapper of skopeo, which does every transport corral speaks:
// docker:// (registries), oci:, oci-archive: and docker-archive:. It holds no
// state: each call runs skopeo under a named timeout and turns a failure into
// a CorralError carrying skopeo's own words and the ref, classified by the pure
// classifySkopeoError. Registry credentials reach skopeo only through an auth
// file (never its command line, which any user can read in /proc).
import { CorralError, type ErrorReason } from '../../shared/errors.js';
import { runTool, ToolError } from './tools.js';

/** A manifest or a tag list answers in a second; past this the registry is not answering. */
const INSPECT_TIMEOUT_MS = 60_000;
/** A whole image over a slow link; past this the pull is stuck, not slow. */
const COPY_TIMEOUT_MS = 60 * 60 * 1000;
const SKOPEO = 'skopeo';

export interface RegistryAccess {
  /** Plain HTTP or an unverified certificate. */
  insecure?: boolean;
  /** A 0600 containers-auth.json holding the credentials, if any. */
  authFile?: string;
}

/** Maps skopeo's words to an error reason; pure, table-tested. */
export function classifySkopeoError(message: string, source: 'registry' | 'archive'): ErrorReason {
  const m = message.toLowerCase();
  if (/no space left on device|disk quota exceeded|read-only file system/.test(m)) return 'unavailable';
  if (source === 'archive') {
    if (/no such file or directory|does not exist|unexpected eof|invalid tar|not a directory|archive\/tar|gzip|invalid argument|unsupported|more than one image/.test(m)) return 'invalid_params';
    return 'runtime_error';
  }
  // status codes as whole numbers: a registry on port 40391 is no 403
  if (/manifest unknown|name unknown|not found|no such image|repository .* not found|\b404\b/.test(m)) return 'not_found';
  if (/unauthorized|authentication required|denied|incorrect username or password|\b40[13]\b/.test(m)) return 'runtime_error';
  if (/connection refused|no such host|i\/o timeout|network is unreachable|dial tcp|connection reset|server gave http response|x509|tls|timeout|eof/.test(m)) return 'unavailable';
  return 'runtime_error';
}

function hintFor(reason: ErrorReason, message: string, source: 'registry' | 'archive'): string {
  const m = message.toLowerCase();
  if (/no space left|quota/.test(m)) return "; the disk under corrald's --root is full: free space (image.prune) and retry";
  if (/server gave http response|x509|tls/.test(m)) return '; for a registry on plain HTTP or with a self-signed certificate, pull with insecure: true';
  if (/unauthorized|authentication required|denied|incorrect username/.test(m)) return '; check username and password (or that the repository exists)';
  if (reason === 'not_found') return '; check the name and tag (skopeo list-tags docker://REPO)';
  if (reason === 'unavailable') return '; check that the registry is up and reachable from this host';
  if (source === 'archive') return '; give an image archive made by skopeo copy, podman save or docker save';
  return '';
}

/** skopeo's failure as corral's typed error, naming WHAT (the ref or the file). */
export function skopeoError(err: unknown, what: string, source: 'registry' | 'archive'): unknown {
  if (!(err instanceof ToolError)) return err;
  if (err.timedOut) return new CorralError('timeout', `skopeo ${what}: ${err.message}`, { cause: err });
  const reason = classifySkopeoError(err.message, source);
  return new CorralError(reason, `${what}: ${err.message}${hintFor(reason, err.message, source)}`, { data: { stderr: err.message }, cause: err });
}

function accessArgs(flag: 'src' | 'plain', a: RegistryAccess): string[] {
  const prefix = flag === 'src' ? '--src-' : '--';
  return [...(a.insecure ? [`${prefix}tls-verify=false`] : []), ...(a.authFile ? [`${prefix}authfile`, a.authFile] : [])];
}

/** The manifest (or index) of SOURCE as the registry or archive has it. */
export async function inspectRaw(source: string, access: RegistryAccess = {}): Promise<string> {
  const { stdout } = await runTool({ binary: SKOPEO, pkg: 'skopeo', args: ['inspect', '--raw', ...accessArgs('plain', access), source], timeoutMs: INSPECT_TIMEOUT_MS });
  return stdout;
}

/** The names a docker-archive holds (RepoTags), as skopeo lists them. */
export async function archiveTags(source: string): Promise<string[]> {
  const { stdout } = await runTool({ binary: SKOPEO, pkg: 'skopeo', args: ['list-tags', source], timeoutMs: INSPECT_TIMEOUT_MS });
  const parsed = JSON.parse(stdout) as { Tags?: unknown };
  return Array.isArray(parsed.Tags) ? parsed.Tags.filter((t): t is string => typeof t === 'string') : [];
}

export interface CopyToLayout {
  source: string;
  /** oci:<dir>:<tag>, a job's own layout: only its index.json lands there. */
  layout: string;
  /** Where every blob goes (the store's blobs/): a layer shared by two images is stored once. */
  sharedBlobDir: string;
  access?: RegistryAccess;
  pidFile: string;
  /** Where skopeo unpacks an oci-archive meanwhile: the job's folder, so a crash leaves nothing elsewhere. */
  tmpDir: string;
}

export async function copyToLayout(c: CopyToLayout): Promise<void> {
  await runTool({
    binary: SKOPEO,
    pkg: 'skopeo',
    args: ['copy', '--quiet', ...accessArgs('src', c.access ?? {}), '--dest-shared-blob-dir', c.sharedBlobDir, c.source, c.layout],
    timeoutMs: COPY_TIMEOUT_MS,
    pidFile: c.pidFile,
    env: { ...process.env, TMPDIR: c.tmpDir },
  });
}
