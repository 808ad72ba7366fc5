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

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
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
