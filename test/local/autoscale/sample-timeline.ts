/** Sample histories for formula tests: one sample every 30 seconds, as Batch records them. */
import { SAMPLE_PERIOD_MS, type Sample } from "../../../shared/autoscale-language/sample-history";

/** `count` samples ending at `now`, oldest first, valued by their age in samples (0 = newest). */
export function samplesEndingAt(now: number, count: number, valueAt: (age: number) => number): Sample[] {
  return Array.from({ length: count }, (_, i) => {
    const age = count - 1 - i;
    return { at: now - age * SAMPLE_PERIOD_MS, value: valueAt(age) };
  });
}

/** Samples covering the last `minutes` fully, at a constant value. */
export const steady = (now: number, minutes: number, value: number): Sample[] =>
  samplesEndingAt(now, minutes * 2 + 1, () => value);
