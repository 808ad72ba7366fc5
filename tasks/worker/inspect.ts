/**
 * Checks a batch of photos with one `identify -ping` (headers only, no decoding), so one bad
 * photo (empty, not an image, too large) is singled out before anything else touches it.
 */
import { run } from "./exec";

/** Photos above this many pixels are refused: decoding them would take a node's memory. */
export const MAX_MEGAPIXELS = 40;

export type Inspection = { ok: true; width: number; height: number } | { ok: false; error: string };

export async function inspectPhotos(paths: string[]): Promise<Map<string, Inspection>> {
  const result = new Map<string, Inspection>();
  if (paths.length === 0) return result;
  // `[0]`: the first frame only, so a multi-page TIFF or an animated GIF gives one line.
  const { stdout, stderr } = await run("identify", ["-ping", "-format", "%w %h %i\n", ...paths.map((p) => `${p}[0]`)]);
  for (const line of stdout.split("\n")) {
    const m = /^(\d+) (\d+) (.+)$/.exec(line);
    if (!m) continue;
    const [, w, h, file] = m as unknown as [string, string, string, string];
    const width = Number(w);
    const height = Number(h);
    if (result.has(file)) continue;
    result.set(
      file,
      width * height > MAX_MEGAPIXELS * 1e6
        ? { ok: false, error: `photo too large: ${width}x${height} is over ${MAX_MEGAPIXELS} megapixels` }
        : { ok: true, width, height },
    );
  }
  const messages = stderr.split("\n").filter((l) => l.trim() !== "");
  for (const p of paths) {
    if (result.has(p)) continue;
    const said = messages.find((m) => m.includes(p));
    const reason = said ? said.replace(/^identify(-im6\.q16)?: /, "").replace(/ @ error\/.*$/, "").replace(` \`${p}'`, "").replace(`'${p}'`, "") : "ImageMagick cannot read it";
    result.set(p, { ok: false, error: `not a readable image: ${reason.trim()}` });
  }
  return result;
}
