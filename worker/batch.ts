/**
 * One batch of photos through the whole pipeline, one result record per photo, appended to
 * `records.jsonl`: photos that cannot be read as soon as that is known, the rest once every shard
 * has read its photos (a wheel caught between two digits is read by the shapes of the digits the
 * whole batch showed whole). Nothing is lost: a photo that cannot be read gets an error record
 * saying why, and the rest of the batch goes on.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { locatesCounter, tunedBand, type MeterProfile } from "../contracts/meter-profile";
import { RECORDS_FILE } from "../contracts/node-setup";
import { RESULT_SCHEMA, type ResultRecord } from "../contracts/result-record";
import { bandPicture } from "./band-picture";
import { decideWheels, learnShapes, lookAtWheels, readPieces } from "./by-wheel";
import { DigitShapes } from "./digit-shapes";
import { inspectPhotos } from "./inspect";
import { failed, type Outcome } from "./outcome";
import { parsePgm } from "./pgm";
import { preparePhotos, type Prepared } from "./prepare";
import { windowOffPhoto } from "./profile-window";
import { extractReading } from "./reading";
import type { WheelsSeen } from "./see-wheels";
import { readImages, wordsReader } from "./tesseract";
import { readTenthsDial, type DialRead } from "./tenths-dial";
import { typefaceShapes } from "./typeface-shapes";
import { wheelPlay } from "./wheel-reading";

export interface BatchOptions {
  photos: string[];
  profile?: MeterProfile;
  outDir: string;
  /** Tesseract processes at once; one per task slot. */
  concurrency?: number;
  /** How a photo is named in its record (relative to the input directory by default). */
  nameOf?: (photo: string) => string;
}

