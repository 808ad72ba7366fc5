/**
 * Timers for Batch's durations and dates, which go far past the longest delay a Node timer takes:
 * 2^31-1 ms, about 24.8 days. Node fires a longer timer after 1 ms (with a TimeoutOverflowWarning),
 * so a P30D maxWallClockTime would end its job at once; these wait in hops Node takes as asked.
 * Like the service's other timers, they keep no process alive.
 */

/** The longest delay Node's setTimeout waits as asked. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  /** Stops the timer; once it has fired, or was cleared, this does nothing. */
  clear(): void;
}

/** Calls `callback` once `ms` have passed: soon for 0 or less, as setTimeout does, and never for Infinity. */
export function setLongTimeout(callback: () => void, ms: number): LongTimer {
  let hop: NodeJS.Timeout | undefined;
  const wait = (left: number): void => {
    const step = Math.min(left, MAX_TIMER_MS);
    hop = setTimeout(() => (left > step ? wait(left - step) : callback()), step);
    hop.unref();
  };
  wait(ms);
  return { clear: () => clearTimeout(hop) };
}

/**
 * Resolves once `ms` have passed, as node:timers/promises' setTimeout with `ref: false` would if it
 * took any delay; an abort of `signal` clears the timer and rejects with the signal's reason.
 */
export function waitLong(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!signal) {
      setLongTimeout(resolve, ms);
      return;
    }
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      timer.clear();
      reject(signal.reason as Error);
    };
    const timer = setLongTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
