// How corrald puts a listening Unix socket in place, for the API sockets and
// the CRI's alike: bound under a private name with a 0177 umask, given its
// group and mode 0660, then renamed to its path, so that a client that
// connects the moment the socket appears (a script, a test, kubelet) never
// meets it still 0600 root:root, and a failure leaves nothing behind.
import fs from 'node:fs/promises';
import type net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { CorralError } from '../../shared/errors.js';

export async function bindUnixSocket(server: net.Server, file: string, group: string): Promise<void> {
  const gid = groupId(group);
  const binding = path.join(path.dirname(file), `.binding-${process.pid}-${path.basename(file)}`);
  await fs.rm(binding, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const old = process.umask(0o177);
    server.listen(binding, () => {
      process.umask(old);
      server.off('error', reject);
      resolve();
    });
  });
  try {
    await fs.chown(binding, 0, gid);
    await fs.chmod(binding, 0o660);
    await fs.rename(binding, file);
  } catch (err) {
    server.close();
    await fs.rm(binding, { force: true });
    throw err;
  }
}

/** GROUP's gid: a number, root, or a name getent knows. */
function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  if (group === 'root') return 0;
  try {
    const line = execFileSync('getent', ['group', group], { encoding: 'utf8', timeout: 5_000 }).trim();
    return Number(line.split(':')[2]);
  } catch {
    throw new CorralError('invalid_params', `group ${group} does not exist; create it (groupadd ${group}) or pass another --group`);
  }
}
