/**
 * Checks a batch of photos with one `identify -ping` (headers only, no decoding), so one bad
 * photo (empty, not an image, too large) is singled out before anything else touches it. The same
 * call reads when each photo was taken (EXIF DateTimeOriginal), for the series check.
 */
import { run } from "./exec";

/** Photos above this many pixels are refused: decoding them would take a node's memory. */
export const MAX_MEGAPIXELS = 40;

/**
 * `width` and `height` as the photo is displayed (EXIF orientation applied), the frame a
 * profile's window is given in. `takenAt`: the photo's EXIF DateTimeOriginal as ISO 8601 local
 * time (see {@link exifTime}), when it has one.
 */
export type Inspection = ({ ok: true; width: number; height: number } | { ok: false; error: string }) & {
  takenAt?: string;
};

/**
 * EXIF DateTimeOriginal ("YYYY:MM:DD HH:MM:SS") as ISO 8601 without a zone ("YYYY-MM-DDTHH:MM:SS"):
 * the camera's local time as recorded; EXIF does not say which zone, so none is added. Undefined
 * for an empty, blanked ("0000:00:00 00:00:00", "    :  :  ") or impossible value.
 */
export function exifTime(value: string): string | undefined {
  const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value.replace(/\0/g, "").trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (y < 1 || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}

export async function inspectPhotos(paths: string[]): Promise<Map<string, Inspection>> {
  const result = new Map<string, Inspection>();
  if (paths.length === 0) return result;
  // `[0]`: the first frame only, so a multi-page TIFF or an animated GIF gives one line. Tabs
  // apart (file names may hold spaces, the EXIF time holds one), the EXIF time last: empty
  // without EXIF, and a stray line break in it cannot cost the photo its line. `-quiet`: a photo
  // without the tag would warn "unknown image property" on stderr; errors are still written.
  const { stdout, stderr } = await run("identify", [
    "-quiet",
    "-ping",
    "-format",
    "%w\t%h\t%[orientation]\t%i\t%[EXIF:DateTimeOriginal]\n",
    ...paths.map((p) => `${p}[0]`),
  ]);
  for (const line of stdout.split("\n")) {
    const m = /^(\d+)\t(\d+)\t(\w*)\t(.+)\t([^\t]*)$/.exec(line);
    if (!m) continue;
    const [, w, h, orientation, file, exif] = m as unknown as [string, string, string, string, string, string];
    // EXIF orientations 5 to 8 turn the photo a quarter: displayed, its sides swap.
    const quarterTurn = /^(LeftTop|RightTop|RightBottom|LeftBottom)$/.test(orientation);
    const width = Number(quarterTurn ? h : w);
    const height = Number(quarterTurn ? w : h);
    if (result.has(file)) continue;
    const takenAt = exifTime(exif);
    result.set(file, {
      ...(width * height > MAX_MEGAPIXELS * 1e6
        ? { ok: false, error: `photo too large: ${width}x${height} is over ${MAX_MEGAPIXELS} megapixels` }
        : { ok: true, width, height }),
      ...(takenAt ? { takenAt } : {}),
    });
  }
  const messages = stderr.split("\n").filter((l) => l.trim() !== "");
  for (const p of paths) {
    if (result.has(p)) continue;
    const said = messages.find((m) => m.includes(p));
    const reason = said
      ? said
          .replace(/^identify(-im6\.q16)?: /, "")
          .replace(/ @ error\/.*$/, "")
          .replace(` \`${p}'`, "")
          .replace(`'${p}'`, "")
      : "ImageMagick cannot read it";
    result.set(p, { ok: false, error: `not a readable image: ${reason.trim()}` });
  }
  return result;
}
