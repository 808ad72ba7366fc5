/**
 * The cap on processes running at once across all local nodes, so that a large pool does not
 * thrash one machine. The scheduler asks without waiting (a task that cannot start stays
 * active); start tasks wait their turn.
 */
export class ProcessSlots {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    private readonly onFree: () => void,
  ) {}

  get inUse(): number {
    return this.used;
  }

  tryAcquire(): boolean {
    if (this.used >= this.capacity) return false;
    this.used += 1;
    return true;
  }

  /**
   * Resolves true with a slot, or false without one once `cancel` aborts: a node that leaves its
   * pool while its start task waits must not wait for a slot that other pools' tasks may hold for hours.
   */
  acquire(cancel?: AbortSignal): Promise<boolean> {
    if (cancel?.aborted) return Promise.resolve(false);
    if (this.tryAcquire()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const handOver = () => {
        cancel?.removeEventListener("abort", withdraw);
        resolve(true);
      };
      const withdraw = () => {
        this.waiters.splice(this.waiters.indexOf(handOver), 1);
        resolve(false);
      };
      cancel?.addEventListener("abort", withdraw, { once: true });
      this.waiters.push(handOver);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else {
      this.used -= 1;
      this.onFree();
    }
  }
}
