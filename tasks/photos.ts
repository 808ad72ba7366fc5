/**
 * The photos an operator hands over: every file in --input (and below) in a format a camera
 * produces and ImageMagick reads (listed by `input-listing.ts`), each hashed for a
 * content-addressed blob name; what is left out or cannot be read is said, never dropped.
 */
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import {
  byName,
  fsReason,
  listInput,
  type IgnoredEntry,
  type ListedFile,
  type ListingOptions,
  type NotReadEntry,
} from "./input-listing";
import { PHOTO_EXTENSIONS } from "../shared/photo-files";

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

/**
 * Size and hash from one open file, opened non-blocking and checked to be a regular file: a FIFO
 * put in a photo's place since the listing would otherwise block the run on its first read.
 */
async function sizeAndHash(file: string): Promise<{ size: number; sha256: string }> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error("not a regular file any more (replaced since it was listed)");
    const sha256 = await new Promise<string>((resolve, reject) => {
      const hash = createHash("sha256");
      handle
        .createReadStream({ autoClose: false })
        .on("data", (chunk) => hash.update(chunk))
        .on("error", reject)
        .on("end", () => resolve(hash.digest("hex")));
    });
    return { size: info.size, sha256 };
  } finally {
    await handle.close();
  }
}

export interface FoundPhotos {
  photos: LocalPhoto[];
  /** Entries of the input left out on purpose (not photos, dot files, links not followed...), with the reason. */
  ignored: IgnoredEntry[];
  /** Photos and folders that could not be read: each becomes an error row in the results. */
  notRead: NotReadEntry[];
}

/** Hashes the listed files; one that cannot be read (gone since the listing, permissions, I/O) is reported, not fatal. */
export async function readPhotos(
  files: readonly ListedFile[],
  concurrency = 4,
): Promise<{ photos: LocalPhoto[]; notRead: NotReadEntry[] }> {
  const limit = pLimit(concurrency);
  const read = await Promise.all(
    files.map(({ name, file }) =>
      limit(async (): Promise<LocalPhoto | NotReadEntry> => {
        try {
          const { size, sha256 } = await sizeAndHash(file);
          return { name, file, size, sha256, blobName: blobNameFor(sha256, name) };
        } catch (err) {
          return { name, reason: `cannot read the photo: ${fsReason(err)}; it was not uploaded` };
        }
      }),
    ),
  );
  return {
    photos: read.filter((r): r is LocalPhoto => "sha256" in r),
    notRead: read.filter((r): r is NotReadEntry => !("sha256" in r)),
  };
}

function noPhotosMessage(dir: string, found: Omit<FoundPhotos, "photos">): string {
  const notes = [`looked for ${PHOTO_EXTENSIONS.join(" ")}`];
  if (found.ignored.length)
    notes.push(
      `${found.ignored.length} other file(s) ignored: ${found.ignored
        .slice(0, 3)
        .map((e) => `${e.name} (${e.reason})`)
        .join(", ")}`,
    );
  if (found.notRead.length)
    notes.push(
      `${found.notRead.length} could not be read: ${found.notRead
        .slice(0, 3)
        .map((e) => `${e.name} (${e.reason})`)
        .join(", ")}`,
    );
  return `no photos in ${dir} (${notes.join("; ")})`;
}

/** Lists and hashes the photos under `dir`; refuses a missing input, or one with no photo to read, with a clear message. */
export async function findPhotos(
  dir: string,
  options: ListingOptions & { concurrency?: number } = {},
): Promise<FoundPhotos> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new InputError(`input directory ${dir} does not exist`);
  if (!info.isDirectory()) throw new InputError(`input ${dir} is not a directory`);
  const listing = await listInput(dir, options);
  const { photos, notRead } = await readPhotos(listing.files, options.concurrency);
  const found = { photos, ignored: listing.ignored, notRead: [...listing.notRead, ...notRead].sort(byName) };
  if (photos.length === 0) throw new InputError(noPhotosMessage(dir, found));
  return found;
}

/** What the operator is told about the input before anything is uploaded: a line per entry left out, then the counts. */
export function inputLines(dir: string, found: FoundPhotos): string[] {
  const lines = [
    ...found.ignored.map((e) => `ignored: ${e.name} (${e.reason})`),
    ...found.notRead.map((e) => `error: ${e.name} (${e.reason})`),
  ];
  const kinds = new Map<string, number>();
  for (const e of found.ignored) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  const parts = [`${found.photos.length} photo(s) in ${dir}`];
  if (found.ignored.length)
    parts.push(`${found.ignored.length} ignored (${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ")})`);
  if (found.notRead.length) parts.push(`${found.notRead.length} could not be read (an error row each in results.csv)`);
  lines.push(`input: ${parts.join("; ")}`);
  return lines;
}
