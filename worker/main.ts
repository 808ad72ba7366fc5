/**
 * The worker a Batch task runs from the application package:
 *   node $AZ_BATCH_APP_PACKAGE_<app>_<version>/worker.js [--profile FILE] [--out DIR] [--concurrency N] [--input DIR | PHOTO...]
 * Writes one result record per photo to DIR/records.jsonl. Exit 0 when every photo got a record
 * (error records included); 1 only when the batch could not run at all.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { isMainThread } from "node:worker_threads";
import { Command, InvalidArgumentError } from "commander";
import { parseMeterProfile, type MeterProfile } from "../contracts/meter-profile";
import { RECORDS_FILE } from "../contracts/node-setup";
import { runBatch } from "./batch";
import { photosIn, skippedLine } from "../shared/photo-files";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of 1 or more");
  return n;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("worker.js")
    .description(
      "Reads meter photos with ImageMagick and Tesseract; one result record per photo in <out>/records.jsonl.",
    )
    .option(
      "--profile <file>",
      "meter profile JSON (crop or corners, rotate, invert, digits...); without one the whole photo is searched",
    )
    .option("--out <dir>", "where records.jsonl is written", "results")
    .option("--concurrency <n>", "Tesseract processes at once (one per task slot)", positiveInt, 1)
    .option("--input <dir>", "read every photo in this directory")
    .argument("[photos...]", "photo files (instead of --input)")
    .showHelpAfterError();
  program.parse(argv);
  const opts = program.opts<{ profile?: string; out: string; concurrency: number; input?: string }>();

  let profile: MeterProfile | undefined;
  if (opts.profile) {
    const file = opts.profile;
    const text = await readFile(file, "utf8").catch(() => {
      throw new Error(`cannot read the profile ${file}`);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`the profile ${file} is not JSON: ${(err as Error).message}`);
    }
    profile = parseMeterProfile(json, file);
  }

  const inputDir = opts.input ? path.resolve(opts.input) : undefined;
  let photos = program.args.map((p) => path.resolve(p));
  if (inputDir) {
    const listed = await photosIn(inputDir);
    photos = listed.photos;
    // Not silently: a photo with an unexpected extension, or a broken link, should be noticed.
    if (listed.skipped.length > 0) console.error(skippedLine(inputDir, listed.skipped));
  }
  if (photos.length === 0)
    throw new Error(inputDir ? `no photos in ${inputDir}` : "no photos given (use --input DIR or list files)");
  if (inputDir && !(await stat(inputDir)).isDirectory()) throw new Error(`${inputDir} is not a directory`);

  const records = await runBatch({
    photos,
    profile,
    outDir: opts.out,
    concurrency: opts.concurrency,
    nameOf: (p) => (inputDir ? path.relative(inputDir, p) : path.basename(p)),
  });
  const count = (s: string) => records.filter((r) => r.status === s).length;
  console.log(
    `${records.length} photos: ${count("ok")} read, ${count("unreadable")} unreadable, ${count("error")} errors -> ${path.join(opts.out, RECORDS_FILE)}`,
  );
  for (const r of records.filter((r) => r.status === "error")) console.error(`${r.photo}: ${r.error}`);
  return 0;
}

// The bundle is also what the wheel threads run (wheel-threads.ts): they have no command line.
if (isMainThread)
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`worker: ${(err as Error).message}`);
      process.exit(1);
    },
  );
