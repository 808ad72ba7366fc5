/**
 * From Tesseract's words to a reading people can trust: the expected number of digits with
 * leading zeros, a confidence from Tesseract's own figures, and `unreadable` with a reason
 * instead of a number nobody should rely on.
 */
import { locatesCounter, PROFILE_DEFAULTS, type MeterProfile } from "../contracts/meter-profile";
import type { Word } from "./tesseract";

export interface Reading {
  status: "ok" | "unreadable";
  reading: string | null;
  confidence: number | null;
  error: string | null;
}

/** Fewest digits an auto-mode reading may have: shorter runs are usually screws and marks. */
export const AUTO_MIN_DIGITS = 3;

export function extractReading(words: Word[], profile: MeterProfile | undefined): Reading {
  const minConfidence = profile?.minConfidence ?? PROFILE_DEFAULTS.minConfidence;
  const digitWords = words
    .map((w) => ({ digits: w.text.replace(/\D/g, ""), conf: w.conf }))
    .filter((w) => w.digits !== "");
  if (digitWords.length === 0)
    return { status: "unreadable", reading: null, confidence: null, error: "no digits found" };

  let digits: string;
  let confidence: number;
  if (locatesCounter(profile)) {
    // The crop holds only the counter: every digit Tesseract saw is part of the reading.
    digits = digitWords.map((w) => w.digits).join("");
    confidence = Math.min(...digitWords.map((w) => w.conf)) / 100;
  } else {
    // The whole photo: the most plausible run is the longest, then the most confident.
    const best = [...digitWords].sort((a, b) => b.digits.length - a.digits.length || b.conf - a.conf)[0] as {
      digits: string;
      conf: number;
    };
    digits = best.digits;
    confidence = best.conf / 100;
  }
  confidence = Math.round(Math.max(0, confidence) * 1000) / 1000;

  const expected = profile?.digits;
  if (expected !== undefined && digits.length !== expected) {
    return {
      status: "unreadable",
      reading: null,
      confidence,
      error: `read ${digits.length} digits ("${digits}"), the counter has ${expected}`,
    };
  }
  if (expected === undefined && digits.length < AUTO_MIN_DIGITS) {
    return {
      status: "unreadable",
      reading: null,
      confidence,
      error: `no run of ${AUTO_MIN_DIGITS} or more digits found`,
    };
  }
  if (confidence < minConfidence) {
    return {
      status: "unreadable",
      reading: null,
      confidence,
      error: `confidence ${confidence} is below ${minConfidence} (read "${digits}")`,
    };
  }
  return { status: "ok", reading: digits, confidence, error: null };
}
