// Exit detection without polling as the main path: one inotify watch (fs.watch)
// per live process on its monitor exit folder, where conmon writes the exit
// file named after the container. The watcher only says "look now"; reading and
// recording the exit is the supervisor's job, and a slow reconcile covers any
// event inotify might miss.
import fs from 'node:fs';

/** The key of one process in the supervisor's maps: ids never hold a NUL. */
export const processKey = (id: string, processId: string): string => `${id}\0${processId}`;

export class ExitWatcher {
  private watches = new Map<string, fs.FSWatcher>();

  constructor(private readonly onChange: (id: string, processId: string) => void) {}

  watch(id: string, processId: string, dir: string): void {
    const key = processKey(id, processId);
    if (this.watches.has(key)) return;
    try {
      const w = fs.watch(dir, { persistent: false }, () => this.onChange(id, processId));
      w.on('error', () => this.unwatch(id, processId));
      this.watches.set(key, w);
    } catch {
      // the folder is gone (deleted meanwhile); the reconcile loop will notice
    }
  }

  unwatch(id: string, processId: string): void {
    const key = processKey(id, processId);
    this.watches.get(key)?.close();
    this.watches.delete(key);
  }

  unwatchContainer(id: string): void {
    for (const key of [...this.watches.keys()]) {
      if (key.startsWith(`${id}\0`)) this.unwatch(id, key.slice(id.length + 1));
    }
  }

  get size(): number {
    return this.watches.size;
  }

  close(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }
}
