/**
 * Reading a counter with a known number of wheels, in two steps. Per shard: each photo's wheels
 * are found in its band, their digits composed into lines for Tesseract, and the shapes of whole
 * digits and of turning wheels' pieces kept. Then, for the whole batch: the digits Tesseract read
 * with confidence teach what each digit looks like on this meter, and every photo is decided
 * wheel by wheel (wheel-reading.ts).
 */
import { readFile, writeFile } from "node:fs/promises";
import { PROFILE_DEFAULTS, type MeterProfile } from "../../contracts/meter-profile";
import { DigitShapes, levelsOf } from "./digit-shapes";
import { failed, type Outcome } from "./outcome";
import { encodePgm, parsePgm } from "./pgm";
import type { Prepared } from "./prepare";
import { matchPieces, matchWhole, piecesOf, wheelCentres, wholeShape, type Pieces, type WholeShape } from "./shape-reading";
import { charsReader, readImages, type Char } from "./tesseract";
import { charsByWheel, readWheels } from "./wheel-reading";
import { betweenDigits, composeLine, findWheels, type Counter, type Line } from "./wheels";

/** A page of digits for Tesseract, and what it read there (`chars` undefined: not read yet). */
interface Page {
  line: Line;
  file: string;
  chars?: Char[];
  error?: string;
}

/** What a photo's wheels showed: where they are, what Tesseract read on them, and their shapes. */
export interface WheelsSeen {
  counter: Counter;
  /** The page of whole digits, read at once. */
  whole?: Page;
  /** The page of turning wheels' pieces, read only if the batch does not know every digit's shape. */
  pieces?: Page;
  /** Per wheel: its digit's shape where it shows whole (or nearly). */
  wholeShapes: (WholeShape | undefined)[];
  /** Per wheel: its pieces where it is caught between two digits. */
  pieceShapes: (Pieces | undefined)[];
}

/** The first step, for one shard of photos: one Tesseract run reads its whole digits. */
export async function lookAtWheels(prepared: Prepared[], workDir: string, meter: MeterProfile & { digits: number }): Promise<(WheelsSeen | Outcome)[]> {
  const seen = await Promise.all(
    prepared.map(async (p): Promise<WheelsSeen | Outcome> => {
      try {
        const band = parsePgm(await readFile(p.image as string));
        const counter = findWheels(band, meter.digits, meter.inkContrast ?? PROFILE_DEFAULTS.inkContrast);
        const page = async (which: "whole" | "pieces"): Promise<Page | undefined> => {
          const line = composeLine(band, counter, which);
          if (!line) return undefined;
          const file = (p.image as string).replace(/\.pgm$/, `-${which}.pgm`);
          await writeFile(file, encodePgm(line.page));
          return { line, file };
        };
        const levels = levelsOf(band);
        const centres = wheelCentres(counter);
        return {
          counter,
          whole: await page("whole"),
          pieces: await page("pieces"),
          wholeShapes: counter.wheels.map((w) => (betweenDigits(w, counter) ? undefined : wholeShape(band, levels, counter, w))),
          pieceShapes: counter.wheels.map((w, i) => (w.glyph && betweenDigits(w, counter) ? piecesOf(band, levels, counter, w, centres[i] as number) : undefined)),
        };
      } catch (err) {
        return failed(`cannot find the counter's wheels: ${(err as Error).message}`);
      }
    }),
  );
  await readPages(seen.flatMap((s) => ("counter" in s && s.whole ? [s.whole] : [])), workDir);
  return seen;
}

/** Tesseract reads the turning wheels' pages of the whole batch, `shards` processes at once. */
export async function readPieces(seen: WheelsSeen[], workDir: string, shards: number): Promise<void> {
  const pages = seen.flatMap((s) => (s.pieces ? [s.pieces] : []));
  const size = Math.ceil(pages.length / Math.max(1, shards));
  await Promise.all(Array.from({ length: Math.max(1, shards) }, (_, i) => readPages(pages.slice(i * size, (i + 1) * size), workDir)));
}

async function readPages(pages: Page[], workDir: string): Promise<void> {
  const results = await readImages(
    pages.map((p) => p.file),
    workDir,
    charsReader,
  );
  pages.forEach((page, i) => {
    page.chars = results[i]?.items ?? [];
    page.error = results[i]?.error;
  });
}

/** Tesseract's reading of each wheel's main digit and second digit (each wheel is counted on one page). */
function charsOf(seen: WheelsSeen): { byWheel: Char[][]; secondByWheel: Char[][] } {
  const n = seen.counter.wheels.length;
  const byWheel = Array.from({ length: n }, (): Char[] => []);
  const secondByWheel = Array.from({ length: n }, (): Char[] => []);
  for (const page of [seen.whole, seen.pieces]) {
    if (!page?.chars) continue;
    const all = charsByWheel(page.chars, [...page.line.spans, ...page.line.secondSpans]);
    all.forEach((read, slot) => (slot < n ? byWheel[slot] : secondByWheel[slot - n])?.push(...read));
  }
  return { byWheel, secondByWheel };
}

/** Tesseract confidence (0..100) a square digit needs to teach the batch its shape, and above which no second opinion is sought. */
const TEACHING_CONFIDENCE = 90;

export function learnShapes(photos: WheelsSeen[]): DigitShapes {
  const shapes = new DigitShapes();
  for (const seen of photos) {
    const { byWheel } = charsOf(seen);
    seen.wholeShapes.forEach((whole, i) => {
      const read = byWheel[i] ?? [];
      if (whole?.square && read.length === 1 && (read[0] as Char).conf >= TEACHING_CONFIDENCE) shapes.add(Number((read[0] as Char).text), whole.shape);
    });
  }
  return shapes;
}

/** The second step, per photo, with the shapes the batch knows. */
export function decideWheels(seen: WheelsSeen, meter: MeterProfile, shapes: DigitShapes): Outcome {
  const { byWheel, secondByWheel } = charsOf(seen);
  const shapeReads = seen.counter.wheels.map((_, i) => {
    const pieces = seen.pieceShapes[i];
    const whole = seen.wholeShapes[i];
    const read = byWheel[i] ?? [];
    // A second opinion only where Tesseract is unsure: matching costs a few milliseconds a wheel.
    const sure = read.length === 1 && (read[0] as Char).conf >= TEACHING_CONFIDENCE;
    return pieces ? matchPieces(pieces, shapes) : whole && !sure ? matchWhole(whole.shape, shapes) : undefined;
  });
  // What Tesseract read per wheel, "_" where nothing (or its page was not read); a wheel's second
  // digit after a slash; what its shapes say after a tilde (for a turning wheel, the digit
  // leaving at the top).
  const hasSecond = (i: number) => (seen.pieces?.line.secondSpans[i]?.[0] ?? -1) !== -1;
  const rawText = byWheel
    .map((chars, i) => (chars.map((c) => c.text).join("") || "_") + (hasSecond(i) ? `/${secondByWheel[i]?.map((c) => c.text).join("") || "_"}` : "") + (shapeReads[i] ? `~${shapeReads[i]?.digit}` : ""))
    .join(" ");
  const pageError = seen.whole?.error ?? seen.pieces?.error;
  if (pageError) return failed(pageError, rawText);
  return { ...readWheels(byWheel, secondByWheel, seen.counter, meter, shapeReads), rawText };
}
