import { pipeline, Transform, type Readable } from "node:stream";

/**
 * Aborts a transfer that has made no progress for `timeoutMs`: waiting for the response counts, and so
 * does every gap between chunks. A slow transfer that keeps moving is never cut.
 */
export class StallWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private fired = false;

  constructor(private readonly timeoutMs: number) {
    this.kick();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get timedOut(): boolean {
    return this.fired;
  }

  kick(): void {
    clearTimeout(this.timer);
    if (!Number.isFinite(this.timeoutMs)) return;
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error(`no data for ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The same bytes, kicking the watchdog on each chunk; an abort or source error ends it with an error. */
  watch(source: Readable): Readable {
    const watched = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.kick();
        callback(null, chunk);
      },
    });
    // Not awaited: an error in either stream destroys both, and the caller sees it on `watched`.
    pipeline(source, watched, () => undefined);
    this.signal.addEventListener("abort", () => watched.destroy(this.signal.reason as Error), { once: true });
    return watched;
  }
}
