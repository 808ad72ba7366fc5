/**
 * What the report page's script is given, as JSON inside the page: the types are shared by the
 * writer (Node) and the script (browser), so the two cannot drift apart. No Node imports here.
 */
import type { CsvRow } from "../results-csv";

/** A row of results.csv, with what the page filters on. */
export interface PageRow extends CsvRow {
  /** Refused by the series check (its reading broke the meter's series). */
  implausible: boolean;
}

export interface PageData {
  jobId: string;
  rows: PageRow[];
}

/** The filters the page offers, by the `data-filter` of their buttons. */
export const FILTERS = ["all", "unreadable", "failed", "implausible"] as const;
export type Filter = (typeof FILTERS)[number];

/** The orders the page offers, by the value of its sort select. */
export const SORTS = ["photo", "status", "confidence", "reading"] as const;
export type Sort = (typeof SORTS)[number];

export const DATA_ELEMENT_ID = "report-data";
/** The column the exported copy of results.csv adds: the reading an operator typed for a refused photo. */
export const REVIEWED_COLUMN = "reviewed";

export function matchesFilter(row: PageRow, filter: Filter): boolean {
  switch (filter) {
    case "all":
      return true;
    case "unreadable":
      return row.status === "unreadable";
    case "failed":
      return row.status === "error";
    case "implausible":
      return row.implausible;
  }
}
