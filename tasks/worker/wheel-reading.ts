/**
 * A reading from the wheels of a counter: each wheel's digit as Tesseract read it on its own, corrected for a wheel caught between two digits (the lower one counts), with
 * Tesseract's per-character confidence. Anything doubtful makes the photo `unreadable` with the
 * reason, never a number nobody should trust.
 */
import { PROFILE_DEFAULTS, type MeterProfile } from "../../contracts/meter-profile";
import type { Reading } from "./reading";
import type { Char, Word } from "./tesseract";
import type { Counter, Line } from "./wheels";

/**
 * Offsets this close (in digit heights) to the profile's turn threshold are too close to call:
 * the wheel is almost exactly where its digit starts to count.
 */
export const TURN_MARGIN = 0.015;

/** A glyph shorter than this share of a whole digit is part of one... */
const PARTIAL = 0.9;
/** ...and needs this confidence to count. */
const PARTIAL_MIN_CONFIDENCE = 0.95;

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

/** `byWheel`: what Tesseract read on each wheel (nothing for a wheel without a digit). */
export function readWheels(byWheel: Word[][], counter: Counter, profile: MeterProfile): Reading {
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
    confidences.push(c.conf / 100);
    let digit = Number(c.text);
    if (Math.abs(wheel.offset - turnThreshold) <= TURN_MARGIN) return problems.push(`${name} is between two digits, too close to call ("${c.text}" at offset ${wheel.offset})`);
    const glyph = wheel.glyph;
    const partial = glyph.bottom - glyph.top + 1 < PARTIAL * counter.digitHeight;
    if (wheel.offset > turnThreshold) {
      // The digit is still coming in from below: the wheel has not reached it yet. Its foot is
      // still hidden, and the top of a digit can pass for another one (the top of a 2 for a 7).
      if (partial) return problems.push(`${name} is between two digits and the incoming one is cut off ("${c.text}")`);
      digit = (digit + 9) % 10;
    } else if (partial && c.conf / 100 < PARTIAL_MIN_CONFIDENCE) {
      return problems.push(`${name} shows only part of a digit ("${c.text}", confidence ${c.conf / 100})`);
    }
    digits.push(String(digit));
  });
  const confidence = confidences.length ? Math.round(Math.min(...confidences) * 1000) / 1000 : null;
  if (problems.length > 0) return { status: "unreadable", reading: null, confidence, error: problems.join("; ") };
  const reading = digits.join("");
  if ((confidence ?? 0) < minConfidence) return { status: "unreadable", reading: null, confidence, error: `confidence ${confidence} is below ${minConfidence} (read "${reading}")` };
  return { status: "ok", reading, confidence, error: null };
}
