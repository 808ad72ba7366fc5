/**
 * The other parts the bench drives (local Batch service, dispatcher modules) land separately; a
 * section whose part is missing says so in the results instead of failing the whole run.
 */
import { existsSync } from "node:fs";
import path from "node:path";

export interface Missing {
  status: "unavailable";
  reason: string;
}

/** The repository files a section needs that do not exist yet, as a reason, or undefined when all are there. */
export function missingParts(root: string, files: string[]): Missing | undefined {
  const absent = files.filter((f) => !existsSync(path.join(root, f)));
  return absent.length === 0 ? undefined : { status: "unavailable", reason: `not built yet: ${absent.join(", ")}` };
}
