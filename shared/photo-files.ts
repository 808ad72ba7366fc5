import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** Formats a camera or scanner produces that ImageMagick reads. */
export const PHOTO_EXTENSIONS = [".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".heic", ".heif"];

/** An entry of the folder that is not read, and why. */
export interface SkippedEntry {
  name: string;
  reason: string;
}

const isPhotoName = (name: string): boolean => PHOTO_EXTENSIONS.includes(path.extname(name).toLowerCase());

/**
 * Why an entry of the folder is not a photo to read, or undefined when it is one. A link is read
 * where it leads (an evaluation folder of links into a dataset is common), so only a link that
 * leads nowhere, or to a folder, is left out.
 */
async function whyNotAPhoto(dir: string, entry: Dirent): Promise<string | undefined> {
  if (entry.isDirectory()) return "a folder (photos are read from the folder itself, not its sub-folders)";
  if (!isPhotoName(entry.name)) return `not a photo (${PHOTO_EXTENSIONS.join(" ")})`;
  if (entry.isFile()) return undefined;
  if (!entry.isSymbolicLink()) return "not a regular file";
  try {
    const target = await stat(path.join(dir, entry.name));
    return target.isFile() ? undefined : "a link to something other than a file";
  } catch (err) {
    return `a link that leads nowhere (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

/**
 * The photos in a directory (sorted by name), and every other entry with the reason it is left
 * out. Names starting with a dot are left out unnamed: they are an editor's or a system's, not
 * the user's.
 */
export async function photosIn(dir: string): Promise<{ photos: string[]; skipped: SkippedEntry[] }> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith("."));
  const photos: string[] = [];
  const skipped: SkippedEntry[] = [];
  for (const entry of entries) {
    const reason = await whyNotAPhoto(dir, entry);
    if (reason === undefined) photos.push(path.join(dir, entry.name));
    else skipped.push({ name: entry.name, reason });
  }
  return { photos: photos.sort(), skipped: skipped.sort((a, b) => (a.name < b.name ? -1 : 1)) };
}

/** One line for the entries left out: their count, and the first few with their reasons. */
export function skippedLine(dir: string, skipped: readonly SkippedEntry[], shown = 3): string {
  const named = skipped.slice(0, shown).map((s) => `${s.name}: ${s.reason}`);
  const more = skipped.length > shown ? `; and ${skipped.length - shown} more` : "";
  return `left out ${skipped.length} entr${skipped.length === 1 ? "y" : "ies"} of ${dir} that are not photos (${named.join("; ")}${more})`;
}
