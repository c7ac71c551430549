// The bundle maker shared by `corral bundle create`, the demo of `npm start`,
// the tests and the bench: a runnable OCI bundle whose config.json is what
// `runc spec` writes (terminal off, so it runs detached) and whose root
// filesystem is busybox-static with the applets the tests use.
import fs from 'node:fs/promises';
import path from 'node:path';

const BUSYBOX = '/bin/busybox';
const APPLETS = [
  'sh', 'echo', 'sleep', 'cat', 'ls', 'ps', 'true', 'false', 'env', 'id', 'kill', 'top', 'yes', 'head', 'tail',
  'wc', 'date', 'hostname', 'printf', 'mkdir', 'rm', 'touch', 'grep', 'seq', 'dd', 'test', 'pwd', 'whoami',
];

export interface BundleOptions {
  args?: string[];
  env?: string[];
  cwd?: string;
  hostname?: string;
  /** Where busybox-static lives on the host. */
  busybox?: string;
}

/** The config.json of `runc spec`, with terminal off and the given process; also the base of a container from an image. */
export function defaultSpec(options: BundleOptions = {}): Record<string, unknown> {
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: options.args ?? ['sh'],
      env: options.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: options.cwd ?? '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, ambient: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: options.hostname ?? 'corral',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=16m'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** Writes DIR/config.json and DIR/rootfs; DIR may exist. Returns the absolute bundle path. */
export async function createBundle(dir: string, options: BundleOptions = {}): Promise<string> {
  const bundle = path.resolve(dir);
  const busybox = options.busybox ?? BUSYBOX;
  try {
    await fs.access(busybox);
  } catch {
    throw new Error(`${busybox} is missing: install busybox-static (apt-get install busybox-static)`);
  }
  const rootfs = path.join(bundle, 'rootfs');
  for (const d of ['bin', 'proc', 'dev', 'sys', 'tmp', 'etc', 'root']) await fs.mkdir(path.join(rootfs, d), { recursive: true });
  await fs.copyFile(busybox, path.join(rootfs, 'bin/busybox'));
  await fs.chmod(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of APPLETS) {
    const link = path.join(rootfs, 'bin', applet);
    await fs.rm(link, { force: true });
    await fs.symlink('busybox', link);
  }
  await fs.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  await fs.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  const tmp = path.join(bundle, `.config.json.${process.pid}.tmp`);
  await fs.writeFile(tmp, JSON.stringify(defaultSpec(options), null, 2) + '\n');
  await fs.rename(tmp, path.join(bundle, 'config.json'));
  return bundle;
}
