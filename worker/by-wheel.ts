/**
 * Reading a counter with a known number of wheels, in two steps. Per shard: each photo's wheels
 * are found in its band, their digits composed into lines for Tesseract, and the shapes of whole
 * digits and of turning wheels' pieces kept. Then, for the whole batch: the digits Tesseract read
 * with confidence teach what each digit looks like on this meter, and every photo is decided
 * wheel by wheel (wheel-reading.ts).
 */
import { readFile, writeFile } from "node:fs/promises";
import { PROFILE_DEFAULTS, tunedBand, type MeterProfile } from "../contracts/meter-profile";
import type { CounterSeen } from "../contracts/result-record";
import { DigitShapes, inkByLevels, levelsOf, type Levels, type Shape } from "./digit-shapes";
import { findCounter, searchRegion } from "./find-counter";
import { halved } from "./resample";
import { NO_ROW } from "./locate";
import { failed, unreadable, type Outcome } from "./outcome";
import { encodePgm, parsePnm, type GrayAndRed, type GrayImage } from "./pgm";
import type { Prepared } from "./prepare";
import {
  matchPieces,
  matchWhole,
  piecesOf,
  wheelCentres,
  wholeShape,
  type Pieces,
  type WholeShape,
} from "./shape-reading";
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
  /** The band the wheels were found in (for the record's picture of it). */
  band: GrayImage;
  counter: Counter;
  /** Where the counter was found in the photo (absent for a profile's pixel-exact band). */
  where?: CounterSeen;
  /** The page of whole digits, read at once. */
  whole?: Page;
  /** The page of turning wheels' pieces, read only if the batch does not know every digit's shape. */
  pieces?: Page;
  /** Per wheel: its digit's shape where it shows whole (or nearly). */
  wholeShapes: (WholeShape | undefined)[];
  /** Per wheel: its pieces where it is caught between two digits. */
  pieceShapes: (Pieces | undefined)[];
}

/** The longest side, in pixels, of what the locator searches. */
export const SEARCH_SIDE = 2000;

/**
 * The band of wheels and where they are: a profile's pixel-exact band is read as it is cut;
 * otherwise the counter is located in the region ImageMagick cut out (see locate.ts).
 */
function wheelsIn(
  pixels: GrayImage | GrayAndRed,
  meter: MeterProfile | undefined,
): { band: GrayImage; levels: Levels; counter: Counter; where?: CounterSeen } | Outcome {
  const image = "gray" in pixels ? pixels.gray : pixels;
  const contrast = meter?.inkContrast ?? PROFILE_DEFAULTS.inkContrast;
  if (tunedBand(meter) && meter?.digits !== undefined)
    return { band: image, levels: levelsOf(image), counter: findWheels(image, meter.digits, contrast) };
  const region = searchRegion(meter);
  // A phone's 12-megapixel photo searched whole costs seconds: halved until its longer side is
  // at most SEARCH_SIDE (a counter that fills a tenth of it still has digits of 20 px and more).
  let [search, red, scale] = [image, "red" in pixels ? pixels.red : undefined, 1];
  while (Math.max(search.width, search.height) > SEARCH_SIDE)
    [search, red, scale] = [halved(search), red && halved(red), scale / 2];
  const found = findCounter({ region: search, red, origin: { x: region?.x ?? 0, y: region?.y ?? 0 }, scale }, meter);
  if (!found.ok) {
    if (found.reason !== NO_ROW) return unreadable(found.reason);
    return unreadable(
      region
        ? `${NO_ROW} inside the crop: check that it holds the counter, and invert for light digits on dark wheels`
        : `${NO_ROW} in the photo: give a profile with a crop around the counter`,
    );
  }
  const { band, cells, digitTop, digitHeight, corners, skew } = found.located;
  // A located band's ink is measured as its shapes are, against each pixel's own surroundings.
  const levels = levelsOf(band);
  return {
    band,
    levels,
    counter: findWheels(band, cells.length, contrast, { cells, digitTop, digitHeight, ink: inkByLevels(band, levels) }),
    where: { corners, skew, wheels: cells.length },
  };
}