export async function runBatch(options: BatchOptions): Promise<ResultRecord[]> {
  const started = Date.now();
  const nameOf = options.nameOf ?? ((p: string) => path.basename(p));
  const mode = locatesCounter(options.profile) ? "profile" : "auto";
  await mkdir(options.outDir, { recursive: true });
  const recordsPath = path.join(options.outDir, RECORDS_FILE);
  // On a node, inside the task's working directory, which Batch removes with the task's files:
  // a worker killed mid-batch (a SIGKILL runs no cleanup) left its folder in the node's /tmp.
  const workDir = await mkdtemp(path.join(process.env.AZ_BATCH_TASK_WORKING_DIR ?? tmpdir(), "ocr-worker-"));
  const all: ResultRecord[] = [];

  const emit = async (records: ResultRecord[]) => {
    if (records.length === 0) return;
    all.push(...records);
    await appendFile(recordsPath, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  };
  const takenAt = new Map<string, string>(); // EXIF DateTimeOriginal by photo, from the inspection
  const record = (
    photo: string,
    fields: Partial<ResultRecord> & Pick<ResultRecord, "status">,
    convertMs = 0,
    ocrMs = 0,
  ): ResultRecord => ({
    schema: RESULT_SCHEMA,
    photo: nameOf(photo),
    reading: null,
    confidence: null,
    rawText: "",
    error: null,
    mode,
    ...(takenAt.has(photo) ? { takenAt: takenAt.get(photo) } : {}),
    ...fields,
    timings: { convertMs: Math.round(convertMs), ocrMs: Math.round(ocrMs), totalMs: Date.now() - started },
  });

  try {
    // Only a pixel-exact band without a digit count is read as a line of text; everything else
    // wheel by wheel, where the counter was located.
    const byWheel = !(tunedBand(options.profile) && options.profile?.digits === undefined);
    // Drawn while the photos are inspected. A typeface ImageMagick cannot draw is a bad profile:
    // it stops the batch before any record.
    const drawing =
      byWheel && options.profile?.typeface
        ? typefaceShapes(options.profile.typeface, workDir)
        : Promise.resolve(undefined);
    const [drawn, inspected] = await Promise.all([drawing, inspectPhotos(options.photos)]);
    for (const [photo, info] of inspected) if (info.takenAt) takenAt.set(photo, info.takenAt);
    const good: string[] = [];
    const bad: ResultRecord[] = [];
    for (const photo of options.photos) {
      const info = inspected.get(photo);
      const offPhoto = info?.ok ? windowOffPhoto(options.profile, info.width, info.height) : undefined;
      if (info?.ok && !offPhoto) good.push(photo);
      else
        bad.push(
          record(photo, { status: "error", error: offPhoto ?? (info && !info.ok ? info.error : "not inspected") }),
        );
    }
    await emit(bad);

    const shards = Math.max(1, Math.min(options.concurrency ?? 1, good.length));
    const size = Math.ceil(good.length / shards);
    const looked = await Promise.all(
      Array.from({ length: shards }, async (_, s) => {
        const mine = good.slice(s * size, (s + 1) * size);
        const prepared = await preparePhotos(mine, options.profile, workDir, s * size);
        await emit(
          prepared
            .filter((p) => p.error)
            .map((p) => record(p.photo, { status: "error", error: p.error ?? null }, p.convertMs)),
        );
        const readable = prepared.filter((p) => p.image);
        const t0 = Date.now();
        const seen = byWheel
          ? await lookAtWheels(readable, workDir, options.profile)
          : await readWhole(readable, workDir, options.profile);
        const dial = options.profile?.tenthsDial;
        const dials = await Promise.all(
          readable.map((p): Promise<DialRead | undefined> =>
            dial && p.dial ? readTenthsDial(p.dial, dial) : Promise.resolve(undefined),
          ),
        );
        const ocrMs = (Date.now() - t0) / Math.max(1, readable.length);
        return readable.map((p, i) => ({ prepared: p, seen: seen[i], dial: dials[i], ocrMs }));
      }),
    );
    const photos = looked.flat();
    // A wheel caught between two digits is read by the shapes of digits the whole batch showed.
    const wheelsSeen = photos.map((p) => p.seen).filter((s): s is WheelsSeen => s !== undefined && !("status" in s));
    const learnt = learnShapes(wheelsSeen);
    // Drawn shapes are sharper than any photo's: beside learnt ones they would lose every
    // comparison, so they stand in for all ten digits or none.
    const shapes = learnt.missing().length > 0 && drawn ? DigitShapes.of(drawn) : learnt;
    // Without every digit's shape, turning wheels rest on what Tesseract reads of their pieces.
    if (shapes.missing().length > 0) await readPieces(wheelsSeen, workDir, shards);
    const play = wheelPlay(wheelsSeen.map((s) => s.counter));
    await emit(
      photos.map(({ prepared: p, seen, dial, ocrMs }) => {
        const outcome: Outcome = !seen
          ? failed("not read")
          : "status" in seen
            ? seen
            : {
                ...decideWheels(seen, options.profile, shapes, play, dial),
                bandImage: bandPicture(
                  seen.band,
                  seen.counter.wheels.map((w) => [w.x0, w.x1]),
                ),
              };
        return record(p.photo, outcome, p.convertMs, ocrMs);
      }),
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return all;
}

/** Auto mode, or a profile without a digit count: Tesseract reads the whole cleaned image. */
async function readWhole(prepared: Prepared[], workDir: string, profile: MeterProfile | undefined): Promise<Outcome[]> {
  const psm = locatesCounter(profile) ? 7 : 11;
  const pages = await readImages(
    prepared.map((p) => p.image as string),
    workDir,
    wordsReader(psm),
  );
  return Promise.all(
    pages.map(async (page, i): Promise<Outcome> => {
      const rawText = page.items.map((w) => w.text).join(" ");
      if (page.error) return failed(page.error, rawText);
      // The cleaned image is the band read here; Tesseract placed no cells on it.
      const band = parsePgm(await readFile(prepared[i]?.image as string));
      return { ...extractReading(page.items, profile), rawText, bandImage: bandPicture(band, []) };
    }),
  );
}
