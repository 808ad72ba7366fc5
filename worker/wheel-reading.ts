/**
 * A reading from the wheels of a counter: each wheel's digit as Tesseract read it on its own, corrected for a wheel caught between two digits (the lower one counts), with
 * Tesseract's per-character confidence. Anything doubtful makes the photo `unreadable` with the
 * reason, never a number nobody should trust.
 */
import { PROFILE_DEFAULTS, type MeterProfile } from "../contracts/meter-profile";
import type { Reading } from "./reading";
import type { Char, Word } from "./tesseract";
import type { ShapeRead } from "./shape-reading";
import type { DialRead } from "./tenths-dial";
import { betweenDigits, needsPair, type Counter, type Glyph, type Line, type Wheel } from "./wheels";

/**
 * Offsets this close (in digit heights) to the profile's turn threshold are too close to call:
 * the wheel is almost exactly where its digit starts to count.
 */
export const TURN_MARGIN = 0.015;
/**
 * Where the profile does not say where this meter's digits start to count, the default is a
 * guess about its mechanics, so offsets this close to it are refused: a digit a tenth of its
 * height low may be arriving or still turning, and a reading is never a guess.
 */
export const UNTUNED_TURN_MARGIN = 0.045;
/** Fewest wheels at rest a batch must show before their play is trusted (see wheelPlay). */
const MIN_PLAY_SAMPLES = 12;

/**
 * How far (in digit heights) wheels at rest sit off their row in this batch: the 90th percentile
 * over every wheel but the last (which turns on with the decimals) showing one whole digit. A
 * worn counter's wheels have play, and a photo's blur and perspective add to it; an offset within
 * it says nothing about whether the last wheel's digit has arrived.
 */
export function wheelPlay(counters: Counter[]): number | undefined {
  const offsets = counters.flatMap((c) =>
    c.wheels
      .slice(0, -1)
      .flatMap((w) => (w.glyph && !w.second && !betweenDigits(w, c) && !needsPair(w, c) ? [Math.abs(w.offset)] : [])),
  );
  if (offsets.length < MIN_PLAY_SAMPLES) return undefined;
  offsets.sort((a, b) => a - b);
  return offsets[Math.floor(0.9 * (offsets.length - 1))];
}

/** Digit heights off the row beyond which a wheel is turning, whatever else it shows. */
const CARRY_OFFSET = 0.15;

/**
 * Where the tenths dial's pointer says the last wheel's digit has arrived (up to this share of a
 * turn past its 0) and where that it is still coming in (from this share): far apart, so a camera's
 * tilt misjudged by degrees or a dial read a figure off changes nothing.
 */
const DIAL_ARRIVED = 0.25;
const DIAL_COMING = 0.75;
/** From here on, a digit coming in sits within a tenth of a turn of square: its place cannot tell it arrived. */
const DIAL_NEAR = 0.9;
/**
 * Within this share of a turn of the dial's 0 the dial cannot say which side of it the pointer
 * is: it read the real meter's 27 dials within 0.026 of their readings' decimals (median 0.008).
 */
const DIAL_EDGE = 0.03;

/** What the tenths dial at `turn` says of the last wheel's digit, where it can say. */
function dialSays(turn: number | undefined): "arrived" | "coming" | undefined {
  if (turn === undefined || turn < DIAL_EDGE || turn > 1 - DIAL_EDGE) return undefined;
  return turn <= DIAL_ARRIVED ? "arrived" : turn >= DIAL_COMING ? "coming" : undefined;
}

/** A wheel whose digit sits where it may or may not count yet: `resting`, its digit if it is still. */
interface Undecided {
  wheel: number;
  name: string;
  offset: number;
  /** The digit read, where one was (a turning wheel's pair names none). */
  digit?: number;
  resting: number;
}

/** The characters that fall on each wheel's span of the line (by greatest overlap). */
export function charsByWheel(chars: Char[], spans: Line["spans"]): Char[][] {
  const byWheel = spans.map((): Char[] => []);
  for (const c of chars) {
    let best = -1;
    let bestOverlap = 0;
    spans.forEach((span, i) => {
      const o = Math.min(c.x1, span[1]) - Math.max(c.x0, span[0]) + 1;
      if (span[0] >= 0 && o > bestOverlap) {
        bestOverlap = o;
        best = i;
      }
    });
    if (best >= 0) byWheel[best]?.push(c);
  }
  return byWheel;
}

/** Why a wheel gave no single digit: nothing read, or more than one character. */
const unrecognised = (name: string, read: Word[]) =>
  read.length === 0 ? `${name}: no digit recognised` : `${name} read as "${read.map((r) => r.text).join(" ")}"`;

