import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseMeterProfile } from "../../contracts/meter-profile";
import type { EvalReport } from "../../worker/eval";
import {
  checkManifestPhotos,
  checkSeries,
  parseSeriesManifest,
  seriesLine,
  type SeriesRecord,
  type SeriesSummary,
} from "../../shared/series";
import { DEFAULT_CAMERA, drawMeterPhoto, profileFor } from "../../scripts/meter-photos";

const ROOT = path.join(__dirname, "..", "..");

type Row = SeriesRecord & { confidence: number };
const ok = (photo: string, reading: string, takenAt?: string): Row => ({
  photo,
  status: "ok",
  reading,
  error: null,
  confidence: 0.9,
  ...(takenAt ? { takenAt } : {}),
});
/** Readings of one meter (a sub-folder), one a day at 10:00 from 2026-01-01. */
const daily = (meter: string, readings: string[]): Row[] =>
  readings.map((r, i) => ok(`${meter}/day-${i + 1}.jpg`, r, `2026-01-${String(i + 1).padStart(2, "0")}T10:00`));
const refused = (rows: readonly Row[]) => rows.filter((r) => r.status === "unreadable").map((r) => r.photo);
const errorOf = (rows: readonly Row[], photo: string) => rows.find((r) => r.photo === photo)?.error;

