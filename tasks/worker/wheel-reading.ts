/**
 * A reading from the wheels of a counter: each wheel's digit as Tesseract read it on its own, corrected for a wheel caught between two digits (the lower one counts), with
 * Tesseract's per-character confidence. Anything doubtful makes the photo `unreadable` with the
 * reason, never a number nobody should trust.
 */
import { PROFILE_DEFAULTS, type MeterProfile } from "../../contracts/meter-profile";
import type { Reading } from "./reading";
import type { Char, Word } from "./tesseract";
import { needsSecond, type Counter, type Line } from "./wheels";

/**
 * Offsets this close (in digit heights) to the profile's turn threshold are too close to call:
 * the wheel is almost exactly where its digit starts to count.
 */
export const TURN_MARGIN = 0.015;


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

/**
 * `byWheel`: what Tesseract read on each wheel's main digit, `secondByWheel` on its second digit
 * (the other digit of a wheel caught between two), nothing where there is none.
 */
export function readWheels(byWheel: Word[][], secondByWheel: Word[][], counter: Counter, profile: MeterProfile): Reading {
  const minConfidence = profile.minConfidence ?? PROFILE_DEFAULTS.minConfidence;
  const turnThreshold = profile.turnThreshold ?? PROFILE_DEFAULTS.turnThreshold;
  const digits: string[] = [];
  const confidences: number[] = [];
  const problems: string[] = [];
  counter.wheels.forEach((wheel, i) => {
    const name = `wheel ${i + 1}`;
    const read = byWheel[i] ?? [];
    if (!wheel.glyph) return problems.push(`${name} shows no digit`);
    if (read.length !== 1) return problems.push(read.length === 0 ? `${name}: no digit recognised` : `${name} read as "${read.map((c) => c.text).join(" ")}"`);
    const c = read[0] as Word;
    const digit = Number(c.text);
    if (!needsSecond(wheel, counter)) {
      confidences.push(c.conf / 100);
      if (Math.abs(wheel.offset - turnThreshold) <= TURN_MARGIN) return problems.push(`${name} is between two digits, too close to call ("${c.text}" at offset ${wheel.offset})`);
      // The digit is still coming in from below: the wheel has not reached it yet.
      return digits.push(String(wheel.offset > turnThreshold ? (digit + 9) % 10 : digit));
    }
    // Part of a digit can pass for another (the foot of a 3 for a 5, the top of a 2 for a 7),
    // with Tesseract sure of it: a wheel caught between two digits counts only when the digit
    // above and the one below are read as consecutive digits.
    const other = secondByWheel[i] ?? [];
    if (!wheel.second || other.length !== 1) return problems.push(`${name} is between two digits: "${c.text}" is cut by the window and nothing confirms it`);
    const o = other[0] as Word;
    const [upper, lower] = wheel.second.top < wheel.glyph.top ? [Number(o.text), digit] : [digit, Number(o.text)];
    if ((upper + 1) % 10 !== lower) return problems.push(`${name} is between two digits, read as ${upper} above ${lower}`);
    confidences.push(Math.min(c.conf, o.conf) / 100);
    return digits.push(String(upper));
  });
  const confidence = confidences.length ? Math.round(Math.min(...confidences) * 1000) / 1000 : null;
  if (problems.length > 0) return { status: "unreadable", reading: null, confidence, error: problems.join("; ") };
  const reading = digits.join("");
  if ((confidence ?? 0) < minConfidence) return { status: "unreadable", reading: null, confidence, error: `confidence ${confidence} is below ${minConfidence} (read "${reading}")` };
  return { status: "ok", reading, confidence, error: null };
}
