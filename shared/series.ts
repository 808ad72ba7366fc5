/**
 * The series check: photos of one meter over time must give readings that never go down, and
 * never rise faster than the meter can run. No single photo's reader can know this; it needs
 * every record of a job together, so it runs where they are (the dispatcher's collection, the
 * accuracy report), never inside a worker's task, which sees only its share of the photos.
 *
 * A photo's meter and time come from a manifest (CSV `photo,meter,time[,maxRatePerDay]`), or
 * without one from the photo's first sub-folder (`meterA/2026-01-02.jpg` is meter `meterA`) and
 * its record's `takenAt` (EXIF). Per meter, sorted by time, the largest set of `ok` readings that
 * agree with each other stands; every other `ok` reading becomes `unreadable`, its error naming the
 * readings it contradicts. Where two such sets are equally large, the readings on which they
 * disagree are all refused: the check does not pick one.
 *
 * Pure: no I/O but {@link readSeriesManifest}.
 */
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import type { ResultStatus } from "../contracts/result-record";

/** What the check needs of a record (a worker's result record or a dispatcher's row). */
export interface SeriesRecord {
  /** The photo's name relative to the input directory, `/` between folders. */
  photo: string;
  status: ResultStatus;
  reading: string | null;
  error: string | null;
  /** ISO 8601 (from EXIF, see `contracts/result-record.ts`). */
  takenAt?: string;
}

export interface ManifestEntry {
  meter: string;
  /** ISO 8601 as the manifest gives it; absent when the cell is empty (the photo's EXIF time is used). */
  time?: string;
  /** Line of the manifest file, for messages. */
  line: number;
}

export interface SeriesManifest {
  /** The file, named in every message. */
  source: string;
  /** By photo name (relative to the input directory, `/` between folders). */
  photos: ReadonlyMap<string, ManifestEntry>;
  /** Per meter, from the `maxRatePerDay` column: overrides the profile's. */
  maxRatePerDay: ReadonlyMap<string, number>;
}

export interface SeriesOptions {
  /** Meter and time per photo; without one, meters are sub-folders and times are EXIF times. */
  manifest?: SeriesManifest;
  /** Units of the integer reading per day (the profile's `maxRatePerDay`); without it, readings need only not go down. */
  maxRatePerDay?: number;
}

export interface SeriesSummary {
  /** Meters with at least one `ok` reading checked. */
  meters: number;
  /** `ok` readings that went through the check. */
  checked: number;
  /** Of those, readings refused (now `unreadable`)... */
  refused: number;
  /** ...of which refused because two equally large consistent series disagree on them. */
  tied: number;
  /** `ok` readings left as they were: no meter, no time, or a meter whose times mix zoned and unzoned ones. */
  unchecked: { noMeter: number; noTime: number; mixedZones: number };
}

export interface SeriesResult<T> {
  /** The records in their order, refused ones replaced by `unreadable` copies. */
  records: T[];
  summary: SeriesSummary;
}

export class SeriesManifestError extends Error {
  override name = "SeriesManifestError";
}

const MS_PER_DAY = 86_400_000;
/** The manifest's columns: the first three are required. */
export const MANIFEST_COLUMNS = ["photo", "meter", "time", "maxRatePerDay"] as const;
const REQUIRED_COLUMNS = MANIFEST_COLUMNS.slice(0, 3);

/** A point in time: `zoned` when the string said its UTC offset; otherwise local time, counted as if it were UTC. */
export interface Instant {
  ms: number;
  zoned: boolean;
}

/**
 * ISO 8601 date or date and time (`2026-01-03`, `2026-01-03T10:00`, `2026-01-03T10:00:00.5+01:00`,
 * a space allowed for the `T`), or undefined when the string is not one or names an impossible
 * date. A time without an offset is local time: only compared with other local times.
 */
export function parseIsoTime(text: string): Instant | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m
    .slice(1, 7)
    .map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  const local = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s) + fraction;
  const date = new Date(local);
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== (mo as number) - 1 ||
    date.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return undefined;
  const zone = m[8];
  if (zone === undefined) return { ms: local, zoned: false };
  if (zone === "Z") return { ms: local, zoned: true };
  const [, sign, zh, zm] = (/^([+-])(\d{2}):?(\d{2})$/.exec(zone) as RegExpExecArray).map(String) as [
    string,
    string,
    string,
    string,
  ];
  if (Number(zh) > 23 || Number(zm) > 59) return undefined;
  return { ms: local - (sign === "-" ? -1 : 1) * (Number(zh) * 60 + Number(zm)) * 60_000, zoned: true };
}