describe("the series check", () => {
  test("a meter's readings must not go down: the one that does is refused, the rest stand, untouched", () => {
    const rows = daily("A", ["00520", "00821", "00531", "00540"]);
    const { records, summary } = checkSeries(rows);
    expect(refused(records)).toEqual(["A/day-2.jpg"]);
    expect(records[1]).toEqual({
      photo: "A/day-2.jpg",
      status: "unreadable",
      reading: null,
      confidence: 0.9,
      takenAt: "2026-01-02T10:00",
      error:
        "breaks the series of meter A: 00821 at 2026-01-02T10:00 is above 00531 at 2026-01-03T10:00 (a series of 3 of its 4 readings holds without it)",
    });
    expect([records[0], records[2], records[3]]).toEqual([rows[0], rows[2], rows[3]]);
    expect(summary).toEqual({
      meters: 1,
      checked: 4,
      refused: 1,
      tied: 0,
      unchecked: { noMeter: 0, noTime: 0, mixedZones: 0 },
    });
    // Equal readings are not a fall; the records come back in their order whatever the times' order.
    const shuffled = [...daily("B", ["00100", "00100", "00101"])].reverse();
    expect(checkSeries(shuffled).records).toEqual(shuffled);
  });

  test("no reading may rise by more than the rate times the days, plus one for the integer part", () => {
    // 10 a day: 00100 -> 00111 in a day is the most allowed; 00112 -> 00140 in a day is not.
    const rows = daily("A", ["00100", "00111", "00112", "00140"]);
    expect(refused(checkSeries(rows).records)).toEqual([]);
    const { records } = checkSeries(rows, { maxRatePerDay: 10 });
    expect(refused(records)).toEqual(["A/day-4.jpg"]);
    expect(errorOf(records, "A/day-4.jpg")).toBe(
      "breaks the series of meter A: 00140 at 2026-01-04T10:00 is 28 above 00112 at 2026-01-03T10:00, more than 10 a day allows (at most 11 in 1 day) (a series of 3 of its 4 readings holds without it)",
    );
    // Over two days twice as much: a day left out is no gap in the rule.
    const gap = [
      ok("A/1.jpg", "00100", "2026-01-01T10:00"),
      ok("A/3.jpg", "00121", "2026-01-03T10:00"),
      ok("A/4.jpg", "00122", "2026-01-03T16:00"),
    ];
    expect(refused(checkSeries(gap, { maxRatePerDay: 10 }).records)).toEqual([]);
    // A manifest's rate for the meter overrides the profile's.
    const manifest = parseSeriesManifest(
      ["photo,meter,time,maxRatePerDay", ...rows.map((r) => `${r.photo},A,${r.takenAt},30`)].join("\n"),
      "m.csv",
    );
    expect(refused(checkSeries(rows, { manifest, maxRatePerDay: 10 }).records)).toEqual([]);
  });

  test("an outlier among good neighbours is refused, its error naming both neighbours it contradicts", () => {
    const rows = daily("meter 7", ["00529", "00530", "00531", "00900", "00532", "00533"]);
    const { records, summary } = checkSeries(rows, { maxRatePerDay: 5 });
    expect(refused(records)).toEqual(["meter 7/day-4.jpg"]);
    expect(errorOf(records, "meter 7/day-4.jpg")).toBe(
      "breaks the series of meter meter 7: 00900 at 2026-01-04T10:00 is 369 above 00531 at 2026-01-03T10:00, more than 5 a day allows (at most 6 in 1 day)" +
        " and is above 00532 at 2026-01-05T10:00 (a series of 5 of its 6 readings holds without it)",
    );
    expect(seriesLine(summary)).toBe("series check: 1 meter, 6 photos checked, 1 reading refused");
  });

  test("two equally large consistent series: the readings they disagree on are all refused, and the error says it is a tie", () => {
    const rows = daily("A", ["00100", "00500", "00200", "00600"]);
    const { records, summary } = checkSeries(rows);
    expect(refused(records)).toEqual(["A/day-2.jpg", "A/day-3.jpg"]);
    expect(errorOf(records, "A/day-2.jpg")).toBe(
      "breaks the series of meter A: 00500 at 2026-01-02T10:00 is above 00200 at 2026-01-03T10:00; a series of 3 of its 4 readings holds with either, so neither is taken (a tie: both refused)",
    );
    expect(errorOf(records, "A/day-3.jpg")).toMatch(
      /^breaks the series of meter A: 00200 at 2026-01-03T10:00 is below 00500 at 2026-01-02T10:00; .*\(a tie: both refused\)$/,
    );
    expect(summary).toMatchObject({ checked: 4, refused: 2, tied: 2 });
    expect(seriesLine(summary)).toBe(
      "series check: 1 meter, 4 photos checked, 2 readings refused (2 of them on a tie between two equally long series)",
    );
  });

  test("what stands is what every largest consistent subset holds, as found by trying every subset", () => {
    // mulberry32: a small PRNG with a fixed seed, so a failing round can be replayed.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n) | 0;
    };
    for (let round = 0; round < 400; round++) {
      const n = 1 + random(8);
      const rate = random(3) === 0 ? undefined : 1 + random(20);
      let day = 0;
      const points = Array.from({ length: n }, () => ({ day: (day += 0.25 + random(8) / 4), value: 100 + random(60) }));
      const rows = points.map((p, i) =>
        ok(
          `A/${i}.jpg`,
          String(p.value).padStart(5, "0"),
          new Date(Date.UTC(2026, 0, 1) + p.day * 86_400_000).toISOString().slice(0, 19),
        ),
      );
      const agree = (a: (typeof points)[number], b: (typeof points)[number]) =>
        b.value >= a.value && (rate === undefined || b.value - a.value <= rate * (b.day - a.day) + 1);
      const largest: number[][] = [];
      for (let mask = 1; mask < 1 << n; mask++) {
        const subset = [...Array(n).keys()].filter((i) => mask & (1 << i));
        if (
          !subset.every(
            (i, k) =>
              k === 0 ||
              agree(points[subset[k - 1] as number] as (typeof points)[number], points[i] as (typeof points)[number]),
          )
        )
          continue;
        if (largest.length && subset.length < (largest[0] as number[]).length) continue;
        if (largest.length && subset.length > (largest[0] as number[]).length) largest.length = 0;
        largest.push(subset);
      }
      const inAll = [...Array(n).keys()].filter((i) => largest.every((s) => s.includes(i)));
      const { records, summary } = checkSeries(rows, { maxRatePerDay: rate });
      expect({ round, standing: records.flatMap((r, i) => (r.status === "ok" ? [i] : [])) }).toEqual({
        round,
        standing: inAll,
      });
      const inSome = new Set(largest.flat());
      expect({ round, tied: summary.tied }).toEqual({
        round,
        tied: [...inSome].filter((i) => !inAll.includes(i)).length,
      });
      for (const r of records)
        if (r.status !== "ok") expect(r.error).toMatch(/^breaks the series of meter A: \d{5} at \S+ (is |fits )/);
    }
  });

  test("the meter is the photo's first sub-folder: each meter is its own series", () => {
    const rows = [
      ...daily("meterA", ["00900", "00901"]),
      ...daily("meterB", ["00100", "00101"]),
      ok("meterA/deep/x.jpg", "00100", "2026-01-03T10:00"),
    ];
    const { records, summary } = checkSeries(rows);
    expect(refused(records)).toEqual(["meterA/deep/x.jpg"]);
    expect(errorOf(records, "meterA/deep/x.jpg")).toMatch(
      /^breaks the series of meter meterA: 00100 at 2026-01-03T10:00 is below 00901 at 2026-01-02T10:00 /,
    );
    expect(summary).toMatchObject({ meters: 2, checked: 5, refused: 1 });
  });

  test("photos with no meter or no time are left as they are and counted; photos that are not ok take no part", () => {
    const rows: Row[] = [
      ...daily("A", ["00500", "00400"]),
      ok("top.jpg", "00001", "2026-01-01T10:00"), // no sub-folder: no meter
      ok("A/undated.jpg", "00001"), // no EXIF time
      {
        photo: "A/bad.jpg",
        status: "unreadable",
        reading: null,
        error: "wheel 2: no digit recognised",
        confidence: 0.2,
        takenAt: "2026-01-03T10:00",
      },
      { ...ok("B/utc.jpg", "00010"), takenAt: "2026-01-01T10:00Z" },
      ok("B/local.jpg", "00005", "2026-01-02T10:00"),
    ];
    const { records, summary } = checkSeries(rows);
    // 00500 then 00400: a tie of one reading each, both refused.
    expect(refused(records)).toEqual(["A/day-1.jpg", "A/day-2.jpg", "A/bad.jpg"]);
    expect(records.slice(2)).toEqual(rows.slice(2));
    expect(summary).toEqual({
      meters: 1,
      checked: 2,
      refused: 2,
      tied: 2,
      unchecked: { noMeter: 1, noTime: 1, mixedZones: 2 },
    });
    expect(seriesLine(summary)).toBe(
      "series check: 1 meter, 2 photos checked, 2 readings refused (2 of them on a tie between two equally long series); 4 readings not checked (1 without a meter, 1 without a time, 2 of meters whose times mix UTC offsets and local times)",
    );
    expect(checkSeries([]).summary).toEqual({
      meters: 0,
      checked: 0,
      refused: 0,
      tied: 0,
      unchecked: { noMeter: 0, noTime: 0, mixedZones: 0 },
    });
  });

  test("a manifest gives meter and time (its time before EXIF's, EXIF's where the cell is empty, UTC offsets honoured); photos it does not list are not checked", () => {
    const rows = [
      ok("a.jpg", "00200", "2026-01-09T00:00:00"),
      ok("b.jpg", "00201"),
      ok("c.jpg", "00050"),
      ok("d.jpg", "00040", "2026-01-04T00:00:00"),
      ok("e.jpg", "00045"),
      ok("sub/f.jpg", "00001", "2026-01-01T00:00:00"),
    ];
    // BOM, CRLF, quotes, a blank line, "./": as spreadsheets write them. a (07:00 UTC) is before b (07:30 UTC).
    const text =
      '\uFEFFphoto,meter,time\r\n./a.jpg,M,2026-01-02T08:00:00+01:00\r\nb.jpg,M,2026-01-02T07:30Z\r\n\r\n"c.jpg",N,"2026-01-03"\r\nd.jpg,N,\r\ne.jpg,N,2026-01-05T12:00\r\n';
    const manifest = parseSeriesManifest(text, "m.csv");
    expect([...manifest.photos]).toEqual([
      ["a.jpg", { meter: "M", time: "2026-01-02T08:00:00+01:00", line: 2 }],
      ["b.jpg", { meter: "M", time: "2026-01-02T07:30Z", line: 3 }],
      ["c.jpg", { meter: "N", time: "2026-01-03", line: 5 }],
      ["d.jpg", { meter: "N", line: 6 }],
      ["e.jpg", { meter: "N", time: "2026-01-05T12:00", line: 7 }],
    ]);
    const { records, summary } = checkSeries(rows, { manifest });
    // d has its EXIF time (Jan 4), so c (Jan 3) stands above it and is refused.
    expect(refused(records)).toEqual(["c.jpg"]);
    expect(errorOf(records, "c.jpg")).toBe(
      "breaks the series of meter N: 00050 at 2026-01-03 is above 00040 at 2026-01-04T00:00:00 (a series of 2 of its 3 readings holds without it)",
    );
    // sub/f.jpg is not in the manifest: its folder is no meter once a manifest is given.
    expect(summary).toEqual({
      meters: 2,
      checked: 5,
      refused: 1,
      tied: 0,
      unchecked: { noMeter: 1, noTime: 0, mixedZones: 0 },
    });
  });

  test("a bad manifest is refused with the file and the line", () => {
    const bad = (text: string) => () => parseSeriesManifest(text, "series.csv");
    expect(bad("photo,meter\na.jpg,M\n")).toThrow(
      "series.csv, line 1: missing column time (columns: photo, meter, time, maxRatePerDay; the first three required)",
    );
    expect(bad("photo,meter,time,when\n")).toThrow('series.csv, line 1: unknown column "when"');
    expect(bad("photo,meter,time\n")).toThrow("series.csv: no photos listed");
    expect(bad("photo,meter,time\na.jpg,M,2026-01-01\nb.jpg,M,03/01/2026\n")).toThrow(
      'series.csv, line 3: time "03/01/2026" of b.jpg is not an ISO 8601 date and time',
    );
    expect(bad("photo,meter,time\na.jpg,M,2026-02-30T10:00\n")).toThrow("series.csv, line 2: time");
    expect(bad("photo,meter,time\na.jpg,,2026-01-01\n")).toThrow("series.csv, line 2: no meter for a.jpg");
    expect(bad("photo,meter,time\na.jpg,M,2026-01-01\n\na.jpg,M,2026-01-02\n")).toThrow(
      "series.csv, line 4: a.jpg is listed twice (line 2 too)",
    );
    expect(bad("photo,meter,time,maxRatePerDay\na.jpg,M,2026-01-01,fast\n")).toThrow(
      'series.csv, line 2: maxRatePerDay "fast" is not a number above 0',
    );
    expect(bad("photo,meter,time,maxRatePerDay\na.jpg,M,2026-01-01,5\nb.jpg,M,2026-01-02,6\n")).toThrow(
      "series.csv, line 3: maxRatePerDay 6 for meter M, but line 2 gives 5",
    );
    expect(bad("photo,meter,time\na.jpg,M,2026-01-01,extra\n")).toThrow(/^series\.csv: not a CSV manifest: .*line 2/);
    const manifest = parseSeriesManifest(
      "photo,meter,time\nmeterA/1.jpg,A,2026-01-01\nmeterA/2.jpg,A,2026-01-02\nmeterB/9.jpg,B,2026-01-02\n",
      "series.csv",
    );
    expect(() => checkManifestPhotos(manifest, ["meterA/1.jpg", "meterA/2.jpg", "meterB/9.jpg"])).not.toThrow();
    expect(() => checkManifestPhotos(manifest, ["meterA/1.jpg"])).toThrow(
      "series.csv, line 3: unknown photo meterA/2.jpg: not in the input (and 1 more photo(s) the input does not have)",
    );
  });

  test("the profile's maxRatePerDay is validated like every other field", () => {
    expect(parseMeterProfile({ digits: 5, maxRatePerDay: 2.5 }, "p.json").maxRatePerDay).toBe(2.5);
    for (const rate of [0, -1, "5", null])
      expect(() => parseMeterProfile({ maxRatePerDay: rate }, "p.json")).toThrow(
        "p.json: maxRatePerDay must be a number above 0",
      );
  });
});

