/**
 * The worker's result record: one per photo, the only thing the dispatcher reads back from a task.
 *
 * Workers write them as JSON Lines (`records.jsonl`, one record per line, appended as each photo
 * finishes, so a killed task still leaves the records it had). Versioned by `schema`: a reader
 * refuses a schema it does not know instead of guessing.
 */

export const RESULT_SCHEMA = "batch-ocr/result@1" as const;

/**
 * - `ok`: a reading the worker trusts.
 * - `unreadable`: the photo was processed but no reading is trustworthy; `error` says why.
 * - `error`: the photo could not be processed (not an image, truncated, too large...); `error` says why.
 */
export type ResultStatus = "ok" | "unreadable" | "error";

export interface ResultTimings {
  /** ImageMagick share of the batch's conversion time attributed to this photo, ms. */
  convertMs: number;
  /** Tesseract share attributed to this photo, ms. */
  ocrMs: number;
  /** Wall time from the batch start to this record, ms. */
  totalMs: number;
}

/** Where the worker found the counter in the photo. */
export interface CounterSeen {
  /** The band of wheels read: its corners in the photo's pixels (EXIF orientation applied), top-left, top-right, bottom-right, bottom-left. */
  corners: [number, number][];
  /** Skew of the row of wheels in the photo, degrees (clockwise positive). */
  skew: number;
  /** Wheels found. */
  wheels: number;
}

export interface ResultRecord {
  schema: typeof RESULT_SCHEMA;
  /** The photo's file name as the task saw it (relative to the task's input directory). */
  photo: string;
  /**
   * When the photo was taken, from its EXIF DateTimeOriginal: ISO 8601 without a zone
   * ("2026-01-03T10:00:00"), the camera's local time as it recorded it. No time zone is added,
   * since EXIF does not say which one the camera's clock was set to. Absent when the photo has no
   * such tag (or an unusable one).
   */
  takenAt?: string;
  status: ResultStatus;
  /** The integer reading as printed on the counter, leading zeros kept (e.g. "00530"); null unless ok. */
  reading: string | null;
  /** 0..1, from Tesseract's per-character confidences; null when nothing was recognised. */
  confidence: number | null;
  /** What Tesseract returned, before extraction (may be empty). */
  rawText: string;
  /** Why the photo is unreadable or failed; null when ok. */
  error: string | null;
  /** `profile` when a meter profile located the counter, `auto` when the whole photo was searched. */
  mode: "profile" | "auto";
  /** Where the counter was found (absent where a profile's pixel-exact band was read, or nothing was found). */
  counter?: CounterSeen;
  timings: ResultTimings;
}

export class ResultRecordError extends Error {
  override name = "ResultRecordError";
}

const STATUSES: readonly ResultStatus[] = ["ok", "unreadable", "error"];

/** Parses one JSON line into a record, refusing unknown schemas and malformed fields. */
export function parseResultRecord(line: string): ResultRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new ResultRecordError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null) throw new ResultRecordError("record is not an object");
  const r = value as Record<string, unknown>;
  if (r.schema !== RESULT_SCHEMA) throw new ResultRecordError(`unknown record schema ${JSON.stringify(r.schema)}`);
  if (typeof r.photo !== "string" || r.photo === "") throw new ResultRecordError("record has no photo");
  if (!STATUSES.includes(r.status as ResultStatus)) throw new ResultRecordError(`bad status ${JSON.stringify(r.status)}`);
  if (r.reading !== null && typeof r.reading !== "string") throw new ResultRecordError("reading must be a string or null");
  if (r.confidence !== null && typeof r.confidence !== "number") throw new ResultRecordError("confidence must be a number or null");
  if (typeof r.rawText !== "string") throw new ResultRecordError("rawText must be a string");
  if (r.error !== null && typeof r.error !== "string") throw new ResultRecordError("error must be a string or null");
  if (r.takenAt !== undefined && typeof r.takenAt !== "string") throw new ResultRecordError("takenAt must be a string when given");
  return r as unknown as ResultRecord;
}

/** Parses a whole `records.jsonl` body; blank lines are skipped. */
export function parseResultRecords(body: string): ResultRecord[] {
  return body
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(parseResultRecord);
}