/** A manifest photo name as the input names photos: no `./` in front. */
function photoKey(name: string): string {
  return name.trim().replace(/^(\.\/)+/, "");
}

/** Parses a manifest's CSV text; every problem names `source` and the line. */
export function parseSeriesManifest(text: string, source: string): SeriesManifest {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, {
      bom: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim());
        const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
        const unknown = names.filter((n) => !(MANIFEST_COLUMNS as readonly string[]).includes(n));
        const problems = [
          ...(missing.length ? [`missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`] : []),
          ...(unknown.length
            ? [`unknown column${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => JSON.stringify(u)).join(", ")}`]
            : []),
        ];
        if (problems.length)
          throw new SeriesManifestError(
            `${source}, line 1: ${problems.join("; ")} (columns: ${MANIFEST_COLUMNS.join(", ")}; the first three required)`,
          );
        return names;
      },
      info: true,
      skip_empty_lines: true,
      trim: true,
    }) as { record: Record<string, string>; info: { lines: number } }[];
  } catch (err) {
    if (err instanceof SeriesManifestError) throw err;
    throw new SeriesManifestError(`${source}: not a CSV manifest: ${(err as Error).message}`);
  }
  if (rows.length === 0)
    throw new SeriesManifestError(`${source}: no photos listed (columns: ${MANIFEST_COLUMNS.join(", ")})`);
  const photos = new Map<string, ManifestEntry>();
  const rates = new Map<string, { rate: number; line: number }>();
  for (const { record, info } of rows) {
    const line = info.lines;
    const at = `${source}, line ${line}`;
    const photo = photoKey(record.photo ?? "");
    const meter = (record.meter ?? "").trim();
    const time = (record.time ?? "").trim();
    const rateText = (record.maxRatePerDay ?? "").trim();
    if (photo === "") throw new SeriesManifestError(`${at}: no photo`);
    if (meter === "") throw new SeriesManifestError(`${at}: no meter for ${photo}`);
    const before = photos.get(photo);
    if (before) throw new SeriesManifestError(`${at}: ${photo} is listed twice (line ${before.line} too)`);
    if (time !== "" && !parseIsoTime(time)) {
      throw new SeriesManifestError(
        `${at}: time ${JSON.stringify(time)} of ${photo} is not an ISO 8601 date and time (e.g. 2026-01-03T10:00 or 2026-01-03T10:00:00+01:00)`,
      );
    }
    if (rateText !== "") {
      const rate = Number(rateText);
      if (!Number.isFinite(rate) || rate <= 0)
        throw new SeriesManifestError(`${at}: maxRatePerDay ${JSON.stringify(rateText)} is not a number above 0`);
      const known = rates.get(meter);
      if (known && known.rate !== rate)
        throw new SeriesManifestError(
          `${at}: maxRatePerDay ${rate} for meter ${meter}, but line ${known.line} gives ${known.rate}`,
        );
      if (!known) rates.set(meter, { rate, line });
    }
    photos.set(photo, { meter, ...(time !== "" ? { time } : {}), line });
  }
  return { source, photos, maxRatePerDay: new Map([...rates].map(([meter, r]) => [meter, r.rate])) };
}

export async function readSeriesManifest(file: string): Promise<SeriesManifest> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new SeriesManifestError(
      `cannot read the manifest ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseSeriesManifest(text, file);
}

/** Refuses a manifest that lists a photo the input does not have, naming the first such line (and how many more). */
export function checkManifestPhotos(manifest: SeriesManifest, photos: Iterable<string>): void {
  const known = new Set(photos);
  const unknown = [...manifest.photos].filter(([photo]) => !known.has(photo)).sort((a, b) => a[1].line - b[1].line);
  const first = unknown[0];
  if (!first) return;
  const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more photo(s) the input does not have)` : "";
  throw new SeriesManifestError(
    `${manifest.source}, line ${first[1].line}: unknown photo ${first[0]}: not in the input${more}; names are relative to the input directory, e.g. meterA/2026-01-02.jpg`,
  );
}

/** One `ok` reading in its meter's series. */
interface Point {
  index: number;
  value: number;
  reading: string;
  time: string;
  ms: number;
}

/** The photo's first sub-folder, or undefined for a photo at the top of the input. */
function folderMeter(photo: string): string | undefined {
  const slash = photo.indexOf("/");
  return slash > 0 ? photo.slice(0, slash) : undefined;
}