/**
 * `byWheel`: what Tesseract read on each wheel's main digit, `secondByWheel` on its second digit
 * (the other digit of a wheel caught between two), nothing where there is none; `byShape`: each
 * wheel read by shape (a whole digit, or a turning wheel's pieces; see shape-reading.ts), where
 * the batch knows every digit's shape; `play`: the batch's wheelPlay, which widens the offsets
 * refused as too close to call where the profile sets no turnThreshold; `tenths`: the turn the
 * profile's tenths dial shows (levelled), which decides whether the last wheel's digit has arrived.
 */
export function readWheels(
  byWheel: Word[][],
  secondByWheel: Word[][],
  counter: Counter,
  profile: MeterProfile,
  byShape: (ShapeRead | undefined)[] = [],
  play?: number,
  tenths?: DialRead,
): Reading {
  const minConfidence = profile.minConfidence ?? PROFILE_DEFAULTS.minConfidence;
  const turnThreshold = profile.turnThreshold ?? PROFILE_DEFAULTS.turnThreshold;
  const margin = profile.turnThreshold === undefined ? Math.max(UNTUNED_TURN_MARGIN, play ?? 0) : TURN_MARGIN;
  const tooClose = ({ wheel, name, offset, digit }: Undecided, dial?: string) =>
    problems.push(
      `${name} is between two digits, too close to call (${digit === undefined ? "" : `"${digit}" `}at offset ${offset}${dial ? `; ${dial}` : profile.turnThreshold === undefined ? `; set turnThreshold if this meter's digits count from ${offset > turnThreshold ? "that low" : "that high"}${wheel === counter.wheels.length - 1 ? ", or give the tenthsDial it turns with" : ""}` : ""})`,
    );
  /** By wheel: its digit as it counts. */
  const digits: string[] = [];
  /**
   * By wheel: whether it counts as on the digit it shows most of, a whole digit or one coming in
   * from below (true), or on the digit before it (false); unset where the digit leaving at the top is the one shown most.
   */
  const onMain: boolean[] = [];
  const undecided: Undecided[] = [];
  const confidences: number[] = [];
  const problems: string[] = [];

  /** A square (or nearly square) wheel: Tesseract's digit, with its shape as a second opinion. */
  const readWhole = (i: number, name: string, wheel: Wheel, read: Word[], shape: ShapeRead | undefined) => {
    const c = read.length === 1 ? (read[0] as Word) : undefined;
    /** The digit Tesseract read. */
    const said = c && Number(c.text);
    const clear = shape && shape.confidence >= minConfidence ? shape : undefined;
    // A shape read among the digits the batch has shown only contradicts; it never vouches.
    const sure = clear?.partial ? undefined : clear;
    // A shape that wins clearly among all ten digits outweighs Tesseract: where the two disagreed
    // so, on every set (a serif 5 read as 9 or 3, a 5 over a ledge as 8, a 4 under glare as 1),
    // the shape was right 60 times and Tesseract never (docs/worker.md). Not where the batch's
    // shapes of the two digits lie too near to tell apart: Tesseract has taught one the other's.
    const overruled =
      said !== undefined && sure !== undefined && said !== sure.digit && !sure.confusable?.includes(said);
    if (c && clear && !overruled && said !== clear.digit && c.conf / 100 >= minConfidence) {
      return problems.push(`${name} reads "${c.text}" but its shape is a ${clear.digit}'s`);
    }
    // Even a shape that wins by little is evidence: a confident misreading under glare or blur
    // is a digit whose shape looks more like another's.
    if (c && shape && !overruled && said !== shape.digit)
      return problems.push(`${name} reads "${c.text}" but its shape is more like a ${shape.digit}'s`);
    let digit: number;
    if (c && !overruled) {
      digit = Number(c.text);
      // Two readers agreeing are as sure as the surer one (glare can leave Tesseract at 50 %).
      confidences.push(sure?.digit === digit ? Math.max(c.conf / 100, sure.confidence) : c.conf / 100);
    } else if (sure) {
      digit = sure.digit;
      confidences.push(sure.confidence);
    } else {
      return problems.push(unrecognised(name, read));
    }
    if (Math.abs(wheel.offset - turnThreshold) <= margin)
      return undecided.push({ wheel: i, name, offset: wheel.offset, digit, resting: digit });
    // The digit is still coming in from below: the wheel has not reached it yet.
    if (wheel.offset > turnThreshold) stillTurning.add(i);
    onMain[i] = wheel.offset <= turnThreshold;
    digits[i] = String(wheel.offset > turnThreshold ? (digit + 9) % 10 : digit);
  };

  /** Wheels read by the shapes of their pieces. */
  const turning = new Set<number>();
  /** Wheels counted on the digit they are leaving: caught between two, not yet on the next. */
  const stillTurning = new Set<number>();

  /** A wheel caught between two digits, by the shapes of its pieces. */
  const readTurning = (i: number, name: string, wheel: Wheel & { glyph: Glyph }, pair: ShapeRead) => {
    turning.add(i);
    confidences.push(pair.confidence);
    const lowerIsMain = wheel.second ? wheel.second.top < wheel.glyph.top : wheel.offset > 0;
    if (lowerIsMain && Math.abs(wheel.offset - turnThreshold) <= margin)
      return undecided.push({ wheel: i, name, offset: wheel.offset, resting: (pair.digit + 1) % 10 });
    // The digit coming in is almost square: the wheel counts as on it.
    const arrived = lowerIsMain && wheel.offset < turnThreshold;
    if (!arrived) stillTurning.add(i);
    if (lowerIsMain) onMain[i] = arrived;
    digits[i] = String(arrived ? (pair.digit + 1) % 10 : pair.digit);
  };

  /**
   * A wheel caught between two digits where the batch has not shown every digit's shape: part
   * of a digit can pass for another (the foot of a 3 for a 5), with Tesseract sure of it, so it
   * counts only when the digit above and the one below are read as consecutive digits, or when
   * one piece's reading names the very pair that the pieces' shapes, among the pairs the batch
   * knows, match best (`pair`, partial).
   */
  const readPair = (
    i: number,
    name: string,
    wheel: Wheel & { glyph: Glyph },
    read: Word[],
    other: Word[],
    pair: ShapeRead | undefined,
  ) => {
    const c = read.length === 1 ? (read[0] as Word) : undefined;
    const o = wheel.second && other.length === 1 ? (other[0] as Word) : undefined;
    const mainIsUpper = wheel.second ? wheel.glyph.top < wheel.second.top : wheel.offset < 0;
    // What Tesseract read of the digit above and the one below.
    const [upper, lower] = c && o ? (mainIsUpper ? [c, o] : [o, c]).map((word) => Number(word.text)) : [];
    if (c && o && upper !== undefined && (upper + 1) % 10 === lower) {
      confidences.push(Math.min(c.conf, o.conf) / 100);
      stillTurning.add(i);
      if (!mainIsUpper) onMain[i] = false;
      digits[i] = String(upper);
      return;
    }
    // Tesseract is no judge of pieces, and shapes read among some pairs only never vouch alone;
    // but a piece read as the digit of the very pair the shapes match best is two readers agreeing.
    // Both pieces must show: a lone glyph taken for a digit coming in may be a square digit the
    // row was not found level with (a thin 1 on a meter the row was mislocated on read as 0 so).
    const agrees = (word: Word | undefined, upper: boolean) =>
      word !== undefined && (Number(word.text) + (upper ? 0 : 9)) % 10 === pair?.digit;
    if (
      wheel.second &&
      pair?.partial &&
      pair.confidence >= minConfidence &&
      (agrees(c, mainIsUpper) || agrees(o, !mainIsUpper))
    )
      return readTurning(i, name, wheel, pair);
    if (!c) return problems.push(unrecognised(name, read));
    if (!o)
      return problems.push(`${name} is between two digits: "${c.text}" is cut by the window and nothing confirms it`);
    return problems.push(`${name} is between two digits, read as ${upper} above ${lower}`);
  };

  counter.wheels.forEach((wheel, i) => {
    const name = `wheel ${i + 1}`;
    if (!wheel.glyph) return problems.push(`${name} shows no digit`);
    const glyphed = { ...wheel, glyph: wheel.glyph };
    // A turning wheel's shape read is of its pieces; a whole digit's, of the digit.
    const shape = byShape[i];
    const between = betweenDigits(wheel, counter);
    if (between && shape && !shape.partial) return readTurning(i, name, glyphed, shape);
    if (needsPair(wheel, counter))
      return readPair(i, name, glyphed, byWheel[i] ?? [], secondByWheel[i] ?? [], between ? shape : undefined);
    // Pieces read among some pairs say nothing of a digit read whole.
    return readWhole(i, name, wheel, byWheel[i] ?? [], between ? undefined : shape);
  });
  // A wheel turns only in a carry, while every wheel to its right goes from 9 to 0: one of them
  // counted on a digit no carry passes through (1 to 8) proves it at rest, and its offset is
  // play; so does a 9 to its right sitting square: the carry has not begun. A 0 to its right
  // proves less: a carry about to end brings every wheel in it onto its digit together, and the
  // 0s of the wheels to the right can measure square within the play while this one still shows
  // its digit coming in. So a 0 only confirms a wheel that already sits nearer its digit than the
  // threshold; one that sits lower is too close to call.
  const squareOn = new Set(
    counter.wheels.flatMap((w, i) =>
      digits[i] !== undefined &&
      !turning.has(i) &&
      !needsPair(w, counter) &&
      Math.abs(w.offset) < turnThreshold - margin
        ? [i]
        : [],
    ),
  );
  const atRest = (u: Undecided): boolean => {
    const right = digits.slice(u.wheel + 1);
    if (squareOn.has(u.wheel + 1) && digits[u.wheel + 1] === "9") return true;
    if (right.some((d) => d !== undefined && d !== "9" && d !== "0")) return true;
    return right.includes("0") && u.offset < turnThreshold;
  };
  const last = counter.wheels.length - 1;
  const dialTurn = tenths && "turn" in tenths ? tenths.turn : undefined;
  const said = dialSays(dialTurn);
  /**
   * The dial says the last wheel's `shown` digit is still coming in: the wheel counts the digit
   * before it. Not where that takes it back over a 9 (it shows 0): then the wheels before it end
   * a carry with it, and their places cannot say which of them have arrived either.
   */
  const stillComing = (shown: number) => {
    if (shown === 0)
      return problems.push(
        `wheel ${last + 1} is ending a carry (the tenths dial at ${dialTurn} says its 0 is still coming in): the wheels before it cannot be told`,
      );
    digits[last] = String(shown - 1);
    stillTurning.add(last);
    onMain[last] = false;
  };
  for (const u of undecided) {
    const byDial = u.wheel === last ? said : undefined;
    if (atRest(u) || byDial === "arrived") {
      digits[u.wheel] = String(u.resting);
      onMain[u.wheel] = true;
    } else if (byDial === "coming") stillComing(u.resting);
    else if (u.wheel === last && tenths)
      tooClose(
        u,
        "turn" in tenths
          ? `the tenths dial shows ${tenths.turn}, ${tenths.turn > DIAL_ARRIVED && tenths.turn < DIAL_COMING ? "mid-turn" : "too near its 0 to say"}`
          : tenths.error,
      );
    else tooClose(u);
  }
  // A last wheel counted on its digit, nearly square, while the dial is within a tenth of a turn
  // of it: the digit is still coming in, which its place alone cannot tell. Farther from it, or a
  // digit counted as coming in while the dial says it has arrived, and the two disagree.
  if (said && digits[last] !== undefined && onMain[last] !== undefined) {
    const shown = onMain[last] ? Number(digits[last]) : (Number(digits[last]) + 1) % 10;
    if (said === "coming" && onMain[last] && dialTurn !== undefined && dialTurn >= DIAL_NEAR) stillComing(shown);
    else if (said === "coming" && onMain[last])
      problems.push(
        `wheel ${last + 1} counts as on ${shown}, but the tenths dial (at ${dialTurn}) says ${shown} is still coming in`,
      );
    else if (said === "arrived" && !onMain[last])
      problems.push(
        `wheel ${last + 1} counts as still coming to ${shown}, but the tenths dial (at ${dialTurn}) says it has arrived`,
      );
  }
  // A wheel turns only while the wheel to its right goes from 9 to 0 (a carry): of two turning
  // wheels side by side, the right one is leaving a 9, whatever its pieces look like.
  const moving = (i: number) => turning.has(i) || Math.abs(counter.wheels[i]?.offset ?? 0) > CARRY_OFFSET;
  // So a wheel counted on the digit it is leaving has a 9 to its right, however square that
  // wheel's next digit looks: under glare, or at the end of a carry, one wheel of it can measure
  // arrived while its neighbour measures still coming in, and the two cannot both be right.
  if (problems.length === 0) {
    for (let i = 0; i + 1 < counter.wheels.length; i++) {
      if (moving(i) && moving(i + 1) && digits[i + 1] !== "9")
        problems.push(`wheel ${i + 2} turns with wheel ${i + 1} (a carry) but reads ${digits[i + 1]}, not 9`);
      else if (stillTurning.has(i) && digits[i + 1] !== "9")
        problems.push(
          `wheel ${i + 1} has not reached ${(Number(digits[i]) + 1) % 10}, so wheel ${i + 2} is leaving a 9, but it reads ${digits[i + 1]}`,
        );
    }
  }

  const confidence = confidences.length ? Math.round(Math.min(...confidences) * 1000) / 1000 : null;
  if (problems.length > 0) return { status: "unreadable", reading: null, confidence, error: problems.join("; ") };
  const reading = counter.wheels.map((_, i) => digits[i]).join("");
  if ((confidence ?? 0) < minConfidence)
    return {
      status: "unreadable",
      reading: null,
      confidence,
      error: `confidence ${confidence} is below ${minConfidence} (read "${reading}")`,
    };
  return { status: "ok", reading, confidence, error: null };
}
