#!/usr/bin/env node
// The set-up both README commands begin with: checks for root, installs the
// Debian packages corral runs on (runc, conmon, busybox-static, and skopeo and
// umoci for images) and the ones its tests drive (socat, tmux, groff-base for
// the man page lint, strace for the fuzz test's watch on corrald's writes,
// docker-registry for a local registry to pull from, containerd whose own CRI
// plugin the CRI test compares corral with) through apt-get when they are
// absent, and the npm dependencies when node_modules is missing or older than
// the lock file.
// Anything it cannot do ends in one line that says what to do.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const PACKAGES = ['runc', 'conmon', 'busybox-static', 'skopeo', 'umoci', 'socat', 'tmux', 'groff-base', 'strace', 'docker-registry', 'containerd'];
// apt-get can legitimately take minutes on a cold mirror; past this it is stuck.
const APT_TIMEOUT_MS = 15 * 60 * 1000;

function die(message) {
  process.stderr.write(`corral setup: ${message}\n`);
  process.exit(1);
}

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

if (process.platform !== 'linux') die('corral runs Linux containers: use a Linux host');
if (process.getuid?.() !== 0) die('run as root (sudo npm start / sudo npm test): runc and conmon need it');

const missing = have('dpkg-query') ? PACKAGES.filter((p) => !installed(p)) : PACKAGES.filter((p) => !have(p === 'busybox-static' ? 'busybox' : p));
if (missing.length) {
  if (!have('apt-get')) die(`missing ${missing.join(', ')} and no apt-get to install them: install them with your package manager`);
  process.stderr.write(`corral setup: installing ${missing.join(', ')} with apt-get ...\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { stdio: ['ignore', 'inherit', 'inherit'], env, timeout: APT_TIMEOUT_MS };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], opts);
  if (r.status !== 0) {
    // a fresh machine has no package lists yet
    spawnSync('apt-get', ['update', '-q'], opts);
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], opts);
  }
  if (r.status !== 0) die(`apt-get could not install ${missing.join(', ')}; run "apt-get update && apt-get install -y ${missing.join(' ')}" and look at its errors`);
}
for (const bin of ['runc', 'conmon']) if (!have(bin)) die(`${bin} is not on PATH after installing it; check your PATH`);

const lock = path.join(top, 'package-lock.json');
const stamp = path.join(top, 'node_modules', '.package-lock.json');
const stale = !fs.existsSync(stamp) || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(stamp).mtimeMs);
if (stale) {
  process.stderr.write('corral setup: installing npm dependencies ...\n');
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: top, stdio: 'inherit' });
  } catch {
    die('npm install failed; check the network to the npm registry and run it again');
  }
}
