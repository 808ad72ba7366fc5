/**
 * The points of the report's chart: every `ok` reading that had a meter and a time when the series
 * check ran, and whether the check refused it. The check itself (shared/series.ts) turns a
 * refused reading into an `unreadable` row with no reading, so the points are taken from the rows
 * before and after it.
 */
import { parseIsoTime, type SeriesOptions, type SeriesRecord } from "../shared/series";

export interface SeriesPoint {
  photo: string;
  meter: string;
  /** As the manifest or EXIF gave it. */
  time: string;
  /** Milliseconds on the meter's own clock (a time without an offset counted as if UTC), for the chart's x axis. */
  ms: number;
  reading: string;
  /** Refused by the series check: the reading does not fit the meter's other readings. */
  implausible: boolean;
}

/** The meter the series check gives a photo: the manifest's, or without one the photo's first sub-folder. */
function meterOf(photo: string, options: SeriesOptions): string | undefined {
  if (options.manifest) return options.manifest.photos.get(photo)?.meter;
  const slash = photo.indexOf("/");
  return slash > 0 ? photo.slice(0, slash) : undefined;
}

/** `before` and `after` are the records in the same order, before and after `checkSeries`. */
export function seriesPoints(
  before: readonly SeriesRecord[],
  after: readonly SeriesRecord[],
  options: SeriesOptions = {},
): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  before.forEach((r, i) => {
    if (r.status !== "ok" || r.reading === null) return;
    const meter = meterOf(r.photo, options);
    const time = options.manifest?.photos.get(r.photo)?.time ?? r.takenAt;
    const instant = time === undefined ? undefined : parseIsoTime(time);
    if (meter === undefined || time === undefined || !instant) return;
    points.push({
      photo: r.photo,
      meter,
      time,
      ms: instant.ms,
      reading: r.reading,
      implausible: after[i]?.status !== "ok",
    });
  });
  return points;
}