/** A span of time in words: `2 days`, `1.5 days`, `6 hours`, `20 minutes`. */
function span(ms: number): string {
  const [n, unit] =
    ms >= MS_PER_DAY ? [ms / MS_PER_DAY, "day"] : ms >= 3_600_000 ? [ms / 3_600_000, "hour"] : [ms / 60_000, "minute"];
  const text = String(Number(n.toFixed(n >= 10 ? 0 : 1)));
  return `${text} ${unit}${text === "1" ? "" : "s"}`;
}

/**
 * The one rule between a reading `a` and a later reading `b` of the same meter: `b` is not below
 * `a`, and rises from it by at most the rate times the days between them, plus one for the integer
 * part (a meter at 530.9 reads 530, a moment later at 531.0 reads 531). Undefined when they agree;
 * otherwise what is wrong, in words from the point of view of `subject` (`a` or `b`).
 */
function conflict(a: Point, b: Point, rate: number | undefined, subject: Point): string | undefined {
  const other = subject === a ? b : a;
  const otherText = `${other.reading} at ${other.time}`;
  if (b.value < a.value) return subject === a ? `is above ${otherText}` : `is below ${otherText}`;
  if (rate === undefined) return undefined;
  const allowed = Math.floor(rate * ((b.ms - a.ms) / MS_PER_DAY) + 1 + 1e-9);
  const rise = b.value - a.value;
  if (rise <= allowed) return undefined;
  return `is ${rise} ${subject === a ? "below" : "above"} ${otherText}, more than ${rate} a day allows (at most ${allowed} in ${span(b.ms - a.ms)})`;
}

/** One meter's `ok` readings in time order: which stand, and why each other one does not. */
function checkMeter(
  meter: string,
  points: Point[],
  rate: number | undefined,
): Map<number, { tie: boolean; error: string }> {
  const n = points.length;
  const agree = (i: number, j: number) =>
    conflict(points[i] as Point, points[j] as Point, rate, points[j] as Point) === undefined;
  // Longest chains ending at (f) and starting from (g) each reading; a reading lies on some
  // longest chain when f + g - 1 is the longest. Along a longest chain f counts 1, 2, ..., so a
  // reading lies on every longest chain exactly when no other reading on one shares its f.
  const f = new Array<number>(n).fill(1);
  const g = new Array<number>(n).fill(1);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < j; i++) if ((f[i] as number) + 1 > (f[j] as number) && agree(i, j)) f[j] = (f[i] as number) + 1;
  for (let i = n - 1; i >= 0; i--)
    for (let j = i + 1; j < n; j++)
      if ((g[j] as number) + 1 > (g[i] as number) && agree(i, j)) g[i] = (g[j] as number) + 1;
  const longest = Math.max(0, ...f);
  const onLongest = (i: number) => (f[i] as number) + (g[i] as number) - 1 === longest;
  const atLevel = new Map<number, number[]>();
  for (let i = 0; i < n; i++)
    if (onLongest(i)) atLevel.set(f[i] as number, [...(atLevel.get(f[i] as number) ?? []), i]);
  // In time order: every longest chain passes through them in the order of their f.
  const kept = [...atLevel]
    .filter(([, same]) => same.length === 1)
    .sort((a, b) => a[0] - b[0])
    .map(([, same]) => same[0] as number);

  const refused = new Map<number, { tie: boolean; error: string }>();
  const of = `breaks the series of meter ${meter}`;
  const series = `${longest} of its ${n} readings`;
  const say = (p: Point, problems: string[]) => `${p.reading} at ${p.time} ${problems.join(" and ")}`;
  for (let x = 0; x < n; x++) {
    if (kept.includes(x)) continue;
    const p = points[x] as Point;
    const order = (i: number): [Point, Point] => (i < x ? [points[i] as Point, p] : [p, points[i] as Point]);
    if (onLongest(x)) {
      // A tie: the others at its place on a longest chain (each of which it contradicts).
      const rivals = (atLevel.get(f[x] as number) ?? []).filter((i) => i !== x);
      const named = rivals.slice(0, 3).map((i) => conflict(...order(i), rate, p) as string);
      const more = rivals.length > 3 ? ` and ${rivals.length - 3} more` : "";
      const tie =
        rivals.length === 1
          ? "holds with either, so neither is taken (a tie: both refused)"
          : `holds with any one of these ${rivals.length + 1}, so none is taken (a tie: all refused)`;
      refused.set(x, { tie: true, error: `${of}: ${say(p, named)}${more}; a series of ${series} ${tie}` });
      continue;
    }
    // An outlier: the nearest readings that stand, before and after it, that it contradicts.
    const before = kept.filter((i) => i < x).pop();
    const after = kept.find((i) => i > x);
    let problems = [before, after]
      .filter((i): i is number => i !== undefined)
      .map((i) => conflict(...order(i), rate, p))
      .filter((c): c is string => c !== undefined);
    if (problems.length === 0) {
      // Only near a tie: it agrees with the nearest readings that stand but not with the ones between them.
      const nearest = [...Array(n).keys()]
        .filter((i) => i !== x && onLongest(i))
        .sort((a, b) => Math.abs(a - x) - Math.abs(b - x));
      problems = nearest
        .map((i) => conflict(...order(i), rate, p))
        .filter((c): c is string => c !== undefined)
        .slice(0, 2);
    }
    const what = problems.length ? say(p, problems) : `${p.reading} at ${p.time} fits no series as long as the longest`;
    refused.set(x, { tie: false, error: `${of}: ${what} (a series of ${series} holds without it)` });
  }
  return refused;
}

