// The image code's pure parts, table by table: references normalised as
// podman reads them (and bad ones refused with why); skopeo's words mapped to
// error reasons; an image's User resolved against its passwd and group; the
// spec a container runs from an image config and the request's overrides;
// /proc/self/mountinfo parsed; and the gate that keeps prune away from pulls.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRef, RefError, shortName } from '../../shared/image-ref.js';
import { classifySkopeoError } from '../../daemon/images/skopeo.js';
import { lastMessage } from '../../daemon/images/tools.js';
import { applyOverrides, mergeEnv, parseImageUser, specFromImage, specResources } from '../../daemon/runtime/container-spec.js';
import { parseMountinfo } from '../../daemon/runtime/mounts.js';
import { JobGate } from '../../daemon/images/job-gate.js';
import type { OciSpecT } from '../../daemon/oci/spec.js';
import { CorralError } from '../../shared/errors.js';

const D = 'sha256:' + 'a'.repeat(64);

describe('parseRef', () => {
  const good: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/debian:12', 'docker.io/library/debian:12'],
    ['grafana/grafana', 'docker.io/grafana/grafana:latest'],
    ['docker.io/library/redis:7', 'docker.io/library/redis:7'],
    ['127.0.0.1:5000/corral/bb:1', '127.0.0.1:5000/corral/bb:1'],
    ['localhost/app', 'localhost/app:latest'],
    ['quay.io/a/b/c:v1.2-rc_3', 'quay.io/a/b/c:v1.2-rc_3'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox@${D}`],
    ['my-reg.example:443/x__y/z.w', 'my-reg.example:443/x__y/z.w:latest'],
  ];
  for (const [ref, name] of good) test(`${ref} → ${name}`, () => assert.equal(parseRef(ref).name, name));

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['Busybox', /lowercase/],
    ['busy box', /white space/],
    ['a:b:c', /lowercase|tag/],
    ['busybox:', /tag/],
    ['busybox:-x', /tag/],
    ['busybox@sha256:abc', /digest/],
    ['a//b', /lowercase/],
    ['-bad/x', /lowercase/],
    ['reg.io:port/x', /registry/],
    ['x/' + 'a'.repeat(260), /longer/],
  ];
  for (const [ref, why] of bad) {
    test(`refuses ${JSON.stringify(ref.slice(0, 30))}`, () => assert.throws(() => parseRef(ref), (e: unknown) => e instanceof RefError && why.test((e as Error).message)));
  }

  test('parts and short names', () => {
    assert.deepEqual(parseRef('127.0.0.1:5000/corral/bb:1'), { domain: '127.0.0.1:5000', path: 'corral/bb', tag: '1', name: '127.0.0.1:5000/corral/bb:1' });
    assert.equal(shortName('docker.io/library/busybox:latest'), 'busybox:latest');
    assert.equal(shortName('docker.io/grafana/grafana:1'), 'grafana/grafana:1');
    assert.equal(shortName('quay.io/a/b:1'), 'quay.io/a/b:1');
  });
});

describe('classifySkopeoError', () => {
  const rows: [string, 'registry' | 'archive', string][] = [
    ['reading manifest 1 in 127.0.0.1:5000/x: manifest unknown: manifest unknown', 'registry', 'not_found'],
    ['initializing source docker://127.0.0.1:5000/nope:1: reading manifest 1 in 127.0.0.1:5000/nope: name unknown: repository name not known to registry', 'registry', 'not_found'],
    ['pinging container registry 127.0.0.1:1: Get "https://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'registry', 'unavailable'],
    ['pinging container registry r: Get "https://r/v2/": http: server gave HTTP response to HTTPS client', 'registry', 'unavailable'],
    ['pinging container registry 127.0.0.1:40391: Get "https://127.0.0.1:40391/v2/": http: server gave HTTP response to HTTPS client', 'registry', 'unavailable'],
    ['pinging container registry 127.0.0.1:34044: Get "https://127.0.0.1:34044/v2/": http: server gave HTTP response to HTTPS client', 'registry', 'unavailable'],
    ['reading manifest 1 in r/x: unauthorized: authentication required', 'registry', 'runtime_error'],
    ['reading manifest 1 in 127.0.0.1:5000/x: received unexpected HTTP status: 403 Forbidden', 'registry', 'runtime_error'],
    ['writing blob: write /var/lib/corral/images/blobs/x: no space left on device', 'registry', 'unavailable'],
    ['something odd', 'registry', 'runtime_error'],
    ['creating temp directory: untarring file "/x": unexpected EOF', 'archive', 'invalid_params'],
    ['loading tar component manifest.json: file does not exist', 'archive', 'invalid_params'],
    ['open /tmp/x/index.json: no such file or directory', 'archive', 'invalid_params'],
    ['write /x: no space left on device', 'archive', 'unavailable'],
  ];
  for (const [msg, source, reason] of rows) test(`${source}: ${msg.slice(0, 60)} → ${reason}`, () => assert.equal(classifySkopeoError(msg, source), reason));

  test("lastMessage takes skopeo's fatal line", () => {
    assert.equal(lastMessage('Getting image source signatures\ntime="x" level=fatal msg="a \\"quoted\\" thing"\n'), 'a "quoted" thing');
    assert.equal(lastMessage('umoci: plain words\n'), 'umoci: plain words');
  });
});

describe('parseImageUser', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:34:www:/var/www:/bin/false\n';
  const group = 'root:x:0:\nstaff:x:50:\n';
  const rows: [string, { uid: number; gid: number } | RegExp][] = [
    ['0', { uid: 0, gid: 0 }],
    ['33', { uid: 33, gid: 34 }],
    ['1000', { uid: 1000, gid: 0 }],
    ['1000:1000', { uid: 1000, gid: 1000 }],
    ['www', { uid: 33, gid: 34 }],
    ['www:staff', { uid: 33, gid: 50 }],
    ['www:7', { uid: 33, gid: 7 }],
    ['nobody', /not in the image's \/etc\/passwd/],
    ['www:wheel', /not in the image's \/etc\/group/],
  ];
  for (const [user, want] of rows) {
    test(`${user}`, () => {
      const got = parseImageUser(user, passwd, group);
      if (want instanceof RegExp) assert.match(got as string, want);
      else assert.deepEqual(got, want);
    });
  }
});

describe('the spec of a container', () => {
  const base = (): OciSpecT => ({
    ociVersion: '1.0.2',
    process: { user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin', 'A=1'], cwd: '/' },
    root: { path: 'rootfs' },
    linux: { resources: { devices: [] } },
  });

  test('mergeEnv replaces by name and keeps order', () => {
    assert.deepEqual(mergeEnv(['A=1', 'B=2', 'C=3'], ['B=x', 'D=4']), ['A=1', 'C=3', 'B=x', 'D=4']);
    assert.deepEqual(mergeEnv(['A=1'], []), ['A=1']);
    assert.deepEqual(mergeEnv([], ['E=a=b']), ['E=a=b']);
  });

  test('specResources maps the update shape onto linux.resources', () => {
    assert.deepEqual(specResources({ memoryLimitBytes: 1 << 20, cpuQuota: 50000, cpuPeriod: 100000, pidsLimit: 10 }, { devices: [] }), {
      devices: [],
      memory: { limit: 1 << 20 },
      cpu: { quota: 50000, period: 100000 },
      pids: { limit: 10 },
    });
  });

  test("overrides replace the bundle's process fields and leave the rest", () => {
    const s = applyOverrides(base(), { args: ['echo', 'hi'], env: ['A=2'], cwd: '/tmp', user: { uid: 5, gid: 6 }, resources: { pidsLimit: 3 } });
    assert.deepEqual(s.process.args, ['echo', 'hi']);
    assert.deepEqual(s.process.env, ['PATH=/bin', 'A=2']);
    assert.equal(s.process.cwd, '/tmp');
    assert.deepEqual(s.process.user, { uid: 5, gid: 6 });
    assert.deepEqual(s.linux?.resources, { devices: [], pids: { limit: 3 } });
    assert.deepEqual(applyOverrides(base(), {}), base());
  });

  const image = (config: Record<string, unknown>) => ({ ref: 'docker.io/library/x:1', digest: D, config, rootfs: '/nonexistent' });

  test('from an image: Entrypoint + Cmd, Env over the defaults, WorkingDir, and annotations naming it', async () => {
    const s = await specFromImage('web', image({ entrypoint: ['/bin/sh', '-c'], cmd: ['echo hi'], env: ['PATH=/bin', 'X=1'], workdir: '/srv' }), {});
    assert.deepEqual(s.process.args, ['/bin/sh', '-c', 'echo hi']);
    assert.ok(s.process.env?.includes('PATH=/bin') && s.process.env.includes('X=1') && s.process.env.includes('TERM=xterm'));
    assert.equal(s.process.env?.filter((e) => e.startsWith('PATH=')).length, 1);
    assert.equal(s.process.cwd, '/srv');
    assert.equal(s.root.readonly, false);
    assert.equal(s.hostname, 'web');
    assert.equal((s.annotations as Record<string, string>)['org.corral.image.digest'], D);
  });

  test("from an image: args replace Cmd, not Entrypoint; the request's env, cwd and user win", async () => {
    const s = await specFromImage('web', image({ entrypoint: ['/bin/sh', '-c'], cmd: ['echo hi'], env: ['X=1'], user: '1000' }), {
      args: ['echo bye'],
      env: ['X=2'],
      cwd: '/tmp',
      user: { uid: 7, gid: 7 },
    });
    assert.deepEqual(s.process.args, ['/bin/sh', '-c', 'echo bye']);
    assert.ok(s.process.env?.includes('X=2') && !s.process.env.includes('X=1'));
    assert.equal(s.process.cwd, '/tmp');
    assert.deepEqual(s.process.user, { uid: 7, gid: 7 });
  });

  test('from an image with no command and no args: invalid_params', async () => {
    await assert.rejects(specFromImage('web', image({ env: ['X=1'] }), {}), (e: unknown) => e instanceof CorralError && e.reason === 'invalid_params' && /no command/.test(e.message));
  });

  test('a numeric User needs no passwd; a name does', async () => {
    const s = await specFromImage('web', image({ cmd: ['true'], user: '33:44' }), {});
    assert.deepEqual(s.process.user, { uid: 33, gid: 44 });
    await assert.rejects(specFromImage('web', image({ cmd: ['true'], user: 'www' }), {}), (e: unknown) => e instanceof CorralError && e.reason === 'invalid_params');
  });
});

test('parseMountinfo reads mount points (octal escapes) and types', () => {
  const text = [
    '22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw',
    '44 22 0:39 / /var/lib/corral/containers/a/rootfs rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w',
    '45 22 0:40 / /mnt/with\\040space rw - tmpfs tmpfs rw',
    'garbage',
    '',
  ].join('\n');
  assert.deepEqual(parseMountinfo(text), [
    { mountPoint: '/', fsType: 'ext4' },
    { mountPoint: '/var/lib/corral/containers/a/rootfs', fsType: 'overlay' },
    { mountPoint: '/mnt/with space', fsType: 'tmpfs' },
  ]);
});

describe('JobGate', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  test('jobs run side by side; an exclusive task waits for them and holds back later jobs', async () => {
    const g = new JobGate();
    const log: string[] = [];
    let releaseA!: () => void;
    const a = g.shared(() => new Promise<void>((r) => (releaseA = () => (log.push('a done'), r()))));
    const b = g.shared(async () => void log.push('b'));
    await tick();
    const x = g.exclusive(async () => void log.push('prune'));
    const c = g.shared(async () => void log.push('c'));
    await tick();
    assert.deepEqual(log, ['b']);
    releaseA();
    await Promise.all([a, b, x, c]);
    assert.deepEqual(log, ['b', 'a done', 'prune', 'c']);
  });

  test('a failing task releases the gate', async () => {
    const g = new JobGate();
    await assert.rejects(g.exclusive(async () => Promise.reject(new Error('boom'))));
    await assert.rejects(g.shared(async () => Promise.reject(new Error('boom'))));
    assert.equal(await g.exclusive(async () => 1), 1);
  });
});
