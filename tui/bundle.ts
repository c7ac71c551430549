// `corral bundle create DIR [-- ARGS...]`: writes a runnable busybox bundle, the
// same one the demo and the tests use, and prints its absolute path.
import { createBundle } from '../shared/bundle.js';

export async function runBundle(argv: string[]): Promise<number> {
  const [sub, dir, ...rest] = argv;
  if (sub !== 'create' || !dir || dir.startsWith('-')) {
    process.stderr.write('usage: corral bundle create DIR [-- ARGS...]\n');
    return 2;
  }
  const sep = rest.indexOf('--');
  if (rest.length && sep !== 0) {
    process.stderr.write(`corral bundle create: unexpected "${rest[0]}"; put the command after --\n`);
    return 2;
  }
  const args = sep === 0 && rest.length > 1 ? rest.slice(1) : undefined;
  try {
    const bundle = await createBundle(dir, { args });
    process.stdout.write(bundle + '\n');
    return 0;
  } catch (err) {
    process.stderr.write(`corral bundle create: ${(err as Error).message}\n`);
    return 1;
  }
}
