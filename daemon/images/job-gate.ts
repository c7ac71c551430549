// Pulls and imports may run side by side, but image.prune, which deletes
// every blob the index does not name, must not run beside any of them: their
// blobs land before their index entry does. A shared/exclusive gate: jobs
// hold it shared, prune exclusive; a waiting prune holds back new jobs so
// that a stream of pulls cannot starve it.
export class JobGate {
  private active = 0;
  private exclusiveRunning = false;
  private readonly waiters: { exclusive: boolean; go: () => void }[] = [];

  async shared<T>(task: () => Promise<T>): Promise<T> {
    if (this.exclusiveRunning || this.waiters.some((w) => w.exclusive)) await this.wait(false);
    else this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.next();
    }
  }

  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    if (this.exclusiveRunning || this.active > 0 || this.waiters.length) await this.wait(true);
    else this.exclusiveRunning = true;
    try {
      return await task();
    } finally {
      this.exclusiveRunning = false;
      this.next();
    }
  }

  private wait(exclusive: boolean): Promise<void> {
    return new Promise((go) => this.waiters.push({ exclusive, go }));
  }

  /** Lets in the next exclusive waiter once nothing runs, or every shared waiter up to the next exclusive one. */
  private next(): void {
    if (this.exclusiveRunning || !this.waiters.length) return;
    if (this.waiters[0].exclusive) {
      if (this.active > 0) return;
      this.exclusiveRunning = true;
      this.waiters.shift()!.go();
      return;
    }
    while (this.waiters.length && !this.waiters[0].exclusive) {
      this.active++;
      this.waiters.shift()!.go();
    }
  }
}
