/**
 * ISO 8601 durations as Batch reads and writes them (`PT1H`, `P7D`, and "unlimited",
 * `P10675199DT2H48M5.4775807S`, which is .NET's TimeSpan.MaxValue). Batch keeps a duration as a
 * TimeSpan, so years and months are accepted and stored as days (.NET's XmlConvert counts a year
 * as 365 days and a month as 30: `P3Y6M4DT12H30M5S` comes back as `P1279DT12H30M5S`).
 */
export const UNLIMITED = "P10675199DT2H48M5.4775807S";

const PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,7}))?S)?)?$/;
const DAYS_PER_YEAR = 365;
const DAYS_PER_MONTH = 30;
const SECONDS_PER_DAY = 86_400;
/** TimeSpan.MaxValue in whole seconds: anything longer is not a duration Batch accepts. */
const MAX_SECONDS = 10675199 * SECONDS_PER_DAY + 2 * 3600 + 48 * 60 + 5;

interface Span {
  /** Whole seconds. */
  seconds: number;
  /** The fraction of a second as written, up to 7 digits (TimeSpan's ticks). */
  fraction: string;
}

function parse(text: string): Span | undefined {
  const m = PATTERN.exec(text);
  if (!m || text === "P" || text.endsWith("T")) return undefined;
  const [y, mo, d, h, min, s] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const days = y * DAYS_PER_YEAR + mo * DAYS_PER_MONTH + d;
  const seconds = days * SECONDS_PER_DAY + h * 3600 + min * 60 + s;
  const fraction = (m[7] ?? "").replace(/0+$/, "");
  if (seconds > MAX_SECONDS || (seconds === MAX_SECONDS && fraction > "4775807")) return undefined;
  return { seconds, fraction };
}

/**
 * Milliseconds, Infinity for Batch's "unlimited", undefined when the text is not a duration. Many
 * (a P30D retentionTime) are longer than one Node timer waits: long-timer.ts waits for them.
 */
export function durationMs(text: string): number | undefined {
  if (text === UNLIMITED) return Infinity;
  const span = parse(text);
  if (!span) return undefined;
  return (span.seconds + Number(`0.${span.fraction || "0"}`)) * 1000;
}

/** The duration as Batch returns it after storing it (days, hours, minutes, seconds; `PT0S` for zero); undefined when it is not one. */
export function normalisedDuration(text: string): string | undefined {
  const span = parse(text);
  if (!span) return undefined;
  const days = Math.floor(span.seconds / SECONDS_PER_DAY);
  const rest = span.seconds % SECONDS_PER_DAY;
  const [h, min, s] = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), rest % 60];
  const time = `${h ? `${h}H` : ""}${min ? `${min}M` : ""}${s || span.fraction ? `${s}${span.fraction ? `.${span.fraction}` : ""}S` : ""}`;
  if (!days && !time) return "PT0S";
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}
