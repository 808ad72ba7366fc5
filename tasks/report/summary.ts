/** The report's summary figures, from the collected rows and the run's task timings. */
import type { PhotoResult } from "../collect";
import type { RunStats } from "../run-stats";

export interface ReportSummary {
  photos: number;
  read: number;
  unreadable: number;
  failed: number;
  /** Of the unreadable: readings the series check refused. */
  implausible: number;
  run: RunStats;
  /** Photos over the tasks' wall time; null when that is unknown or zero. */
  photosPerSecond: number | null;
  /** From `--price-per-node-hour`; the cost is null without it or without node-hours. */
  pricePerNodeHour: number | null;
  cost: number | null;
}

export function reportSummary(
  rows: readonly PhotoResult[],
  implausible: ReadonlySet<string>,
  run: RunStats,
  pricePerNodeHour?: number,
): ReportSummary {
  const count = (status: PhotoResult["status"]) => rows.filter((r) => r.status === status).length;
  const price = pricePerNodeHour ?? null;
  return {
    photos: rows.length,
    read: count("ok"),
    unreadable: count("unreadable"),
    failed: count("error"),
    implausible: rows.filter((r) => implausible.has(r.photo)).length,
    run,
    photosPerSecond: run.wallMs ? rows.length / (run.wallMs / 1000) : null,
    pricePerNodeHour: price,
    cost: price !== null && run.nodeHours !== null ? price * run.nodeHours : null,
  };
}
