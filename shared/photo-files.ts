import { readdir } from "node:fs/promises";
import path from "node:path";

/** Formats a camera or scanner produces that ImageMagick reads. */
export const PHOTO_EXTENSIONS = [".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".heic", ".heif"];

/** The photos in a directory (sorted), and how many other files were left out. */
export async function photosIn(dir: string): Promise<{ photos: string[]; skipped: number }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith("."));
  const photos = files.filter((e) => PHOTO_EXTENSIONS.includes(path.extname(e.name).toLowerCase()));
  return { photos: photos.map((e) => path.join(dir, e.name)).sort(), skipped: files.length - photos.length };
}
