/**
 * The results CSV's columns and quoting, in one module with no Node imports: the dispatcher writes
 * results.csv with it and the report page (bundled for the browser) writes the reviewed copy with
 * it, so the two files agree cell for cell.
 */

export const CSV_COLUMNS = ["photo", "reading", "confidence", "status", "error", "task_id"] as const;

/** What a CSV row is made of: a dispatcher row, or the report page's copy of one. */
export interface CsvRow {
  photo: string;
  reading: string | null;
  confidence: number | null;
  status: string;
  error: string | null;
  taskId: string;
}

export function csvField(value: string | number | null): string {
  const s = value === null ? "" : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvCells(r: CsvRow): (string | number | null)[] {
  return [r.photo, r.reading, r.confidence, r.status, r.error, r.taskId];
}

/** A whole CSV file: the header, then one line per row; `extra` adds columns after the standard ones. */
export function csvText<R extends CsvRow>(
  rows: readonly R[],
  extra: { columns: readonly string[]; cells: (r: R) => (string | number | null)[] } = { columns: [], cells: () => [] },
): string {
  const lines = [[...CSV_COLUMNS, ...extra.columns].join(",")];
  for (const r of rows) lines.push([...csvCells(r), ...extra.cells(r)].map(csvField).join(","));
  return `${lines.join("\n")}\n`;
}
