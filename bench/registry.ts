// Debian's docker-registry (distribution v2) served on 127.0.0.1 at a port
// the kernel picks (read back from its log), optionally behind htpasswd auth:
// the local registry both the image tests (test/helpers/images.ts) and the
// bench's pull figure (bench/images.ts) pull from, so that nothing comes from
// the internet. Pushing to it is skopeo's job, as every transport is.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** A registry answers within a second of starting; past this it did not start. */
const REGISTRY_START_TIMEOUT_MS = 20_000;
/** A push of a test image is a few MiB to 127.0.0.1. */
const PUSH_TIMEOUT_MS = 120_000;

export interface Registry {
  /** host:port */
  host: string;
  proc: ChildProcess;
  /** Copies a local image (transport:ref) to REPO:TAG in this registry. */
  push: (source: string, repoTag: string) => void;
  stop: () => Promise<void>;
}

export interface RegistryAuth {
  /** An htpasswd line (bcrypt), and the user:password skopeo pushes with. */
  htpasswd: string;
  creds: string;
}

/** Starts docker-registry on 127.0.0.1 with its storage under DIR; with AUTH, behind htpasswd. */
export async function startRegistry(dir: string, auth?: RegistryAuth): Promise<Registry> {
  await fsp.mkdir(dir, { recursive: true });
  const htpasswd = path.join(dir, 'htpasswd');
  if (auth) await fsp.writeFile(htpasswd, auth.htpasswd);
  const config = path.join(dir, 'registry.yml');
  await fsp.writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: info }',
      `storage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} }, delete: { enabled: true } }`,
      'http: { addr: "127.0.0.1:0" }',
      ...(auth ? [`auth: { htpasswd: { realm: corral, path: ${htpasswd} } }`] : []),
      '',
    ].join('\n'),
  );
  const proc = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const host = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start in ${REGISTRY_START_TIMEOUT_MS} ms:\n${log}`)), REGISTRY_START_TIMEOUT_MS);
    proc.on('error', (err) => reject(new Error(`docker-registry could not run (${err.message}); scripts/setup.mjs installs it`)));
    proc.on('exit', (code) => reject(new Error(`docker-registry exited (${code}):\n${log}`)));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      log += d;
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  // the log keeps coming (one line per request): drop it rather than let the pipe fill
  proc.stderr!.removeAllListeners('data');
  proc.stderr!.resume();
  const creds = auth ? ['--dest-creds', auth.creds] : [];
  return {
    host,
    proc,
    push: (source, repoTag) => {
      const args = ['copy', '--quiet', '--dest-tls-verify=false', ...creds, source, `docker://${host}/${repoTag}`];
      const r = spawnSync('skopeo', args, { encoding: 'utf8', timeout: PUSH_TIMEOUT_MS });
      if (r.error) throw new Error(`skopeo could not run (${r.error.message}); scripts/setup.mjs installs it`);
      if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
    },
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
    },
  };
}
