/**
 * The accuracy report: runs the worker over a folder of photos with known readings and counts
 * exact readings (integer part), unreadable photos, and wrong readings — the ones that matter,
 * since the worker marked them `ok` — and, as meter-reading papers report them, the precision of
 * the readings accepted beside their coverage.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "csv-parse/sync";
import type { ResultRecord } from "../contracts/result-record";

export class EvalError extends Error {
  override name = "EvalError";
}

/** photo file name → true integer reading. */
export type Truth = Map<string, number>;

export async function truthFromCsv(file: string): Promise<Truth> {
  const rows = parse(await readFile(file, "utf8"), { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  const truth: Truth = new Map();
  for (const [i, row] of rows.entries()) {
    const photo = row.photo;
    const reading = row.reading;
    if (!photo || !reading || !/^\d+$/.test(reading))
      throw new EvalError(`${file} row ${i + 2}: needs columns photo and reading (digits)`);
    truth.set(photo, Number(reading));
  }
  return truth;
}

/** The integer part of the number a file is named after: `530.95675.jpg` → 530. */
export function truthFromName(photo: string): number | undefined {
  const m = /^(\d+)(\.\d+)?\.[A-Za-z]+$/.exec(path.basename(photo));
  return m ? Number(m[1]) : undefined;
}

export interface EvalReport {
  photos: number;
  exact: number;
  unreadable: number;
  wrong: number;
  errors: number;
  noTruth: number;
  /** Readings marked `ok`, of the photos with a known reading: exact + wrong. */
  accepted: number;
  /** Exact ÷ accepted: how far an `ok` can be trusted (null when nothing was accepted). */
  precision: number | null;
  /** Accepted ÷ the photos with a known reading (null when there are none). */
  coverage: number | null;
  misses: {
    photo: string;
    truth: number;
    status: string;
    reading: string | null;
    confidence: number | null;
    error: string | null;
  }[];
}

export function score(records: ResultRecord[], truthOf: (photo: string) => number | undefined): EvalReport {
  const report: EvalReport = {
    photos: records.length,
    exact: 0,
    unreadable: 0,
    wrong: 0,
    errors: 0,
    noTruth: 0,
    accepted: 0,
    precision: null,
    coverage: null,
    misses: [],
  };
  for (const r of records) {
    const truth = truthOf(r.photo);
    if (truth === undefined) {
      report.noTruth += 1;
      continue;
    }
    if (r.status === "ok" && r.reading !== null && Number(r.reading) === truth) {
      report.exact += 1;
      continue;
    }
    if (r.status === "ok") report.wrong += 1;
    else if (r.status === "unreadable") report.unreadable += 1;
    else report.errors += 1;
    report.misses.push({
      photo: r.photo,
      truth,
      status: r.status,
      reading: r.reading,
      confidence: r.confidence,
      error: r.error,
    });
  }
  const scored = report.photos - report.noTruth;
  report.accepted = report.exact + report.wrong;
  report.precision = report.accepted > 0 ? report.exact / report.accepted : null;
  report.coverage = scored > 0 ? report.accepted / scored : null;
  return report;
}

export function formatReport(report: EvalReport, seconds: number): string {
  const scored = report.photos - report.noTruth;
  const pct = (n: number) => (scored === 0 ? "-" : `${((100 * n) / scored).toFixed(1)}%`);
  const share = (r: number | null) => (r === null ? "-" : `${(100 * r).toFixed(1)}%`);
  const lines = [
    `photos        ${report.photos}${report.noTruth ? ` (${report.noTruth} without a known reading, not scored)` : ""}`,
    `exact         ${report.exact}  (${pct(report.exact)})`,
    `unreadable    ${report.unreadable}  (${pct(report.unreadable)})`,
    `wrong         ${report.wrong}  (${pct(report.wrong)})  <- marked ok but not the reading`,
    `errors        ${report.errors}`,
    `accepted      ${report.accepted}  (coverage ${share(report.coverage)}; precision ${share(report.precision)}: exact of accepted)`,
    `time          ${seconds.toFixed(1)} s (${(report.photos / Math.max(seconds, 1e-9)).toFixed(1)} photos/s)`,
  ];
  if (report.misses.length > 0) {
    lines.push("", "misses:");
    for (const m of report.misses) {
      lines.push(
        `  ${m.photo}: truth ${m.truth}, ${m.status} ${m.reading ?? ""}${m.confidence !== null ? ` (${m.confidence})` : ""}${m.error ? ` - ${m.error}` : ""}`,
      );
    }
  }
  return lines.join("\n");
}
