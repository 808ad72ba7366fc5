/**
 * One batch of photos through the whole pipeline, one result record per photo, appended to
 * `records.jsonl` as each shard finishes. Nothing is lost: a photo that cannot be read gets an
 * error record saying why, and the rest of the batch goes on.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { locatesCounter, PROFILE_DEFAULTS, type MeterProfile } from "../../contracts/meter-profile";
import { RESULT_SCHEMA, type ResultRecord } from "../../contracts/result-record";
import { inspectPhotos } from "./inspect";
import { encodePgm, parsePgm } from "./pgm";
import { preparePhotos, type Prepared } from "./prepare";
import { extractReading } from "./reading";
import { charsReader, readImages, wordsReader } from "./tesseract";
import { charsByWheel, readWheels } from "./wheel-reading";
import { composeLine, findWheels, type Counter, type Line } from "./wheels";

export interface BatchOptions {
  photos: string[];
  profile?: MeterProfile;
  outDir: string;
  /** Tesseract processes at once; one per task slot. */
  concurrency?: number;
  /** How a photo is named in its record (relative to the input directory by default). */
  nameOf?: (photo: string) => string;
}

export const RECORDS_FILE = "records.jsonl";

export async function runBatch(options: BatchOptions): Promise<ResultRecord[]> {
  const started = Date.now();
  const nameOf = options.nameOf ?? ((p: string) => path.basename(p));
  const mode = locatesCounter(options.profile) ? "profile" : "auto";
  await mkdir(options.outDir, { recursive: true });
  const recordsPath = path.join(options.outDir, RECORDS_FILE);
  const workDir = await mkdtemp(path.join(tmpdir(), "ocr-worker-"));
  const all: ResultRecord[] = [];

  const emit = async (records: ResultRecord[]) => {
    if (records.length === 0) return;
    all.push(...records);
    await appendFile(recordsPath, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  };
  const record = (photo: string, fields: Partial<ResultRecord> & Pick<ResultRecord, "status">, convertMs = 0, ocrMs = 0): ResultRecord => ({
    schema: RESULT_SCHEMA,
    photo: nameOf(photo),
    reading: null,
    confidence: null,
    rawText: "",
    error: null,
    mode,
    ...fields,
    timings: { convertMs: Math.round(convertMs), ocrMs: Math.round(ocrMs), totalMs: Date.now() - started },
  });

  try {
    const inspected = await inspectPhotos(options.photos);
    const good: string[] = [];
    const bad: ResultRecord[] = [];
    for (const photo of options.photos) {
      const info = inspected.get(photo);
      if (info?.ok) good.push(photo);
      else bad.push(record(photo, { status: "error", error: info && !info.ok ? info.error : "not inspected" }));
    }
    await emit(bad);

    const shards = Math.max(1, Math.min(options.concurrency ?? 1, good.length));
    const size = Math.ceil(good.length / shards);
    const read = locatesCounter(options.profile) && options.profile?.digits ? readByWheel : readWhole;
    await Promise.all(
      Array.from({ length: shards }, async (_, s) => {
        const mine = good.slice(s * size, (s + 1) * size);
        const prepared = await preparePhotos(mine, options.profile, workDir, s * size);
        await emit(prepared.filter((p) => p.error).map((p) => record(p.photo, { status: "error", error: p.error ?? null }, p.convertMs)));
        const readable = prepared.filter((p) => p.image);
        const t0 = Date.now();
        const outcomes = await read(readable, workDir, options.profile);
        const ocrEach = (Date.now() - t0) / Math.max(1, readable.length);
        await emit(readable.map((p, i) => record(p.photo, outcomes[i] ?? { status: "error", error: "not read" }, p.convertMs, ocrEach)));
      }),
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return all;
}

type Outcome = Partial<ResultRecord> & Pick<ResultRecord, "status">;

function failed(error: string, rawText = ""): Outcome {
  return { status: "error", error, rawText };
}

/** Auto mode, or a profile without a digit count: Tesseract reads the whole cleaned image. */
async function readWhole(prepared: Prepared[], workDir: string, profile: MeterProfile | undefined): Promise<Outcome[]> {
  const psm = locatesCounter(profile) ? 7 : 11;
  const pages = await readImages(prepared.map((p) => p.image as string), workDir, wordsReader(psm));
  return pages.map((page): Outcome => {
    const rawText = page.items.map((w) => w.text).join(" ");
    return page.error ? failed(page.error, rawText) : { ...extractReading(page.items, profile), rawText };
  });
}

/**
 * A counter with a known number of wheels: each wheel's digit is found in the band, the digits
 * go to Tesseract as one clean line (all lines of the batch in its one Tesseract run), and every
 * wheel is checked on its own.
 */
async function readByWheel(prepared: Prepared[], workDir: string, profile: MeterProfile | undefined): Promise<Outcome[]> {
  const meter = profile as MeterProfile & { digits: number };
  const found = await Promise.all(
    prepared.map(async (p): Promise<{ counter: Counter; line: Line; page: string } | { error: string }> => {
      try {
        const band = parsePgm(await readFile(p.image as string));
        const counter = findWheels(band, meter.digits, meter.inkContrast ?? PROFILE_DEFAULTS.inkContrast);
        const line = composeLine(band, counter);
        const page = (p.image as string).replace(/\.pgm$/, "-line.pgm");
        await writeFile(page, encodePgm(line.page));
        return { counter, line, page };
      } catch (err) {
        return { error: `cannot find the counter's wheels: ${(err as Error).message}` };
      }
    }),
  );
  const pages = found.flatMap((f) => ("page" in f ? [f.page] : []));
  const results = await readImages(pages, workDir, charsReader);
  let next = 0;
  return found.map((f): Outcome => {
    if ("error" in f) return failed(f.error);
    const page = results[next++] ?? { items: [] };
    const spans = [...f.line.spans, ...f.line.secondSpans];
    const all = charsByWheel(page.items, spans);
    const byWheel = all.slice(0, f.line.spans.length);
    const secondByWheel = all.slice(f.line.spans.length);
    // What was read per wheel, "_" where nothing; a wheel's second digit after a slash.
    const rawText = byWheel.map((chars, i) => (chars.map((c) => c.text).join("") || "_") + (f.line.secondSpans[i]?.[0] !== -1 ? `/${secondByWheel[i]?.map((c) => c.text).join("") || "_"}` : "")).join(" ");
    if (page.error) return failed(page.error, rawText);
    return { ...readWheels(byWheel, secondByWheel, f.counter, meter), rawText };
  });
}
