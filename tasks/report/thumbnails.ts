/**
 * Thumbnails of the photos for the report, made with ImageMagick's `convert`: the tool the worker
 * already needs on every machine that runs locally, which reads every format the input accepts
 * (HEIC and TIFF included, which a pure-JS decoder would not), with no native npm module to build.
 * Written to a folder beside report.html rather than inlined, so a job of thousands of photos
 * does not make a page of hundreds of megabytes. A photo ImageMagick cannot read, or a machine
 * without it, gets the reason instead of a picture.
 */
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import pLimit from "p-limit";

export const THUMBS_DIR = "thumbs";
/** Box a thumbnail fits in, pixels: enough to see the counter, small enough to list hundreds. */
const THUMB_BOX = "320x240";

/** `width`/`height`: the photo's own size, upright (EXIF orientation applied), the frame the worker's corners are given in. */
export type Thumbnail = { file: string; width: number; height: number } | { missing: string };

function convert(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; spawnError?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const child = spawn("convert", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (err: NodeJS.ErrnoException) => resolve({ code: null, stdout, stderr, spawnError: err }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The first line ImageMagick printed, without its program name and source location. */
function firstLine(stderr: string): string {
  const line = stderr.split("\n").find((l) => l.trim() !== "") ?? "";
  return line
    .replace(/^convert(-im6\.q16)?: /, "")
    .replace(/ @ (error|warning)\/.*$/, "")
    .trim();
}

/** Photos per `convert`: one process per photo would cost more in start-ups than in thumbnails. */
const CHUNK = 24;

/** ImageMagick's steps for one photo: its upright size on stdout, then the thumbnail written. */
function oneThumbnail(photo: string, out: string): string[] {
  // [0]: the first frame of a multi-page file. The size is printed upright and before the thumbnail
  // is made (no jpeg:size decoding hint: it would shrink the size printed).
  return [
    "(",
    `${photo}[0]`,
    "-auto-orient",
    "-format",
    "%w %h\n",
    "-write",
    "info:-",
    "-thumbnail",
    `${THUMB_BOX}>`,
    "-strip",
    "-quality",
    "80",
    "-write",
    out,
    "+delete",
    ")",
  ];
}

/** The sizes printed, one per photo, or undefined when convert failed or printed too few. */
async function convertChunk(
  photos: readonly string[],
  outs: readonly string[],
): Promise<{ sizes?: [number, number][]; reason?: string; noImageMagick?: boolean }> {
  // Every photo was written and deleted inside its parentheses; a 1x1 canvas gives convert an image to discard.
  const run = await convert([...photos.flatMap((p, i) => oneThumbnail(p, outs[i] as string)), "xc:", "null:"]);
  if (run.spawnError?.code === "ENOENT") return { noImageMagick: true };
  const sizes = run.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  if (run.code === 0 && sizes.length === photos.length && sizes.every(([w, h]) => w > 0 && h > 0)) return { sizes };
  return { reason: firstLine(run.stderr) || run.spawnError?.message || `convert exited with ${run.code}` };
}

/**
 * One thumbnail per photo (`photos` are paths relative to `inputDir`), named by position so that
 * any photo name makes a safe file name; the result's `file` is relative to `reportDir`. Photos go
 * in chunks; a chunk that fails is done again photo by photo, so one bad photo costs only its own.
 */
export async function makeThumbnails(
  inputDir: string,
  photos: readonly string[],
  reportDir: string,
): Promise<Thumbnail[]> {
  const dir = path.join(reportDir, THUMBS_DIR);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const files = photos.map((_, i) => path.join(THUMBS_DIR, `${String(i + 1).padStart(5, "0")}.jpg`));
  const sources = photos.map((p) => path.join(inputDir, p));
  const outs = files.map((f) => path.join(reportDir, f));
  const done = (i: number, [width, height]: [number, number]): Thumbnail => ({
    file: (files[i] as string).split(path.sep).join("/"),
    width,
    height,
  });
  const chunkSize = Math.max(1, Math.min(CHUNK, Math.ceil(photos.length / availableParallelism())));
  const limit = pLimit(availableParallelism());
  const chunks: number[][] = [];
  for (let i = 0; i < photos.length; i += chunkSize)
    chunks.push([...Array(Math.min(chunkSize, photos.length - i)).keys()].map((k) => i + k));
  const results = await Promise.all(
    chunks.map((chunk) =>
      limit(async (): Promise<Thumbnail[]> => {
        const all = await convertChunk(
          chunk.map((i) => sources[i] as string),
          chunk.map((i) => outs[i] as string),
        );
        if (all.noImageMagick)
          return chunk.map(() => ({ missing: "no thumbnail: ImageMagick's convert is not on PATH" }));
        if (all.sizes) return chunk.map((i, k) => done(i, all.sizes?.[k] as [number, number]));
        if (chunk.length === 1) return [{ missing: `no thumbnail: ${all.reason ?? "ImageMagick failed"}` }];
        const one: Thumbnail[] = [];
        for (const i of chunk) {
          const single = await convertChunk([sources[i] as string], [outs[i] as string]);
          one.push(
            single.sizes
              ? done(i, single.sizes[0] as [number, number])
              : { missing: `no thumbnail: ${single.reason ?? "ImageMagick failed"}` },
          );
        }
        return one;
      }),
    ),
  );
  return results.flat();
}
