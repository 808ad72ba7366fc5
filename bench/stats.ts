/**
 * Numbers that survive a noisy machine: every figure is a median over repetitions, and every
 * contender is timed interleaved (A B A B ...) with its baseline so that load from elsewhere hits
 * both alike.
 */

export interface Sample {
  /** Which contender this run timed (e.g. "loop", "parallel", "pipeline"). */
  name: string;
  rep: number;
  seconds: number;
  /** Units of work done in the run (photos, tasks...), so a rate can be derived. */
  units: number;
  /** Anything else the run reported (bytes sent, RSS...). */
  extra?: Record<string, number>;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}

export interface Contender {
  name: string;
  /** Runs once and returns the units of work done and any extra figures. */
  run: (rep: number) => Promise<{ units: number; extra?: Record<string, number> }>;
}

/** Runs every contender once per repetition, in the same order each time (ABAB...). */
export async function interleave(
  contenders: Contender[],
  reps: number,
  log: (line: string) => void,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const c of contenders) {
      const { seconds, value } = await timed(() => c.run(rep));
      samples.push({ name: c.name, rep, seconds, units: value.units, ...(value.extra ? { extra: value.extra } : {}) });
      log(`  ${c.name} rep ${rep + 1}/${reps}: ${seconds.toFixed(2)} s, ${value.units} units`);
    }
  }
  return samples;
}

/** Median rate (units per second) of one contender's samples. */
export function medianRate(samples: Sample[], name: string): number {
  return median(samples.filter((s) => s.name === name).map((s) => s.units / s.seconds));
}

export function medianSeconds(samples: Sample[], name: string): number {
  return median(samples.filter((s) => s.name === name).map((s) => s.seconds));
}

/** A ratio that stays JSON-serialisable: null when either side was not measured. */
export function ratio(a: number, b: number): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null;
}
