// The flags that shape a process, shared by run and create (for a
// container's init) and exec (for another process in it): its environment,
// working folder and user, read into the fields container.create and
// process.exec both take (env, cwd, user), checked here so that a typo is
// one line of usage rather than an API error.
import { parseUser } from './human.js';
import { list, str, UsageError } from './parse.js';
import type { FlagSpec, Parsed } from './spec.js';

export const PROCESS_FLAGS: FlagSpec[] = [
  { name: 'env', short: 'e', value: 'KEY=VALUE', multiple: true, help: "add to the process's environment (KEY alone takes its value from corral's own)" },
  { name: 'workdir', short: 'w', value: 'DIR', help: 'the working folder of the process, an absolute path in the container' },
  { name: 'user', short: 'u', value: 'UID[:GID]', help: 'run the process as this user and group, as numbers (GID default 0)' },
];

export interface ProcessParams {
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number };
}

/** env, cwd and user as the flags give them; keys left out when not given. */
export function processParams(p: Parsed): ProcessParams {
  const env = list(p, 'env').flatMap((e) => (e.includes('=') ? [e] : process.env[e] !== undefined ? [`${e}=${process.env[e]}`] : []));
  const workdir = str(p, 'workdir');
  if (workdir !== undefined && !workdir.startsWith('/')) throw new UsageError(`--workdir must be an absolute path in the container, got "${workdir}"`);
  const user = str(p, 'user');
  return {
    ...(env.length ? { env } : {}),
    ...(workdir !== undefined ? { cwd: workdir } : {}),
    ...(user !== undefined ? { user: parseUser(user) } : {}),
  };
}
