/** Port: at most one holder at a time. */
export interface RunLock {
  /** Takes the lock; false when it is already held. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** A lock held in this process (one instance; a shared lock is needed across instances). */
export class MemoryRunLock implements RunLock {
  private held = false;

  tryAcquire(): Promise<boolean> {
    if (this.held) return Promise.resolve(false);
    this.held = true;
    return Promise.resolve(true);
  }

  release(): Promise<void> {
    this.held = false;
    return Promise.resolve();
  }
}
