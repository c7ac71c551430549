// One writer per container: lifecycle calls on the same key run one after
// another in arrival order, calls on different keys run in parallel. A failed
// task does not stop the queue. Keys with nothing queued are forgotten, so the
// map holds only busy containers.
export class KeyedQueue {
  private tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Keys with work queued or running (for tests and daemon.info). */
  get busy(): number {
    return this.tails.size;
  }
}
