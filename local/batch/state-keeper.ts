/**
 * Keeps the service's state on disk (with `--data`): a change a client made is written before
 * the client hears of it (flush, awaited by the HTTP layer), and the service's own changes (tasks
 * running and ending, autoscale runs) within a fraction of a second. Each write replaces the
 * whole snapshot atomically, so a SIGKILL at any moment leaves the last complete one.
 */
import { writeFileAtomic } from "./atomic-file";
import { describeError, type Log } from "./background";

/** How often the service's own changes are looked for; a lost change is one a restart redoes. */
const WATCH_MS = 100;

export interface StateKeeperOptions {
  file: string;
  /** The snapshot's text, taken when a write starts so that it holds every change made before. */
  serialize(): string;
  /** Changes whenever the state does (state.changeCount). */
  revision(): bigint;
  log: Log;
}

export class StateKeeper {
  /** The write running now, if any. */
  private current: Promise<void> = Promise.resolve();
  /** The write that starts after the current one: callers that arrive meanwhile share it. */
  private next: Promise<void> | undefined;
  private written: bigint | undefined;
  private watcher: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: StateKeeperOptions) {}

  /** Starts writing the service's own changes as they happen. */
  watch(): void {
    this.watcher = setInterval(() => {
      if (this.options.revision() === this.written || this.next) return;
      this.flush().catch((err: unknown) => this.options.log(`could not keep the service's state in ${this.options.file}: ${describeError(err)}`));
    }, WATCH_MS);
    this.watcher.unref();
  }

  /** Resolves once every change made before the call is on disk. */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.next) return this.next;
    const next = this.current
      .catch(() => undefined)
      .then(async () => {
        this.next = undefined;
        const revision = this.options.revision();
        await writeFileAtomic(this.options.file, this.options.serialize());
        this.written = revision;
      });
    this.next = next;
    this.current = next;
    return next;
  }

  /**
   * Writes the state as it is now and no more after: what the service does on its way down
   * (killing tasks, nodes leaving) is not what a restart should find.
   */
  async close(): Promise<void> {
    if (this.watcher) clearInterval(this.watcher);
    await this.flush();
    this.closed = true;
  }
}
