import { access, mkdir } from "node:fs/promises";
import path from "node:path";

const codeOf = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code;

/** The outermost ancestor of `dir` that does not exist (`dir` itself if only it is missing). */
async function firstMissing(dir: string): Promise<string> {
  let missing = path.resolve(dir);
  for (;;) {
    const parent = path.dirname(missing);
    if (parent === missing) return missing;
    try {
      await access(parent);
      return missing;
    } catch {
      missing = parent;
    }
  }
}

/**
 * mkdir -p that fails with the real reason. Node's recursive mkdir reports ENOENT when the file
 * system is read-only (it keeps the "missing" error of the parent it tried first), so a read-only
 * node looked like a vanished directory; the first missing ancestor is made alone to surface
 * EROFS (or EPERM, EACCES, ENOSPC) instead.
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw error;
    try {
      await mkdir(await firstMissing(dir));
    } catch (real) {
      throw codeOf(real) === "ENOENT" || codeOf(real) === "EEXIST" ? error : real;
    }
    await mkdir(dir, { recursive: true });
  }
}
