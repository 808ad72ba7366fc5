/**
 * The formula language's types and how Batch's results string writes each of them.
 *
 * Batch's documentation shows doubles ("$isWeekday=1"), timestamps ("$curTime=2016-10-13T19:18:47.805Z")
 * and vectors ("$runningTasksSample=[1,1,1]"); it shows no timeinterval or string result, so those
 * are written as .NET writes a TimeSpan and as the bare text.
 */
export type Value =
  | { type: "double"; value: number }
  | { type: "doubleVec"; values: number[] }
  | { type: "string"; value: string }
  /** Milliseconds since the Unix epoch, UTC. */
  | { type: "timestamp"; ms: number }
  /** Milliseconds, possibly fractional (TimeInterval_100ns). */
  | { type: "timeinterval"; ms: number };

export type ValueType = Value["type"];

export const double = (value: number): Value => ({ type: "double", value });
export const doubleVec = (values: number[]): Value => ({ type: "doubleVec", values });
export const timestamp = (ms: number): Value => ({ type: "timestamp", ms });
export const timeinterval = (ms: number): Value => ({ type: "timeinterval", ms });
export const text = (value: string): Value => ({ type: "string", value });

const two = (n: number): string => String(n).padStart(2, "0");

/** As .NET writes a TimeSpan: [-][d.]hh:mm:ss[.fffffff]. */
export function formatTimeInterval(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const ticks = Math.round(Math.abs(ms) * 10_000);
  const totalSeconds = Math.floor(ticks / 10_000_000);
  const fraction = ticks % 10_000_000;
  const days = Math.floor(totalSeconds / 86_400);
  const clock = `${two(Math.floor(totalSeconds / 3600) % 24)}:${two(Math.floor(totalSeconds / 60) % 60)}:${two(totalSeconds % 60)}`;
  return `${sign}${days > 0 ? `${days}.` : ""}${clock}${fraction > 0 ? `.${String(fraction).padStart(7, "0")}` : ""}`;
}

export function formatValue(value: Value): string {
  switch (value.type) {
    case "double":
      return String(value.value);
    case "doubleVec":
      return `[${value.values.join(",")}]`;
    case "string":
      return value.value;
    case "timestamp":
      return new Date(value.ms).toISOString();
    case "timeinterval":
      return formatTimeInterval(value.ms);
  }
}
