// The image verbs and the image forms of run, create, start -a and restart,
// as a user types them, against a real corrald with real images: test images
// built with umoci, served by Debian's docker-registry on 127.0.0.1 (one
// open, one behind htpasswd), pulled through corrald with skopeo and run by
// runc on overlay roots. Pull's progress reads as plain lines off a terminal
// and is redrawn per layer on one; podman's --tls-verify=false and --creds
// reach the registry; images, image inspect, import, rmi and image prune print
// what the API answers; run pulls a missing image first; -it gives the
// container's terminal to a pty in tmux and exits with its status; restart
// makes an image's container again from its image; completion offers image
// names, tags and all, through bash's word splitting at ":".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startDaemon, CLI, type DaemonHandle } from '../helpers/daemon.js';
import { buildTestImages, REGISTRY_PASSWORD, REGISTRY_USER, scratch, startRegistry, type Registry, type TestImages } from '../helpers/images.js';
import { Tmux } from '../helpers/tmux.js';
import type { ContainerT, ImageT } from '../../shared/api.js';

let dir: string;
let imgs: TestImages;
let reg: Registry;
let authReg: Registry;
let d: DaemonHandle;
const tmux = new Tmux();

before(async () => {
  dir = await scratch('cli-images');
  imgs = await buildTestImages(dir);
  [reg, authReg] = await Promise.all([startRegistry(path.join(dir, 'registry')), startRegistry(path.join(dir, 'registry-auth'), true)]);
  reg.push(`oci:${imgs.base}`, 'corral/base:1');
  reg.push(`oci:${imgs.two}`, 'corral/two:1');
  authReg.push(`oci:${imgs.two}`, 'private/two:1');
  d = await startDaemon();
});
after(async () => {
  tmux.close();
  await d?.cleanup();
  await reg?.stop();
  await authReg?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `corral --socket SOCKET ARGS...` off a terminal. */
function corral(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, '--socket', d.socket, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const ok = (r: Run, what: string) => assert.equal(r.status, 0, `${what}: exit ${r.status}, stderr: ${r.stderr}`);

/** `corral ARGS` on a pty (script(1)) COLS wide: what the terminal received. */
function onTerminal(args: string[], cols = 100): Run {
  const cmd = `stty cols ${cols}; "${process.execPath}" "${CLI}" --socket "${d.socket}" ${args.map((a) => `'${a}'`).join(' ')}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const name = (repoTag: string) => `${reg.host}/${repoTag}`;
const inspectImage = (ref: string): ImageT => JSON.parse(corral('image', 'inspect', ref).stdout)[0];
const inspect = (id: string): ContainerT => JSON.parse(corral('inspect', id).stdout)[0];

test('pull: a line per step off a terminal, the name and digest on stdout; --tls-verify=false for plain HTTP; -q the digest only', () => {
  const two = name('corral/two:1');
  const refused = corral('pull', two);
  assert.equal(refused.status, 125, 'plain HTTP needs --tls-verify=false');
  assert.match(refused.stderr, /\ncorral pull: unavailable: .*HTTP response to HTTPS client.*; for a registry on plain HTTP .* pull with --tls-verify=false\n$/);
  const r = corral('pull', '--tls-verify=false', two);
  ok(r, 'pull');
  const image = inspectImage(two);
  assert.equal(r.stdout, `${two} ${image.digest}\n`);
  assert.ok(!/[\r\x1b]/.test(r.stderr), 'no redrawing off a terminal'); // eslint-disable-line no-control-regex -- escapes are what must be absent
  const steps = r.stderr.trim().split('\n');
  assert.equal(steps[0], `${two}: resolving`);
  assert.match(steps.at(-1)!, new RegExp(`^${two.replace(/[.]/g, '\\.')}: unpacking, layers 2/2, (\\S+) / \\1$`));
  assert.ok(steps.length <= 8, `a line per step, not per byte count:\n${r.stderr}`);
  const q = corral('pull', '-q', '--tls-verify=false', two);
  assert.equal(q.stdout, `${image.digest}\n`);
  assert.equal(q.stderr, '');
});

test('pull from a registry with a login: --creds USER:PASS, refused without', () => {
  const ref = `${authReg.host}/private/two:1`;
  const denied = corral('pull', '--tls-verify=false', ref);
  assert.equal(denied.status, 125);
  const r = corral('pull', '--tls-verify=false', '--creds', `${REGISTRY_USER}:${REGISTRY_PASSWORD}`, ref);
  ok(r, 'pull --creds');
  // the same image as corral/two:1 of the open registry: one image, two names, the one pulled printed
  const image = inspectImage(ref);
  assert.deepEqual([...image.names].sort(), [name('corral/two:1'), ref].sort());
  assert.equal(r.stdout, `${ref} ${image.digest}\n`);
  assert.ok(!d.stderr().includes(REGISTRY_PASSWORD), 'the password is never logged');
});

test('pull on a terminal: the bar of the pull and a line per layer, redrawn in place', () => {
  const base = name('corral/base:1');
  const r = onTerminal(['pull', '--tls-verify=false', base]);
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /unpacking \[#{24}\]/);
  assert.match(r.stdout, /\x1b\[K {2}layer 1\/1: done/); // eslint-disable-line no-control-regex -- the redraw is what is checked
  // the digest line once the pull is done
  assert.match(r.stdout, new RegExp(`${base.replace(/[.]/g, '\\.')} sha256:[0-9a-f]{64}\\r?\\n$`));
});

test('images: a row per name as podman prints them, json, -q and a template; image inspect', () => {
  const table = corral('images');
  ok(table, 'images');
  const two = inspectImage(name('corral/two:1'));
  const id = two.digest.slice(7, 19);
  assert.match(table.stdout, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +LAYERS\n/);
  assert.match(table.stdout, new RegExp(`\\n${reg.host.replace(/[.]/g, '\\.')}/corral/two +1 +${id} +\\d+ \\w+ ago +1\\.\\d+M +2\\n`));
  const json: ImageT[] = JSON.parse(corral('images', '--format', 'json').stdout);
  assert.ok(json.some((im) => im.digest === two.digest && im.layers.length === 2 && im.layers.every((l) => l.digest.startsWith('sha256:') && l.size > 0)));
  assert.ok(corral('images', '-q').stdout.split('\n').includes(id));
  assert.ok(corral('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}').stdout.split('\n').includes(`${name('corral/two')}:1 ${id}`));
  assert.deepEqual(two.config.entrypoint, ['/bin/sh', '-c']);
  assert.equal(corral('image', 'inspect', '--format', '{{.Config.Workdir}}', id).stdout, '/srv\n');
  const missing = corral('image', 'inspect', 'nothing/here:1');
  assert.equal(missing.status, 125);
  assert.match(missing.stderr, /^corral image inspect: not_found: /);
});

test('import: an oci-archive with --ref, a docker-archive by its own name; a bad --format is refused', () => {
  const oci = corral('import', '--ref', 'corral/two:oci', imgs.ociArchive);
  ok(oci, 'import oci-archive');
  assert.match(oci.stdout, /^docker\.io\/corral\/two:oci sha256:[0-9a-f]{64}\n$/);
  const docker = corral('import', '--format', 'docker-archive', imgs.dockerArchive);
  ok(docker, 'import docker-archive');
  assert.match(docker.stdout, /^docker\.io\/corral\/two:archive sha256:/);
  assert.equal(corral('import', '--format', 'zip', imgs.dockerArchive).status, 125);
});

test('run IMAGE: its Entrypoint, Cmd, Env and WorkingDir; COMMAND replaces Cmd; a missing image is pulled first; create + start -a', () => {
  const two = name('corral/two:1');
  const r = corral('run', '--rm', two);
  ok(r, 'run');
  // the image's Cmd sends cat's complaint to stdout: the whiteout of the second layer held
  assert.equal(r.stdout, "/srv\ngreeting=hi-from-env\ncat: can't open '/etc/old': No such file or directory\nfrom the second layer\n");
  assert.equal(r.stderr, '');
  const o = corral('run', '--rm', '-e', 'GREETING=given', '-w', '/tmp', '-u', '33:33', two, 'echo $GREETING $(pwd) $(id -u):$(id -g); exit 6');
  assert.equal(o.status, 6, o.stderr);
  assert.equal(o.stdout, 'given /tmp 33:33\n');
  // not pulled yet: podman's --pull missing
  reg.push(`oci:${imgs.base}`, 'corral/late:1');
  const late = corral('run', '--rm', '--tls-verify=false', name('corral/late:1'));
  ok(late, 'run pulls');
  assert.equal(late.stdout, 'hello-from-image\n');
  assert.match(late.stderr, /late:1: resolving\n[\s\S]*late:1: unpacking/);
  const never = corral('run', '--rm', '--pull', 'never', name('corral/never:1'));
  assert.equal(never.status, 125);
  assert.match(never.stderr, /not_found/);
  ok(corral('create', '--name', 'from-image', '--memory', '32m', two, 'echo made; exit 3'), 'create');
  assert.deepEqual(inspect('from-image').image?.ref, two);
  const started = corral('start', '-a', 'from-image');
  assert.equal(started.status, 3, started.stderr);
  assert.equal(started.stdout, 'made\n');
  ok(corral('rm', 'from-image'), 'rm');
  assert.equal(JSON.parse(corral('ps', '-a', '--format', 'json').stdout).length, 0, 'run --rm left nothing');
});

test('restart: a container from an image is made again from it, with its command, labels and terminal', () => {
  const two = name('corral/two:1');
  ok(corral('run', '-d', '--name', 'again', '--label', 'app=x', two, 'echo "run $(cat /etc/marker 2>/dev/null || echo fresh)"; echo x > /etc/marker; exit 4'), 'run -d');
  assert.equal(corral('wait', 'again').status, 4);
  const before = inspect('again');
  ok(corral('restart', 'again'), 'restart');
  assert.equal(corral('wait', 'again').status, 4);
  const after = inspect('again');
  assert.deepEqual(after.image, before.image);
  assert.deepEqual(after.labels, { app: 'x' });
  assert.deepEqual(after.processes[0].args, before.processes[0].args, 'the Entrypoint is not added twice');
  // a new root over the image: what the last run wrote is gone
  assert.equal(corral('logs', 'again').stdout, 'run fresh\n');
  ok(corral('rm', 'again'), 'rm');
});

test('run -it: the container\'s terminal on a pty, raw; its exit status is the command\'s; --rm deletes it; Ctrl-P Ctrl-Q detaches', async () => {
  const base = name('corral/base:1');
  tmux.open('runit', `env -u CI node ${CLI} --socket ${d.socket} run -it --rm --name tty-run ${base} /bin/sh`, 100, 30);
  await tmux.waitScreen('runit', /^\/ #/m);
  tmux.type('runit', 'tty; stty size\n');
  await tmux.waitScreen('runit', /\/dev\/pts\/\d+\s+30 100/);
  tmux.type('runit', 'exit 7\n');
  await tmux.waitScreen('runit', 'exited with 7');
  assert.deepEqual(JSON.parse(corral('ps', '-a', '--filter', 'id=tty-run', '--format', 'json').stdout), [], '--rm deleted it');

  tmux.open('detach', `env -u CI node ${CLI} --socket ${d.socket} run -it --name tty-stay ${base} /bin/sh`, 100, 30);
  await tmux.waitScreen('detach', /^\/ #/m);
  tmux.keys('detach', 'C-p', 'C-q');
  await tmux.waitScreen('detach', 'exited with 0');
  assert.equal(inspect('tty-stay').state, 'running');
  // attach comes back to the terminal it left
  tmux.open('back', `env -u CI node ${CLI} --socket ${d.socket} attach tty-stay`, 100, 30);
  tmux.type('back', 'echo "back=$((40+2))"\n');
  await tmux.waitScreen('back', 'back=42');
  tmux.type('back', 'exit 2\n');
  await tmux.waitScreen('back', 'exited with 2');
  ok(corral('rm', 'tty-stay'), 'rm');
});

test('rmi: a name goes; the last one, with the image, is refused while a container uses it; -f deletes the stopped ones too; image prune', () => {
  const base = name('corral/base:1');
  const digest = inspectImage(base).digest;
  ok(corral('create', '--name', 'user-of-base', base), 'create');
  // late:1 is the same image as base:1 (one push of one layout): a name of two goes alone
  const late = corral('rmi', name('corral/late:1'));
  ok(late, 'rmi');
  assert.equal(late.stdout, `Untagged: ${name('corral/late:1')}\n`);
  const refused = corral('rmi', base);
  assert.equal(refused.status, 125);
  assert.match(refused.stderr, /^corral rmi: invalid_state: .*user-of-base.*remove with -f/);
  const forced = corral('rmi', '-f', base, 'no/such:1');
  assert.equal(forced.status, 125, 'one of the two failed');
  assert.equal(forced.stdout, `Removed container: user-of-base\nUntagged: ${base}\nDeleted: ${digest}\n`);
  assert.match(forced.stderr, /^corral rmi: not_found: /);
  assert.equal(corral('inspect', 'user-of-base').status, 125);
  const prune = corral('image', 'prune');
  ok(prune, 'prune');
  assert.match(prune.stdout, /^Removed \d+ unpacked trees? and \d+ blobs?\nTotal reclaimed space: /);
});

test('completion offers image names from corrald for run, create, rmi and image inspect, through bash and its ":" and "=" splitting', () => {
  const two = name('corral/two:1');
  for (const line of [['rmi', ''], ['run', '-d', ''], ['create', '--name', 'x', ''], ['image', 'inspect', '']]) {
    const got = corral('__complete', ...line).stdout.split('\n');
    assert.ok(got.includes(two) && got.includes('corral/two:oci'), `corral ${line.join(' ')}: ${got}`);
  }
  // after the image, run completes the command's files, not images
  assert.equal(corral('__complete', 'run', two, '').stdout, ':files\n');
  const script = spawnSync(process.execPath, [CLI, 'completion', 'bash'], { encoding: 'utf8' }).stdout;
  /** What bash offers on <TAB> after TYPED, through the script as bash runs it (`corral` on the path). */
  const tab = (typed: string) => {
    const line = `corral --socket ${d.socket} ${typed}`;
    const r = spawnSync('bash', ['-c', [`corral() { "${process.execPath}" "${CLI}" "$@"; }`, script, `COMP_LINE='${line}'; COMP_POINT=${line.length}`, '_corral; printf "%s\\n" "${COMPREPLY[@]}"'].join('\n')], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
    return r.stdout;
  };
  // bash's own split of the line ends words at each ":" and "=": a candidate replaces only what follows the last one
  assert.equal(tab(`rmi ${reg.host}/corral/tw`), `${two.slice(two.indexOf(':') + 1)}\n`);
  assert.equal(tab('pull --tls-verify=f'), 'false\n');
});
