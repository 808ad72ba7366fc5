/**
 * The samples a formula reads through `$PendingTasks.GetSample(...)` and the other methods.
 *
 * Batch records a sample of each metric every 30 seconds and makes it readable about a minute
 * later; the local service records on the same period and makes each sample readable at once
 * (there is no pipeline to wait for), which the documentation's advice to look back further
 * than a minute does not depend on.
 */
import { InsufficientSampleDataError, FormulaEvaluationError } from "./formula-errors";
import type { Position } from "./tokens";
import { double, doubleVec, timeinterval, timestamp, type Value } from "./values";
import type { SampledVariable } from "./vocabulary";

export const SAMPLE_PERIOD_MS = 30_000;

export interface Sample {
  /** When it was taken, ms since the epoch. */
  at: number;
  value: number;
}

/** Each variable's samples, oldest first. */
export type SampleHistory = Partial<Record<SampledVariable, Sample[]>>;

interface Window {
  from: number;
  to: number;
}

/** A look-back interval counts back from now; a timestamp is a moment. */
function momentOf(value: Value, now: number, at: Position, what: string): number {
  if (value.type === "timeinterval") return now - value.ms;
  if (value.type === "timestamp") return value.ms;
  throw new FormulaEvaluationError(`${what} must be a timeinterval or a timestamp, not a ${value.type}`, at);
}

function windowOf(bounds: Value[], now: number, at: Position): Window {
  const start = momentOf(bounds[0]!, now, at, "the start time");
  const end = bounds[1] ? momentOf(bounds[1], now, at, "the end time") : now;
  return { from: Math.min(start, end), to: Math.max(start, end) };
}

const inWindow = (samples: Sample[], window: Window): Sample[] =>
  samples.filter((s) => s.at >= window.from && s.at <= window.to);

/** Available samples as a share of those Batch would have taken in the window, 0..100. */
function percentIn(samples: Sample[], window: Window): number {
  const possible = Math.max(1, Math.floor((window.to - window.from) / SAMPLE_PERIOD_MS));
  return Math.min(100, (inWindow(samples, window).length / possible) * 100);
}

const isNumber = (value: Value | undefined): value is { type: "double"; value: number } => value?.type === "double";

export class SampleReader {
  constructor(
    private readonly history: SampleHistory,
    private readonly now: number,
  ) {}

  call(name: SampledVariable, method: string, args: Value[], at: Position): Value {
    const samples = this.history[name] ?? [];
    switch (method) {
      case "GetSample":
        return this.getSample(name, samples, args, at);
      case "GetSamplePercent":
        return double(percentIn(samples, windowOf(args, this.now, at)));
      case "GetSamplePeriod":
        return timeinterval(SAMPLE_PERIOD_MS);
      case "Count":
        return double(samples.length);
      case "HistoryBeginTime": {
        const oldest = samples[0];
        if (!oldest)
          throw new InsufficientSampleDataError(`Insufficient data from data set: ${name} has no samples`, at);
        return timestamp(oldest.at);
      }
    }
    throw new FormulaEvaluationError(`unknown method '${method}'`, at);
  }

  private getSample(name: SampledVariable, samples: Sample[], args: Value[], at: Position): Value {
    const [first] = args;
    if (isNumber(first) && args.length === 1) {
      // The most recent `count` samples, however old: Batch's "last available" samples.
      const count = Math.floor(first.value);
      if (count < 1) throw new FormulaEvaluationError(`the sample count must be at least 1, not ${first.value}`, at);
      if (samples.length === 0)
        throw new InsufficientSampleDataError(
          `Insufficient data from data set: ${name} wanted ${count} samples, received 0`,
          at,
        );
      return doubleVec(samples.slice(-count).map((s) => s.value));
    }
    const last = args[args.length - 1];
    const wantedPercent = args.length > 1 && isNumber(last) ? last.value : undefined;
    const bounds = wantedPercent === undefined ? args : args.slice(0, -1);
    if (bounds.length > 2)
      throw new FormulaEvaluationError("GetSample takes at most a start time, an end time and a sample percent", at);
    const window = windowOf(bounds, this.now, at);
    const received = percentIn(samples, window);
    if (wantedPercent !== undefined && received < wantedPercent) {
      throw new InsufficientSampleDataError(
        `Insufficient data from data set: ${name} wanted ${wantedPercent}%, received ${Math.floor(received)}%`,
        at,
      );
    }
    return doubleVec(inWindow(samples, window).map((s) => s.value));
  }
}
