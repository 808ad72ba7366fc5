/**
 * One batch of photos through the whole pipeline, one result record per photo, appended to
 * `records.jsonl` as each shard finishes. Nothing is lost: a photo that cannot be read gets an
 * error record saying why, and the rest of the batch goes on.
 */
import { appendFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { MeterProfile } from "../../contracts/meter-profile";
import { RESULT_SCHEMA, type ResultRecord } from "../../contracts/result-record";
import { inspectPhotos } from "./inspect";
import { preparePhotos } from "./prepare";
import { extractReading } from "./reading";
import { readTifs } from "./tesseract";

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
  const mode = options.profile?.crop ? "profile" : "auto";
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
    const psm = options.profile?.crop ? 7 : 11;
    await Promise.all(
      Array.from({ length: shards }, async (_, s) => {
        const mine = good.slice(s * size, (s + 1) * size);
        const prepared = await preparePhotos(mine, options.profile, workDir, s * size);
        await emit(prepared.filter((p) => p.error).map((p) => record(p.photo, { status: "error", error: p.error ?? null }, p.convertMs)));
        const readable = prepared.filter((p) => p.tif);
        const t0 = Date.now();
        const pages = await readTifs(readable.map((p) => p.tif as string), workDir, psm);
        const ocrEach = (Date.now() - t0) / Math.max(1, readable.length);
        await emit(
          readable.map((p, i) => {
            const page = pages[i] ?? { words: [] };
            const rawText = page.words.map((w) => w.text).join(" ");
            if (page.error) return record(p.photo, { status: "error", error: page.error, rawText }, p.convertMs, ocrEach);
            return record(p.photo, { ...extractReading(page.words, options.profile), rawText }, p.convertMs, ocrEach);
          }),
        );
      }),
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return all;
}
