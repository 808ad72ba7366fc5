/**
 * The run's output folder, made and proved writable before any photo is uploaded: a bad `--out`
 * found after the job ran would cost the whole job's time for nothing.
 */
import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import path from "node:path";

export class OutDirError extends Error {
  override name = "OutDirError";
}

/** Makes `<out>/<jobId>` (and `out` itself) and checks that files can be written in it. */
export async function prepareOutDir(out: string, jobId: string): Promise<string> {
  const dir = path.join(out, jobId);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "a file is in the way (it must be a folder)"
        : code === "EACCES" || code === "EPERM" || code === "EROFS"
          ? "it cannot be written"
          : (err as Error).message;
    throw new OutDirError(`--out ${out}: cannot write the results to ${dir}: ${why}`);
  }
  return dir;
}
