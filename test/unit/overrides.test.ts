// container.create's changes to a bundle's process (daemon/oci/spec.ts
// withOverrides): args, cwd and user replace the bundle's; env adds to it, a
// name given again taking the new value and keeping nothing of the old.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withOverrides } from '../../daemon/oci/spec.js';

const proc = { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin', 'TERM=xterm'], cwd: '/', noNewPrivileges: true };

test('overrides replace args, cwd and user, and merge env by name', () => {
  assert.deepEqual(withOverrides(proc, {}), proc);
  const o = withOverrides(proc, { args: ['ls', '/'], env: ['TERM=dumb', 'A=1=2'], cwd: '/tmp', user: { uid: 1000, gid: 100 } });
  assert.deepEqual(o, { ...proc, args: ['ls', '/'], env: ['PATH=/bin', 'TERM=dumb', 'A=1=2'], cwd: '/tmp', user: { uid: 1000, gid: 100 } });
  assert.deepEqual(withOverrides({ ...proc, env: undefined }, { env: ['A=1'] }).env, ['A=1']);
  assert.deepEqual(proc.env, ['PATH=/bin', 'TERM=xterm'], 'the bundle\'s own process is left as it was');
});
