/**
 * The worker's result record: one per photo, the only thing the dispatcher reads back from a task.
 *
 * Workers write them as JSON Lines (`records.jsonl`, one record per line, appended as each photo
 * finishes, so a killed task still leaves the records it had). Versioned by `schema`: a reader
 * refuses a schema it does not know instead of guessing.
 */
import * as z from "zod/mini";
import { quoted, versionedProblemLines } from "./schema-problems";

export const RESULT_SCHEMA = "batch-ocr/result@1" as const;

/**
 * - `ok`: a reading the worker trusts.
 * - `unreadable`: the photo was processed but no reading is trustworthy; `error` says why.
 * - `error`: the photo could not be processed (not an image, truncated, too large...); `error` says why.
 */
const resultStatusSchema = z.enum(["ok", "unreadable", "error"], {
  error: (issue) => `must be ok, unreadable or error (got ${quoted(issue.input)})`,
});
export type ResultStatus = z.infer<typeof resultStatusSchema>;

const MILLISECONDS = "must be a number of milliseconds";

const resultTimingsSchema = z.object(
  {
    /** ImageMagick share of the batch's conversion time attributed to this photo, ms. */
    convertMs: z.number(MILLISECONDS),
    /** Tesseract share attributed to this photo, ms. */
    ocrMs: z.number(MILLISECONDS),
    /** Wall time from the batch start to this record, ms. */
    totalMs: z.number(MILLISECONDS),
  },
  "must be {convertMs, ocrMs, totalMs}",
);
export type ResultTimings = z.infer<typeof resultTimingsSchema>;

/** Where the worker found the counter in the photo. */
const counterSeenSchema = z.object(
  {
    /** The band of wheels read: its corners in the photo's pixels (EXIF orientation applied), top-left, top-right, bottom-right, bottom-left. */
    corners: z.array(
      z.tuple(
        [z.number("must be a number of pixels"), z.number("must be a number of pixels")],
        "must be an [x, y] point",
      ),
      "must be a list of [x, y] points",
    ),
    /** Skew of the row of wheels in the photo, degrees (clockwise positive). */
    skew: z.number("must be degrees"),
    /** Wheels found. */
    wheels: z.int("must be a whole number of wheels"),
  },
  "must be {corners, skew, wheels} when given",
);
export type CounterSeen = z.infer<typeof counterSeenSchema>;

const resultRecordSchema = z.object(
  {
    schema: z.literal(RESULT_SCHEMA, {
      error: (issue) => `is ${quoted(issue.input)}, which this version does not read (it reads ${RESULT_SCHEMA})`,
    }),
    /** The photo's file name as the task saw it (relative to the task's input directory). */
    photo: z.string("must be the photo's name").check(z.minLength(1)),
    /**
     * When the photo was taken, from its EXIF DateTimeOriginal: ISO 8601 without a zone
     * ("2026-01-03T10:00:00"), the camera's local time as it recorded it. No time zone is added,
     * since EXIF does not say which one the camera's clock was set to. Absent when the photo has no
     * such tag (or an unusable one).
     */
    takenAt: z.optional(z.string("must be a string when given")),
    status: resultStatusSchema,
    /** The integer reading as printed on the counter, leading zeros kept (e.g. "00530"); null unless ok. */
    reading: z.nullable(z.string("must be a string or null")),
    /** 0..1, from Tesseract's per-character confidences; null when nothing was recognised. */
    confidence: z.nullable(z.number("must be a number or null")),
    /** What Tesseract returned, before extraction (may be empty). */
    rawText: z.string("must be a string"),
    /** Why the photo is unreadable or failed; null when ok. */
    error: z.nullable(z.string("must be a string or null")),
    /** `profile` when a meter profile located the counter, `auto` when the whole photo was searched. */
    mode: z.enum(["profile", "auto"], { error: (issue) => `must be profile or auto (got ${quoted(issue.input)})` }),
    /** Where the counter was found (absent where a profile's pixel-exact band was read, or nothing was found). */
    counter: z.optional(counterSeenSchema),
    /**
     * The band the worker read, as it cut it, with the edges of the cells it placed: a small JPEG
     * (at most 200 px wide) as a `data:image/jpeg;base64,...` URI, inline so that it is written,
     * uploaded and collected with its record or not at all. Absent where no band was found.
     */
    bandImage: z.optional(z.string("must be a data: URI when given")),
    timings: resultTimingsSchema,
  },
  "record is not an object",
);

export type ResultRecord = z.infer<typeof resultRecordSchema>;

export class ResultRecordError extends Error {
  override name = "ResultRecordError";
}

/** Parses one JSON line into a record, refusing unknown schemas and malformed fields. */
export function parseResultRecord(line: string): ResultRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new ResultRecordError(`not JSON: ${(err as Error).message}`);
  }
  const checked = resultRecordSchema.safeParse(value);
  if (!checked.success) throw new ResultRecordError(versionedProblemLines(checked.error.issues, "schema").join("; "));
  // As written: a newer worker's extra fields reach the dispatcher's output instead of being dropped.
  return value as ResultRecord;
}

/** Parses a whole `records.jsonl` body; blank lines are skipped. */
export function parseResultRecords(body: string): ResultRecord[] {
  return body
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(parseResultRecord);
}
