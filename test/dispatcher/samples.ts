/** Ground truth and results files of the sample photos, for the end-to-end tests. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { ROOT } from "./run-cli";

export const SAMPLES = path.join(ROOT, "samples");

/** Each sample's reading and how far its last wheel has turned towards the next digit (0 = square). */
export async function truthRows(): Promise<{ photo: string; reading: string; turn: number }[]> {
  const rows = parse(await readFile(path.join(SAMPLES, "truth.csv"), "utf8"), { columns: true }) as {
    photo: string;
    reading: string;
    turn?: string;
  }[];
  return rows.map((r) => ({ photo: r.photo, reading: r.reading, turn: Number(r.turn ?? 0) }));
}

/** Wheels turned less than this read as square ones: the worker must read them. */
const SQUARE_TURN = 0.2;

/**
 * What the worker promises on the samples: a reading, when given, is the true one; a photo whose
 * last wheel is square is always read; one caught between digits may be refused as unreadable.
 */
export function expectTrusted(
  row: { photo: string; status: string; reading: string | null },
  truthRow: { reading: string; turn: number },
): void {
  if (row.status === "ok") expect([row.photo, row.reading]).toEqual([row.photo, truthRow.reading]);
  else expect([row.photo, row.status, truthRow.turn >= SQUARE_TURN]).toEqual([row.photo, "unreadable", true]);
}

export type Row = {
  photo: string;
  reading: string;
  confidence: string;
  status: string;
  error: string;
  task_id: string;
};

export async function resultsCsv(dir: string): Promise<Row[]> {
  return parse(await readFile(path.join(dir, "results.csv"), "utf8"), { columns: true }) as Row[];
}