/** The first step, for one shard of photos: one Tesseract run reads its whole digits. */
export async function lookAtWheels(
  prepared: Prepared[],
  workDir: string,
  meter: MeterProfile | undefined,
): Promise<(WheelsSeen | Outcome)[]> {
  const seen = await Promise.all(
    prepared.map(async (p): Promise<WheelsSeen | Outcome> => {
      try {
        const wheels = wheelsIn(parsePnm(await readFile(p.image as string)), meter);
        if ("status" in wheels) return wheels;
        const { band, levels, counter, where } = wheels;
        const page = async (which: "whole" | "pieces"): Promise<Page | undefined> => {
          const line = composeLine(band, counter, which);
          if (!line) return undefined;
          const file = (p.image as string).replace(/\.p[gp]m$/, `-${which}.pgm`);
          await writeFile(file, encodePgm(line.page));
          return { line, file };
        };
        const centres = wheelCentres(counter);
        return {
          band,
          counter,
          where,
          whole: await page("whole"),
          pieces: await page("pieces"),
          wholeShapes: counter.wheels.map((w) =>
            betweenDigits(w, counter) ? undefined : wholeShape(band, levels, counter, w),
          ),
          pieceShapes: counter.wheels.map((w, i) =>
            w.glyph && betweenDigits(w, counter) ? piecesOf(band, levels, counter, w, centres[i] as number) : undefined,
          ),
        };
      } catch (err) {
        return failed(`cannot find the counter's wheels: ${(err as Error).message}`);
      }
    }),
  );
  await readPages(
    seen.flatMap((s) => (!("status" in s) && s.whole ? [s.whole] : [])),
    workDir,
  );
  return seen;
}

/** Tesseract reads the turning wheels' pages of the whole batch, `shards` processes at once. */
export async function readPieces(seen: WheelsSeen[], workDir: string, shards: number): Promise<void> {
  const pages = seen.flatMap((s) => (s.pieces ? [s.pieces] : []));
  const size = Math.ceil(pages.length / Math.max(1, shards));
  await Promise.all(
    Array.from({ length: Math.max(1, shards) }, (_, i) => readPages(pages.slice(i * size, (i + 1) * size), workDir)),
  );
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
  const examples: { digit: number; shape: Shape }[] = [];
  for (const seen of photos) {
    const { byWheel } = charsOf(seen);
    seen.wholeShapes.forEach((whole, i) => {
      const read = byWheel[i] ?? [];
      if (whole?.square && read.length === 1 && (read[0] as Char).conf >= TEACHING_CONFIDENCE)
        examples.push({ digit: Number((read[0] as Char).text), shape: whole.shape });
    });
  }
  return DigitShapes.learnt(examples);
}

/** The second step, per photo, with the shapes the batch knows. */
export function decideWheels(
  seen: WheelsSeen,
  meter: MeterProfile | undefined,
  shapes: DigitShapes,
  play?: number,
): Outcome {
  const { byWheel, secondByWheel } = charsOf(seen);
  const shapeReads = seen.counter.wheels.map((_, i) => {
    const pieces = seen.pieceShapes[i];
    const whole = seen.wholeShapes[i];
    // Every whole digit gets a second opinion: Tesseract misreads a digit under a stripe of glare,
    // or one a few pixels high, with 95 % certainty.
    return pieces ? matchPieces(pieces, shapes) : whole ? matchWhole(whole.shape, shapes) : undefined;
  });
  // What Tesseract read per wheel, "_" where nothing (or its page was not read); a wheel's second
  // digit after a slash; what its shapes say after a tilde (for a turning wheel, the digit
  // leaving at the top).
  const hasSecond = (i: number) => (seen.pieces?.line.secondSpans[i]?.[0] ?? -1) !== -1;
  const rawText = byWheel
    .map(
      (chars, i) =>
        (chars.map((c) => c.text).join("") || "_") +
        (hasSecond(i) ? `/${secondByWheel[i]?.map((c) => c.text).join("") || "_"}` : "") +
        (shapeReads[i] ? `~${shapeReads[i]?.digit}` : ""),
    )
    .join(" ");
  const pageError = seen.whole?.error ?? seen.pieces?.error;
  if (pageError) return failed(pageError, rawText);
  return {
    ...readWheels(byWheel, secondByWheel, seen.counter, meter ?? {}, shapeReads, play),
    rawText,
    ...(seen.where ? { counter: seen.where } : {}),
  };
}
