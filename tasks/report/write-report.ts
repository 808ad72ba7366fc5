/** Writes `<out>/<job>/report.html` (and its thumbnails folder) from a collection. */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Collected } from "../collect";
import { pageScript } from "./page-bundle";
import { reportHtml } from "./report-html";
import { reportSummary, type ReportSummary } from "./summary";
import { makeThumbnails } from "./thumbnails";

export const REPORT_FILE = "report.html";

export interface ReportOptions {
  jobId: string;
  /** Where the photos are, and which of the rows are photos there (the others could not be read from the input). */
  inputDir: string;
  photos: readonly string[];
  pricePerNodeHour?: number;
  /** The profile's counter window, outlined on a thumbnail whose record does not say where the counter was found. */
  profileCorners?: [number, number][];
}

/** Writes the page; returns where, and its summary (which `--json` prints too). */
export async function writeReport(
  collected: Collected,
  options: ReportOptions,
): Promise<{ file: string; summary: ReportSummary }> {
  const [thumbs, script] = await Promise.all([
    makeThumbnails(options.inputDir, options.photos, collected.dir),
    pageScript(),
  ]);
  const thumbnails = new Map(options.photos.map((p, i) => [p, thumbs[i] as (typeof thumbs)[number]]));
  const implausible = new Set(collected.seriesPoints.filter((p) => p.implausible).map((p) => p.photo));
  const summary = reportSummary(collected.rows, implausible, collected.run, options.pricePerNodeHour);
  const file = path.join(collected.dir, REPORT_FILE);
  await writeFile(
    file,
    reportHtml({
      jobId: options.jobId,
      rows: collected.rows,
      thumbnails,
      profileCorners: options.profileCorners,
      seriesPoints: collected.seriesPoints,
      summary,
      script,
    }),
  );
  return { file, summary };
}
