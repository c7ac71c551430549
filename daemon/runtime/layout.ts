// The on-disk layout of corral, in one place (DESIGN.md "On disk"): every path
// the daemon reads or writes is built here, from the two roots, so no other
// module joins path strings. Ids are validated against ID_PATTERN before they
// reach these functions, which also refuse anything else: an id is never a path.
import path from 'node:path';
import { CONTAINER_OWN_NAMES, ID_PATTERN } from '../../shared/api.js';

/** Beside the process folders of a container: names no process id may take (shared/api.ts). */
const STATE_FILE = CONTAINER_OWN_NAMES.record;
const PROCESS_FILE = 'process.json';
const LOG_FILE = 'log';
const EXIT_FILE = 'exit';
const OOM_FILE = 'oom';
const PID_FILE = 'pid';
const CONMON_PID_FILE = 'conmon.pid';
const RUNC_LOG_FILE = 'runc.log';
const EXEC_SPEC_FILE = 'exec.json';
const RUNTIME_CONFIG_FILE = 'config.json';
const RUNTIME_BUNDLE_DIR = 'bundle';
/**
 * conmon's --exit-dir, a folder of its own: conmon names its file there after
 * the container, and a container called `pid` or `bundle` must not find
 * another of corral's files in its place.
 */
const MONITOR_EXIT_DIR = 'exits';
const EVENTS_FILE = 'events.log';
/** What makes a container's own folder a bundle when it comes from an image: its spec, and its overlay mount point. */
const IMAGE_CONFIG_FILE = CONTAINER_OWN_NAMES.config;
const IMAGE_ROOTFS_DIR = CONTAINER_OWN_NAMES.rootfs;
/** The overlay's upper and work dirs of a container from an image. */
const OVERLAY_DIR = CONTAINER_OWN_NAMES.overlay;
const IMAGES_DIR = 'images';
/** An OCI image layout's own files (image-spec's image-layout.md). */
const OCI_LAYOUT_FILE = 'oci-layout';
const OCI_INDEX_FILE = 'index.json';
const OCI_BLOBS_DIR = 'blobs';
/** Each image's root filesystem, unpacked once by umoci, by manifest digest. */
const UNPACKED_DIR = 'unpacked';
/** Pulls, imports and unpacks in progress: each in a folder of its own, removed by recovery if left behind. */
const JOBS_DIR = 'jobs';
const JOB_PID_FILE = 'job.pid';
/** The CRI's own records of pods and containers (what the CRI says of them beyond a corral container). */
const CRI_DIR = 'cri';
/** Folders renamed aside start with a dot, which no valid id does. */
export const DELETING_PREFIX = '.deleting-';
export const QUARANTINE_PREFIX = '.quarantine-';

function safe(id: string): string {
  if (!ID_PATTERN.test(id)) throw new Error(`refusing to build a path from invalid id ${JSON.stringify(id)}`);
  return id;
}

const DIGEST_PARTS = /^(sha256):([a-f0-9]{64})$/;

function safeDigest(digest: string): [string, string] {
  const m = DIGEST_PARTS.exec(digest);
  if (!m) throw new Error(`refusing to build a path from invalid digest ${JSON.stringify(digest)}`);
  return [m[1], m[2]];
}

export class Layout {
  constructor(
    readonly root: string,
    readonly state: string,
  ) {}

  get containersDir(): string {
    return path.join(this.root, 'containers');
  }
  get runtimeContainersDir(): string {
    return path.join(this.state, 'containers');
  }
  get runcRoot(): string {
    return path.join(this.state, 'runc');
  }
  get eventsFile(): string {
    return path.join(this.root, EVENTS_FILE);
  }

