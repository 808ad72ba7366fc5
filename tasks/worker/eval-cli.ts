/** `npm run eval -- --input DIR [--profile FILE] [--truth CSV] [--json]`: the worker's accuracy report. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { parseMeterProfile } from "../../contracts/meter-profile";
import { runBatch } from "./batch";
import { EvalError, formatReport, score, truthFromCsv, truthFromName } from "./eval";
import { photosIn } from "./photos";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}

async function main(): Promise<void> {
  const opts = new Command()
    .name("npm run eval --")
    .description("Reads a folder of photos with the OCR worker and reports exact, unreadable and wrong readings (integer part).")
    .requiredOption("--input <dir>", "folder of photos")
    .option("--profile <file>", "meter profile JSON (without one the whole photo is searched)")
    .option("--truth <csv>", "CSV with columns photo,reading; without it the reading is the number a file is named after (530.95675.jpg -> 530)")
    .option("--concurrency <n>", "Tesseract processes at once", positiveInt, cpus().length)
    .option("--json", "print the report as JSON")
    .parse()
    .opts<{ input: string; profile?: string; truth?: string; concurrency: number; json?: boolean }>();

  const profile = opts.profile ? parseMeterProfile(JSON.parse(await readFile(opts.profile, "utf8")), opts.profile) : undefined;
  const truth = opts.truth ? await truthFromCsv(opts.truth) : undefined;
  const { photos } = await photosIn(opts.input);
  if (photos.length === 0) throw new EvalError(`no photos in ${opts.input}`);

  const out = await mkdtemp(path.join(tmpdir(), "ocr-eval-"));
  try {
    const started = Date.now();
    const records = await runBatch({ photos, profile, outDir: out, concurrency: opts.concurrency });
    const report = score(records, (photo) => (truth ? truth.get(photo) : truthFromName(photo)));
    const seconds = (Date.now() - started) / 1000;
    console.log(opts.json ? JSON.stringify({ ...report, seconds }, null, 2) : formatReport(report, seconds));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`eval: ${(err as Error).message}`);
  process.exit(1);
});
