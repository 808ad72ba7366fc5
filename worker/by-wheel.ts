/**
 * Reading a counter with a known number of wheels, in two steps. Per shard, in a thread of its
 * own: each photo's wheels are found in its band, their digits composed into lines for
 * Tesseract, and the shapes of whole digits and of turning wheels' pieces kept (see-wheels.ts).
 * Then, for the whole batch: the digits Tesseract read with confidence teach what each digit
 * looks like on this meter, and every photo is decided wheel by wheel (wheel-reading.ts).
 */
import type { MeterProfile } from "../contracts/meter-profile";
import { DigitShapes, type Shape } from "./digit-shapes";
import { failed, type Outcome } from "./outcome";
import type { Prepared } from "./prepare";
import type { Page, WheelsSeen } from "./see-wheels";
import { matchPieces, matchWhole } from "./shape-reading";
import { charsReader, readImages, type Char } from "./tesseract";
import { levelled, type DialRead } from "./tenths-dial";
import { seeWheelsInThread } from "./wheel-threads";
import { charsByWheel, readWheels } from "./wheel-reading";

/** The first step, for one shard of photos: its wheels seen in a thread, then one Tesseract run reads its whole digits. */
export async function lookAtWheels(
  prepared: Prepared[],
  workDir: string,
  meter: MeterProfile | undefined,
): Promise<(WheelsSeen | Outcome)[]> {
  const seen = await seeWheelsInThread(
    prepared.map((p) => p.image as string),
    meter,
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
  dial?: DialRead,
): Outcome {
  const { byWheel, secondByWheel } = charsOf(seen);
  // A band cut as the profile says is levelled by its rotation; a located one, by its skew.
  const tenths = dial && levelled(dial, seen.where?.skew ?? -(meter?.rotate ?? 0));
  const shapeReads = seen.counter.wheels.map((_, i) => {
    const pieces = seen.pieceShapes[i];
    const whole = seen.wholeShapes[i];
    // Every whole digit gets a second opinion: Tesseract misreads a digit under a stripe of glare,
    // or one a few pixels high, with 95 % certainty.
    return pieces ? matchPieces(pieces, shapes) : whole ? matchWhole(whole.shape, shapes) : undefined;
  });
  // What Tesseract read per wheel, "_" where nothing (or its page was not read); a wheel's second
  // digit after a slash; what its shapes say after a tilde (for a turning wheel, the digit
  // leaving at the top); at the end, the turn the tenths dial shows, where the profile gives one.
  const hasSecond = (i: number) => (seen.pieces?.line.secondSpans[i]?.[0] ?? -1) !== -1;
  const rawText =
    byWheel
      .map(
        (chars, i) =>
          (chars.map((c) => c.text).join("") || "_") +
          (hasSecond(i) ? `/${secondByWheel[i]?.map((c) => c.text).join("") || "_"}` : "") +
          (shapeReads[i] ? `~${shapeReads[i]?.digit}` : ""),
      )
      .join(" ") + (tenths ? ` tenths ${"turn" in tenths ? tenths.turn : "?"}` : "");
  const pageError = seen.whole?.error ?? seen.pieces?.error;
  if (pageError) return failed(pageError, rawText);
  return {
    ...readWheels(byWheel, secondByWheel, seen.counter, meter ?? {}, shapeReads, play, tenths),
    rawText,
    ...(seen.where ? { counter: seen.where } : {}),
  };
}