describe("npm run eval -- --manifest: the check applied before scoring", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "series-eval-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a reading that breaks the series is counted unreadable, with the neighbours it contradicts", async () => {
    const photos = path.join(dir, "photos");
    const readings = ["00530", "00531", "00900", "00532"];
    await mkdir(photos);
    readings.forEach((reading, i) => drawMeterPhoto(path.join(photos, `${reading}.jpg`), { reading, seed: 40 + i }));
    const profile = path.join(dir, "profile.json");
    await writeFile(profile, JSON.stringify({ ...profileFor(DEFAULT_CAMERA, 5), maxRatePerDay: 5 }));
    const manifest = path.join(dir, "series.csv");
    await writeFile(
      manifest,
      ["photo,meter,time", ...readings.map((r, i) => `${r}.jpg,M1,2026-01-0${i + 1}T10:00`)].join("\n"),
    );
    const evaluate = (...args: string[]) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            require.resolve("tsx/cli"),
            "worker/eval-cli.ts",
            "--input",
            photos,
            "--profile",
            profile,
            "--json",
            "--concurrency",
            "2",
            ...args,
          ],
          { cwd: ROOT, encoding: "utf8" },
        ),
      ) as EvalReport & { series?: SeriesSummary };

    // Without the manifest every photo reads as it shows; with it the one that breaks the series is refused.
    expect(evaluate()).toMatchObject({ photos: 4, exact: 4, unreadable: 0, wrong: 0 });
    const report = evaluate("--manifest", manifest);
    expect(report).toMatchObject({
      photos: 4,
      exact: 3,
      unreadable: 1,
      wrong: 0,
      series: { meters: 1, checked: 4, refused: 1, tied: 0 },
    });
    expect(report.misses).toEqual([
      {
        photo: "00900.jpg",
        truth: 900,
        status: "unreadable",
        reading: null,
        confidence: expect.any(Number),
        error:
          "breaks the series of meter M1: 00900 at 2026-01-03T10:00 is 369 above 00531 at 2026-01-02T10:00, more than 5 a day allows (at most 6 in 1 day)" +
          " and is above 00532 at 2026-01-04T10:00 (a series of 3 of its 4 readings holds without it)",
      },
    ]);
  });
});
