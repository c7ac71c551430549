// Installs the peers the full bench compares corral with (Debian packages
// containerd and podman) when their programs are missing, the way
// scripts/setup.mjs installs corral's own dependencies: apt-get install, and
// apt-get update then a second try when the package lists are missing or stale.
// Returns why a peer cannot be had instead of throwing, so that the run goes on
// and records the reason where the peer's figures would be.
import { have, run } from './exec.js';

// apt-get on a cold mirror can take minutes; past this it is stuck.
const APT_TIMEOUT_MS = 15 * 60 * 1000;

export interface Package {
  name: string;
  /** The programs the bench needs from it. */
  programs: string[];
}

export const PEER_PACKAGES: Package[] = [
  { name: 'containerd', programs: ['containerd', 'ctr', 'containerd-shim-runc-v2'] },
  { name: 'podman', programs: ['podman'] },
];

async function missingPrograms(pkg: Package): Promise<string[]> {
  const missing: string[] = [];
  for (const p of pkg.programs) if (!(await have(p))) missing.push(p);
  return missing;
}

/** Returns, per package name, null when usable or the reason it is not. */
export async function ensurePackages(pkgs: Package[], log: (line: string) => void): Promise<Record<string, string | null>> {
  const result: Record<string, string | null> = {};
  const toInstall: Package[] = [];
  for (const pkg of pkgs) {
    if ((await missingPrograms(pkg)).length === 0) result[pkg.name] = null;
    else toInstall.push(pkg);
  }
  if (toInstall.length === 0) return result;
  if (process.getuid?.() !== 0) {
    for (const pkg of toInstall) result[pkg.name] = `${pkg.name} is not installed and the bench is not root: apt-get install -y ${pkg.name}`;
    return result;
  }
  if (!(await have('apt-get'))) {
    for (const pkg of toInstall) result[pkg.name] = `${pkg.name} is not installed and there is no apt-get to install it`;
    return result;
  }
  const names = toInstall.map((p) => p.name);
  log(`installing ${names.join(', ')} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...names], { timeoutMs: APT_TIMEOUT_MS, env });
  let r = await install();
  if (r.code !== 0) {
    await run('apt-get', ['update', '-q'], { timeoutMs: APT_TIMEOUT_MS, env });
    r = await install();
  }
  for (const pkg of toInstall) {
    const missing = await missingPrograms(pkg);
    result[pkg.name] = missing.length === 0 ? null : `apt-get install ${pkg.name} left ${missing.join(', ')} missing: ${(r.stderr || r.stdout).trim().slice(-300)}`;
  }
  return result;
}
