/**
 * Wheels read by the shapes of the digits the batch showed whole (see digit-shapes.ts).
 *
 * A wheel caught between two digits shows the bottom of digit d leaving at the top of the window
 * and the top of d+1 coming in below (either may be hidden); of the ten pairs, the one whose
 * shapes match both pieces best is the wheel's, and it reads d (the lower digit). Tesseract is no
 * judge of such pieces: it reads the foot of a 3 as a 5, or the foot of a 7 above the head of an 8
 * as 1 above 2, with 95 % certainty.
 *
 * A whole digit's shape is a second opinion beside Tesseract's, for the digit that glare or blur
 * leaves Tesseract unsure of.
 */
import { mismatch, sampleShape, type DigitShapes, type Levels, type Shape } from "./digit-shapes";
import type { GrayImage } from "./pgm";
import { heightOf, isWhole, type Counter, type Glyph, type Wheel } from "./wheels";

/** The visible pieces of a turning wheel, each placed where its whole digit would be. */
export interface Pieces {
  /** The bottom of the digit leaving at the top. */
  upper?: Shape;
  /** The top of the digit coming in from below. */
  lower?: Shape;
}

/**
 * Where each wheel's digits are centred: a straight line through the centres of the whole digits
 * (the wheels are evenly spaced), which the cells' edges only approximate.
 */
export function wheelCentres(counter: Counter): number[] {
  const points = counter.wheels.flatMap((w, i) =>
    w.glyph && isWhole(w.glyph, counter) && Math.abs(w.offset) < 0.1
      ? [[i, (w.glyph.left + w.glyph.right) / 2] as const]
      : [],
  );
  const cellCentre = (w: Wheel) => (w.x0 + w.x1) / 2;
  if (points.length < 2) return counter.wheels.map(cellCentre);
  const n = points.length;
  const mi = points.reduce((s, [i]) => s + i, 0) / n;
  const mx = points.reduce((s, [, x]) => s + x, 0) / n;
  const slope =
    points.reduce((s, [i, x]) => s + (i - mi) * (x - mx), 0) / points.reduce((s, [i]) => s + (i - mi) ** 2, 0);
  return counter.wheels.map((_, i) => mx + slope * (i - mi));
}

/** A whole digit's shape: where it is square, it teaches the batch what the digit looks like. */
export interface WholeShape {
  shape: Shape;
  square: boolean;
}

/** The shape of a wheel's digit shown whole or nearly (see `betweenDigits` for the rest). */
export function wholeShape(band: GrayImage, levels: Levels, counter: Counter, wheel: Wheel): WholeShape | undefined {
  const g = wheel.glyph;
  if (!g || heightOf(g) < 0.9 * counter.digitHeight) return undefined;
  const h = counter.drawnHeight ?? counter.digitHeight;
  // A digit leaving at the top may have lost its head: it is placed by its foot.
  const top = wheel.offset < -0.05 ? g.bottom - h + 1 : g.top;
  return {
    shape: sampleShape(band, levels, (g.left + g.right) / 2, top, h, g.top, g.bottom),
    square: Math.abs(wheel.offset) <= 0.05,
  };
}

export function piecesOf(band: GrayImage, levels: Levels, counter: Counter, wheel: Wheel, centre: number): Pieces {
  const h = counter.drawnHeight ?? counter.digitHeight;
  const glyphs = [wheel.glyph, wheel.second].filter((g): g is Glyph => Boolean(g)).sort((a, b) => a.top - b.top);
  let upper: Glyph | undefined;
  let lower: Glyph | undefined;
  if (glyphs.length === 2) [upper, lower] = glyphs;
  else if (wheel.offset < 0) upper = glyphs[0];
  else lower = glyphs[0];
  // Whole digits are sampled about their own middle (see wholeShape); so is a piece showing most
  // of its digit, whose width is its digit's. A smaller piece (the foot of a 7 is narrower than
  // the 7) is placed where the wheels' line says.
  const middle = (g: Glyph) => (heightOf(g) >= 0.6 * h ? (g.left + g.right) / 2 : centre);
  return {
    // A leaving digit is known by where its foot is, an incoming one by where its head is.
    upper: upper && sampleShape(band, levels, middle(upper), upper.bottom - h + 1, h, upper.top, upper.bottom),
    lower: lower && sampleShape(band, levels, middle(lower), lower.top, h, lower.top, lower.bottom),
  };
}

export interface ShapeRead {
  /** A whole digit: the digit; a wheel caught between two: the one leaving at the top (the lower of the two). */
  digit: number;
  /** 1 − (best pair's mismatch ÷ the runner-up's): how clearly one pair wins. */
  confidence: number;
  /** Read among the digits the batch has shown only (see matchWhole). */
  partial?: boolean;
  /** A whole digit: the digits whose shapes the batch cannot tell from this one's (see DigitShapes.confusableWith). */
  confusable?: number[];
}

/**
 * The digit whose shape matches a whole digit best. Where the batch has not shown every digit,
 * the best of those it has shown, marked `partial`: it can only contradict another reader (a
 * digit it has never seen could match better still).
 */
export function matchWhole(shape: Shape, shapes: DigitShapes): ShapeRead | undefined {
  const scores = Array.from({ length: 10 }, (_, d) => {
    const known = shapes.shape(d);
    if (!known) return undefined;
    const m = mismatch(shape, known);
    return m.sum / Math.max(1, m.n);
  });
  const best = bestKnown(scores);
  const confusable = best && shapes.confusableWith(best.digit);
  return best && confusable?.length ? { ...best, confusable } : best;
}

/**
 * The best pair of digits for the pieces. Where the batch has not shown every digit, the best of
 * the pairs whose shapes it knows, marked `partial`: a pair it cannot score could match better
 * still, so such a read only confirms what Tesseract read of a piece (see wheel-reading.ts).
 */
export function matchPieces(pieces: Pieces, shapes: DigitShapes): ShapeRead | undefined {
  const scores: (number | undefined)[] = [];
  for (let d = 0; d < 10; d++) {
    const above = shapes.shape(d);
    const below = shapes.shape((d + 1) % 10);
    if ((pieces.upper && !above) || (pieces.lower && !below)) {
      scores.push(undefined);
      continue;
    }
    const u = pieces.upper && above ? mismatch(pieces.upper, above) : { sum: 0, n: 0 };
    const l = pieces.lower && below ? mismatch(pieces.lower, below) : { sum: 0, n: 0 };
    // A sliver of a few rows says little; pieces weigh by how much of them shows.
    scores.push((u.sum + l.sum) / Math.max(1, u.n + l.n));
  }
  return bestKnown(scores);
}

/** The best of all ten, or, where some are unknown, the best of the known ones marked `partial`. */
function bestKnown(scores: (number | undefined)[]): ShapeRead | undefined {
  const known = scores.filter((s) => s !== undefined).length;
  if (known === 10) return bestOf(scores);
  if (known < 2) return undefined;
  const best = bestOf(scores.map((s) => s ?? Infinity));
  return best && { ...best, partial: true };
}

/** The digit of the lowest mismatch, and by how much it beats the runner-up; undefined if any is unknown. */
function bestOf(scores: (number | undefined)[]): ShapeRead | undefined {
  if (scores.some((s) => s === undefined)) return undefined;
  const order = (scores as number[]).map((s, d) => ({ s, d })).sort((a, b) => a.s - b.s);
  const [best, runnerUp] = order as [{ s: number; d: number }, { s: number; d: number }];
  const confidence = runnerUp.s > 0 ? 1 - best.s / runnerUp.s : 0;
  return { digit: best.d, confidence: Math.round(confidence * 1000) / 1000 };
}
