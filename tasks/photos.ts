/**
 * The photos an operator hands over: every file in --input (and below) in a format a camera
 * produces and ImageMagick reads, each hashed for a content-addressed blob name.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import fg from "fast-glob";
import pLimit from "p-limit";
import { PHOTO_EXTENSIONS } from "./worker/photos";

export interface LocalPhoto {
  /** Path relative to the input directory, with `/` separators: how the operator knows the photo. */
  name: string;
  file: string;
  size: number;
  sha256: string;
  /** `photos/<sha256><ext>`: equal bytes share a blob, so nothing is uploaded twice. */
  blobName: string;
}

export class InputError extends Error {
  override name = "InputError";
}

export const BLOB_PREFIX = "photos/";

export function blobNameFor(sha256: string, name: string): string {
  return `${BLOB_PREFIX}${sha256}${path.extname(name).toLowerCase()}`;
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** Lists and hashes the photos under `dir`; refuses a missing or empty input with a clear message. */
export async function findPhotos(dir: string, concurrency = 4): Promise<{ photos: LocalPhoto[]; skipped: string[] }> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new InputError(`input directory ${dir} does not exist`);
  if (!info.isDirectory()) throw new InputError(`input ${dir} is not a directory`);
  const files = (await fg("**/*", { cwd: dir, onlyFiles: true, dot: false, followSymbolicLinks: true })).sort();
  const wanted = files.filter((f) => PHOTO_EXTENSIONS.includes(path.extname(f).toLowerCase()));
  const skipped = files.filter((f) => !wanted.includes(f));
  if (wanted.length === 0) {
    throw new InputError(`no photos in ${dir} (looked for ${PHOTO_EXTENSIONS.join(" ")}${skipped.length ? `; ${skipped.length} other file(s) ignored` : ""})`);
  }
  const limit = pLimit(concurrency);
  const photos = await Promise.all(
    wanted.map((name) =>
      limit(async () => {
        const file = path.join(dir, name);
        const [{ size }, sha256] = await Promise.all([stat(file), sha256Of(file)]);
        return { name, file, size, sha256, blobName: blobNameFor(sha256, name) };
      }),
    ),
  );
  return { photos, skipped };
}
