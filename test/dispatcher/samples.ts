/** Ground truth and results files of the sample photos, for the end-to-end tests. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { ROOT } from "./run-cli";

export const SAMPLES = path.join(ROOT, "samples");

export async function truth(): Promise<Map<string, string>> {
  const rows = parse(await readFile(path.join(SAMPLES, "truth.csv"), "utf8"), { columns: true }) as { photo: string; reading: string }[];
  return new Map(rows.map((r) => [r.photo, r.reading]));
}

export type Row = { photo: string; reading: string; confidence: string; status: string; error: string; task_id: string };

export async function resultsCsv(dir: string): Promise<Row[]> {
  return parse(await readFile(path.join(dir, "results.csv"), "utf8"), { columns: true }) as Row[];
}
