/**
 * `npm run eval -- --input DIR [--profile FILE] [--truth CSV] [--manifest CSV] [--json] [--debug DIR]`:
 * the worker's accuracy report; with a manifest, the series check is applied before scoring; with
 * --debug, a picture per photo of where the counter was found and what it read.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { parseMeterProfile } from "../contracts/meter-profile";
import { runBatch } from "./batch";
import { positiveInt } from "./cli-args";
import { EvalError, formatReport, score, truthFromCsv, truthFromName } from "./eval";
import { drawRecordOverlays } from "./overlay";
import { photosIn, skippedLine } from "../shared/photo-files";
import { checkManifestPhotos, checkSeries, readSeriesManifest, seriesLine } from "../shared/series";

async function main(): Promise<void> {
  const opts = new Command()
    .name(process.env.BATCH_OCR_COMMAND ?? "npm run eval --")
    .description(
      "Reads a folder of photos with the OCR worker and reports exact, unreadable and wrong readings (integer part), and the coverage (accepted of all) and precision (exact of accepted) of the readings it marked ok.",
    )
    .requiredOption("--input <dir>", "folder of photos")
    .option("--profile <file>", "meter profile JSON (without one the whole photo is searched)")
    .option(
      "--truth <csv>",
      "CSV with columns photo,reading; without it the reading is the number a file is named after (530.95675.jpg -> 530)",
    )
    .option(
      "--manifest <csv>",
      "CSV with columns photo,meter,time[,maxRatePerDay] (photo names as in --input, ISO 8601 times; an empty time takes the EXIF time): the series check is applied before scoring",
    )
    .option("--concurrency <n>", "Tesseract processes at once", positiveInt, cpus().length)
    .option("--json", "print the report as JSON")
    .option(
      "--debug <dir>",
      "write DIR/<photo>.png per photo: the photo with the band found, its wheels, and the reading or why there is none (photos that could not be decoded have none)",
    )
    .parse()
    .opts<{
      input: string;
      profile?: string;
      truth?: string;
      manifest?: string;
      concurrency: number;
      json?: boolean;
      debug?: string;
    }>();

  const profile = opts.profile
    ? parseMeterProfile(JSON.parse(await readFile(opts.profile, "utf8")), opts.profile)
    : undefined;
  const truth = opts.truth ? await truthFromCsv(opts.truth) : undefined;
  const { photos, skipped } = await photosIn(opts.input);
  if (skipped.length > 0) process.stderr.write(`${skippedLine(opts.input, skipped)}\n`);
  if (photos.length === 0) throw new EvalError(`no photos in ${opts.input}`);
  const manifest = opts.manifest ? await readSeriesManifest(opts.manifest) : undefined;
  if (manifest)
    checkManifestPhotos(
      manifest,
      photos.map((p) => path.basename(p)),
    );

  const out = await mkdtemp(path.join(tmpdir(), "ocr-eval-"));
  try {
    const started = Date.now();
    const read = await runBatch({ photos, profile, outDir: out, concurrency: opts.concurrency });
    const series = manifest ? checkSeries(read, { manifest, maxRatePerDay: profile?.maxRatePerDay }) : undefined;
    const records = series?.records ?? read;
    const report = score(records, (photo) => (truth ? truth.get(photo) : truthFromName(photo)));
    const seconds = (Date.now() - started) / 1000;
    if (opts.debug) {
      const drawn = await drawRecordOverlays(
        records,
        (r) => path.join(opts.input, r.photo),
        opts.debug,
        opts.concurrency,
      );
      console.error(`${drawn.length} overlays in ${opts.debug}`);
    }
    if (opts.json)
      console.log(JSON.stringify({ ...report, seconds, ...(series ? { series: series.summary } : {}) }, null, 2));
    else console.log(`${formatReport(report, seconds)}${series ? `\n\n${seriesLine(series.summary)}` : ""}`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`eval: ${(err as Error).message}`);
  process.exit(1);
});