/**
 * Applies the series check to all of a job's records. Records that are not `ok` are left as they
 * are (and do not count); `ok` records without a meter or a time are left as they are and counted
 * as unchecked.
 */
export function checkSeries<T extends SeriesRecord>(
  records: readonly T[],
  options: SeriesOptions = {},
): SeriesResult<T> {
  const { manifest } = options;
  const unchecked = { noMeter: 0, noTime: 0, mixedZones: 0 };
  const meters = new Map<string, (Point & { zoned: boolean })[]>();
  records.forEach((r, index) => {
    if (r.status !== "ok" || r.reading === null || !/^\d+$/.test(r.reading)) return;
    const entry = manifest?.photos.get(r.photo);
    const meter = manifest ? entry?.meter : folderMeter(r.photo);
    if (meter === undefined) return void (unchecked.noMeter += 1);
    const time = entry?.time ?? r.takenAt;
    const instant = time === undefined ? undefined : parseIsoTime(time);
    if (time === undefined || !instant) return void (unchecked.noTime += 1);
    meters.set(meter, [
      ...(meters.get(meter) ?? []),
      { index, value: Number(r.reading), reading: r.reading, time, ms: instant.ms, zoned: instant.zoned },
    ]);
  });

  const out = [...records];
  const summary: SeriesSummary = { meters: 0, checked: 0, refused: 0, tied: 0, unchecked };
  for (const [meter, points] of [...meters].sort((a, b) => a[0].localeCompare(b[0]))) {
    // A time with a UTC offset and one without cannot be put in order: such a meter is not checked.
    if (points.some((p) => p.zoned) && points.some((p) => !p.zoned)) {
      unchecked.mixedZones += points.length;
      continue;
    }
    // In time order; at the same time, the lower reading first (so equal times never read as a fall).
    points.sort(
      (a, b) =>
        a.ms - b.ms || a.value - b.value || (records[a.index] as T).photo.localeCompare((records[b.index] as T).photo),
    );
    const rate = manifest?.maxRatePerDay.get(meter) ?? options.maxRatePerDay;
    summary.meters += 1;
    summary.checked += points.length;
    for (const [i, verdict] of checkMeter(meter, points, rate)) {
      const index = (points[i] as Point).index;
      out[index] = { ...(records[index] as T), status: "unreadable", reading: null, error: verdict.error };
      summary.refused += 1;
      if (verdict.tie) summary.tied += 1;
    }
  }
  return { records: out, summary };
}

/** One line for the operator: `series check: 3 meters, 120 photos checked, 2 readings refused`, and what was left unchecked. */
export function seriesLine(s: SeriesSummary): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  let line = `series check: ${plural(s.meters, "meter")}, ${plural(s.checked, "photo")} checked, ${plural(s.refused, "reading")} refused`;
  if (s.tied > 0) line += ` (${s.tied} of them on a tie between two equally long series)`;
  const why = [
    s.unchecked.noMeter && `${s.unchecked.noMeter} without a meter`,
    s.unchecked.noTime && `${s.unchecked.noTime} without a time`,
    s.unchecked.mixedZones && `${s.unchecked.mixedZones} of meters whose times mix UTC offsets and local times`,
  ].filter(Boolean);
  const total = s.unchecked.noMeter + s.unchecked.noTime + s.unchecked.mixedZones;
  if (total > 0) line += `; ${plural(total, "reading")} not checked (${why.join(", ")})`;
  return line;
}
