/**
 * One batch of photos through the whole pipeline, one result record per photo, appended to
 * `records.jsonl`: photos that cannot be read as soon as that is known, the rest once every shard
 * has read its photos (a wheel caught between two digits is read by the shapes of the digits the
 * whole batch showed whole). Nothing is lost: a photo that cannot be read gets an error record
 * saying why, and the rest of the batch goes on.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { locatesCounter, PROFILE_DEFAULTS, type MeterProfile } from "../../contracts/meter-profile";
import { RESULT_SCHEMA, type ResultRecord } from "../../contracts/result-record";
import { DigitShapes, levelsOf } from "./digit-shapes";
import { inspectPhotos } from "./inspect";
import { encodePgm, parsePgm } from "./pgm";
import { preparePhotos, type Prepared } from "./prepare";
import { extractReading } from "./reading";
import { charsReader, readImages, wordsReader, type Char } from "./tesseract";
import { matchPieces, matchWhole, piecesOf, wheelCentres, wholeShape, type Pieces, type WholeShape } from "./shape-reading";
import { typefaceShapes } from "./typeface-shapes";
import { charsByWheel, readWheels } from "./wheel-reading";
import { composeLine, findWheels, betweenDigits, type Counter, type Line } from "./wheels";

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
    const byWheel = locatesCounter(options.profile) && options.profile?.digits !== undefined;
    // A typeface ImageMagick cannot draw is a bad profile: it stops the batch before any record.
    const drawn = byWheel && options.profile?.typeface ? await typefaceShapes(options.profile.typeface, workDir) : undefined;
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
    const looked = await Promise.all(
      Array.from({ length: shards }, async (_, s) => {
        const mine = good.slice(s * size, (s + 1) * size);
        const prepared = await preparePhotos(mine, options.profile, workDir, s * size);
        await emit(prepared.filter((p) => p.error).map((p) => record(p.photo, { status: "error", error: p.error ?? null }, p.convertMs)));
        const readable = prepared.filter((p) => p.image);
        const t0 = Date.now();
        const seen = byWheel ? await lookAtWheels(readable, workDir, options.profile as MeterProfile & { digits: number }) : await readWhole(readable, workDir, options.profile);
        const ocrMs = (Date.now() - t0) / Math.max(1, readable.length);
        return readable.map((p, i) => ({ prepared: p, seen: seen[i], ocrMs }));
      }),
    );
    const photos = looked.flat();
    // A wheel caught between two digits is read by the shapes of digits the whole batch showed.
    const learnt = byWheel ? learnShapes(photos.map((p) => p.seen).filter((s): s is WheelsSeen => s !== undefined && "counter" in s)) : undefined;
    // Drawn shapes are sharper than any photo's: beside learnt ones they would lose every
    // comparison, so they stand in for all ten digits or none.
    const shapes = learnt && learnt.missing().length > 0 && drawn ? DigitShapes.of(drawn) : learnt;
    await emit(
      photos.map(({ prepared: p, seen, ocrMs }) => {
        const outcome: Outcome = !seen ? failed("not read") : "status" in seen ? seen : decideWheels(seen, options.profile as MeterProfile, shapes as DigitShapes);
        return record(p.photo, outcome, p.convertMs, ocrMs);
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

/** What a photo's wheels showed: where they are, what Tesseract read on them, and their shapes. */
interface WheelsSeen {
  counter: Counter;
  /** The whole digits' line and the turning wheels' pieces' line, with what Tesseract read on each. */
  lines: { line: Line; chars: Char[]; error?: string }[];
  /** Per wheel: its digit's shape where it shows whole (or nearly). */
  whole: (WholeShape | undefined)[];
  /** Per wheel: its pieces where it is caught between two digits. */
  pieces: (Pieces | undefined)[];
}

/**
 * A counter with a known number of wheels: each wheel's digit is found in the band, the digits
 * go to Tesseract as one clean line (all lines of the shard in its one Tesseract run), and the
 * shapes of whole and turning wheels are kept for the decision, which waits for the whole batch.
 */