  /** One OCI image layout: blobs shared by every image, index.json the name → manifest table (corral's record). */
  get imagesDir(): string {
    return path.join(this.root, IMAGES_DIR);
  }
  get imageLayoutFile(): string {
    return path.join(this.imagesDir, OCI_LAYOUT_FILE);
  }
  get imageIndexFile(): string {
    return path.join(this.imagesDir, OCI_INDEX_FILE);
  }
  /** skopeo's --dest-shared-blob-dir: it stores blob D as <this>/sha256/<hex>, which is the layout's own blobs/. */
  get blobsDir(): string {
    return path.join(this.imagesDir, OCI_BLOBS_DIR);
  }
  blobFile(digest: string): string {
    const [alg, hex] = safeDigest(digest);
    return path.join(this.blobsDir, alg, hex);
  }
  get unpackedDir(): string {
    return path.join(this.imagesDir, UNPACKED_DIR);
  }
  /** umoci's bundle for the image of manifest DIGEST; its rootfs/ is every container's lower dir. */
  unpackedImage(digest: string): string {
    return path.join(this.unpackedDir, safeDigest(digest)[1]);
  }
  unpackedRootfs(digest: string): string {
    return path.join(this.unpackedImage(digest), IMAGE_ROOTFS_DIR);
  }
  get imageJobsDir(): string {
    return path.join(this.imagesDir, JOBS_DIR);
  }
  /** Under --state, so that a registry password never reaches a disk that outlives a reboot. */
  get imageSecretsDir(): string {
    return path.join(this.state, IMAGES_DIR);
  }
  jobPidFile(jobDir: string): string {
    return path.join(jobDir, JOB_PID_FILE);
  }

  get criDir(): string {
    return path.join(this.root, CRI_DIR);
  }
  /** The CRI's record of pod sandbox or container ID. */
  criRecord(kind: 'sandboxes' | 'containers', id: string): string {
    return path.join(this.criDir, kind, `${safe(id)}.json`);
  }
  /** The bundle of every pod's infra container: busybox that sleeps. */
  get pauseBundle(): string {
    return path.join(this.criDir, 'pause');
  }

  containerDir(id: string): string {
    return path.join(this.containersDir, safe(id));
  }
  stateFile(id: string): string {
    return path.join(this.containerDir(id), STATE_FILE);
  }
  /** A container from an image: the spec corral built from the image, beside its overlay mount point. */
  imageConfigFile(id: string): string {
    return path.join(this.containerDir(id), IMAGE_CONFIG_FILE);
  }
  rootfsDir(id: string): string {
    return path.join(this.containerDir(id), IMAGE_ROOTFS_DIR);
  }
  overlayUpper(id: string): string {
    return path.join(this.containerDir(id), OVERLAY_DIR, 'upper');
  }
  overlayWork(id: string): string {
    return path.join(this.containerDir(id), OVERLAY_DIR, 'work');
  }
  processDir(id: string, processId: string): string {
    return path.join(this.containerDir(id), safe(processId));
  }
  processFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), PROCESS_FILE);
  }
  logFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), LOG_FILE);
  }
  exitFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), EXIT_FILE);
  }
  oomFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), OOM_FILE);
  }
  execSpecFile(id: string, processId: string): string {
    return path.join(this.processDir(id, processId), EXEC_SPEC_FILE);
  }

  /** Per-process folder under --state: pid files, conmon's exit dir and attach sockets, runc's log. */
  runtimeContainerDir(id: string): string {
    return path.join(this.runtimeContainersDir, safe(id));
  }
  runtimeDir(id: string, processId: string): string {
    return path.join(this.runtimeContainerDir(id), safe(processId));
  }
  pidFile(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), PID_FILE);
  }
  conmonPidFile(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), CONMON_PID_FILE);
  }
  /** conmon's --exit-dir; the one folder the exit watcher watches. */
  monitorExitDir(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), MONITOR_EXIT_DIR);
  }
  /** conmon's --exit-dir copy of the exit code, named after the container. */
  monitorExitFile(id: string, processId: string): string {
    return path.join(this.monitorExitDir(id, processId), safe(id));
  }
  /**
   * conmon's -b: the bundle it hands runc, and where it puts its attach socket
   * and ctl/winsz fifos. A folder of corral's own per process, so that
   * containers sharing a user's bundle never race there nor write into it.
   */
  runtimeBundle(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), RUNTIME_BUNDLE_DIR);
  }
  runtimeConfigFile(id: string, processId: string): string {
    return path.join(this.runtimeBundle(id, processId), RUNTIME_CONFIG_FILE);
  }
  runcLogFile(id: string, processId: string): string {
    return path.join(this.runtimeDir(id, processId), RUNC_LOG_FILE);
  }
}
