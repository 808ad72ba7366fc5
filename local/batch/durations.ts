/**
 * ISO 8601 durations as Batch writes them (`PT1H`, `P7D`, and "unlimited",
 * `P10675199DT2H48M5.4775807S`, which is .NET's TimeSpan.MaxValue).
 */
export const UNLIMITED = "P10675199DT2H48M5.4775807S";

const PATTERN = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds, Infinity for Batch's "unlimited", undefined when the text is not a duration. */
export function durationMs(text: string): number | undefined {
  if (text === UNLIMITED) return Infinity;
  const m = PATTERN.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return undefined;
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number];
  const ms = (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
  return ms >= 2 ** 31 ? Infinity : ms;
}
