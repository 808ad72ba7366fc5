/**
 * The first step of reading a counter, for one photo: its wheels found in the band, their digits
 * composed into pages for Tesseract (written beside the prepared image), and the shapes of whole
 * digits and of turning wheels' pieces kept. Pure work on pixels, the JavaScript that costs most
 * of a photo's time: wheel-threads.ts runs it off the main thread.
 */
import { readFile, writeFile } from "node:fs/promises";
import { PROFILE_DEFAULTS, tunedBand, type MeterProfile } from "../contracts/meter-profile";
import type { CounterSeen } from "../contracts/result-record";
import { inkByLevels, levelsOf, type Levels } from "./digit-shapes";
import { findCounter, searchRegion } from "./find-counter";
import { withoutGlareStripes } from "./glare-stripes";
import { NO_ROW } from "./locate";
import { failed, unreadable, type Outcome } from "./outcome";
import { encodePgm, parsePnm, type GrayAndRed, type GrayImage } from "./pgm";
import { halved } from "./resample";
import { piecesOf, wheelCentres, wholeShape, type Pieces, type WholeShape } from "./shape-reading";
import type { Char } from "./tesseract";
import { betweenDigits, composeLine, findWheels, type Counter, type Line } from "./wheels";

/** A page of digits for Tesseract, and what it read there (`chars` undefined: not read yet). */
export interface Page {
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
  const { cells, digitTop, digitHeight, corners, skew } = found.located;
  const drawn = found.located.band;
  // Glare stripes narrower than the background's closing would join the digits' ink.
  const drawnLevels = levelsOf(drawn);
  const stripes = withoutGlareStripes(drawn, drawnLevels, digitTop, digitHeight);
  const band = stripes.band;
  // A located band's ink is measured as its shapes are, against each pixel's own surroundings.
  const levels = stripes.lines ? levelsOf(band) : drawnLevels;
  return {
    band,
    levels,
    counter: findWheels(band, cells.length, contrast, { cells, digitTop, digitHeight, ink: inkByLevels(band, levels) }),
    where: { corners, skew, wheels: cells.length },
  };
}

/** One prepared image's wheels, pages and shapes; a failure is the photo's outcome, not thrown. */
export async function seeWheels(image: string, meter: MeterProfile | undefined): Promise<WheelsSeen | Outcome> {
  try {
    const wheels = wheelsIn(parsePnm(await readFile(image)), meter);
    if ("status" in wheels) return wheels;
    const { band, levels, counter, where } = wheels;
    const page = async (which: "whole" | "pieces"): Promise<Page | undefined> => {
      const line = composeLine(band, counter, which);
      if (!line) return undefined;
      const file = image.replace(/\.p[gp]m$/, `-${which}.pgm`);
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
}
