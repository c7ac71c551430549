// The version corral reports everywhere (daemon.version, --version), read once
// from package.json so that a release bump is one edit.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'corral' && pkg.version) return pkg.version;
    } catch {
      // not at this depth: running from dist/ or from source
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