async function lookAtWheels(prepared: Prepared[], workDir: string, meter: MeterProfile & { digits: number }): Promise<(WheelsSeen | Outcome)[]> {
  const found = await Promise.all(
    prepared.map(async (p): Promise<(Omit<WheelsSeen, "lines"> & { lines: { line: Line; page: string }[] }) | Outcome> => {
      try {
        const band = parsePgm(await readFile(p.image as string));
        const counter = findWheels(band, meter.digits, meter.inkContrast ?? PROFILE_DEFAULTS.inkContrast);
        const lines: { line: Line; page: string }[] = [];
        for (const which of ["whole", "pieces"] as const) {
          const line = composeLine(band, counter, which);
          if (!line) continue;
          const page = (p.image as string).replace(/\.pgm$/, `-${which}.pgm`);
          await writeFile(page, encodePgm(line.page));
          lines.push({ line, page });
        }
        const levels = levelsOf(band);
        const centres = wheelCentres(counter);
        const whole = counter.wheels.map((w) => (betweenDigits(w, counter) ? undefined : wholeShape(band, levels, counter, w)));
        const pieces = counter.wheels.map((w, i) => (w.glyph && betweenDigits(w, counter) ? piecesOf(band, levels, counter, w, centres[i] as number) : undefined));
        return { counter, lines, whole, pieces };
      } catch (err) {
        return failed(`cannot find the counter's wheels: ${(err as Error).message}`);
      }
    }),
  );
  const pages = found.flatMap((f) => ("lines" in f ? f.lines.map((l) => l.page) : []));
  const results = await readImages(pages, workDir, charsReader);
  let next = 0;
  return found.map((f) => {
    if (!("lines" in f)) return f;
    const lines = f.lines.map(({ line }) => {
      const read = results[next++] ?? { items: [] };
      return { line, chars: read.items, error: read.error };
    });
    return { ...f, lines };
  });
}

/** Tesseract's reading of each wheel's main digit and second digit (each wheel is on one line). */
function charsOf(seen: WheelsSeen): { byWheel: Char[][]; secondByWheel: Char[][] } {
  const n = seen.counter.wheels.length;
  const byWheel = Array.from({ length: n }, (): Char[] => []);
  const secondByWheel = Array.from({ length: n }, (): Char[] => []);
  for (const { line, chars } of seen.lines) {
    const all = charsByWheel(chars, [...line.spans, ...line.secondSpans]);
    all.forEach((read, slot) => (slot < n ? byWheel[slot] : secondByWheel[slot - n])?.push(...read));
  }
  return { byWheel, secondByWheel };
}

/** Tesseract confidence (0..100) a square digit needs to teach the batch its shape, and above which no second opinion is sought. */
const TEACHING_CONFIDENCE = 90;

function learnShapes(photos: WheelsSeen[]): DigitShapes {
  const shapes = new DigitShapes();
  for (const seen of photos) {
    const { byWheel } = charsOf(seen);
    seen.whole.forEach((whole, i) => {
      const read = byWheel[i] ?? [];
      if (whole?.square && read.length === 1 && (read[0] as Char).conf >= TEACHING_CONFIDENCE) shapes.add(Number((read[0] as Char).text), whole.shape);
    });
  }
  return shapes;
}

function decideWheels(seen: WheelsSeen, meter: MeterProfile, shapes: DigitShapes): Outcome {
  const { byWheel, secondByWheel } = charsOf(seen);
  const shapeReads = seen.counter.wheels.map((_, i) => {
    const pieces = seen.pieces[i];
    const whole = seen.whole[i];
    const read = byWheel[i] ?? [];
    // A second opinion only where Tesseract is unsure: matching costs a few milliseconds a wheel.
    const sure = read.length === 1 && (read[0] as Char).conf >= TEACHING_CONFIDENCE;
    return pieces ? matchPieces(pieces, shapes) : whole && !sure ? matchWhole(whole.shape, shapes) : undefined;
  });
  // What Tesseract read per wheel, "_" where nothing; a wheel's second digit after a slash; what
  // its shapes say after a tilde (for a turning wheel, the digit leaving at the top).
  const hasSecond = (i: number) => seen.lines.some(({ line }) => line.secondSpans[i]?.[0] !== -1);
  const rawText = byWheel
    .map((chars, i) => (chars.map((c) => c.text).join("") || "_") + (hasSecond(i) ? `/${secondByWheel[i]?.map((c) => c.text).join("") || "_"}` : "") + (shapeReads[i] ? `~${shapeReads[i]?.digit}` : ""))
    .join(" ");
  const pageError = seen.lines.find((l) => l.error)?.error;
  if (pageError) return failed(pageError, rawText);
  return { ...readWheels(byWheel, secondByWheel, seen.counter, meter, shapeReads), rawText };
}
