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

function convert(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; spawnError?: NodeJS.ErrnoException }> {
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
  return line.replace(/^convert(-im6\.q16)?: /, "").replace(/ @ (error|warning)\/.*$/, "").trim();
}

/**
 * One thumbnail per photo (`photos` are paths relative to `inputDir`), named by position so that
 * any photo name makes a safe file name; the result's `file` is relative to `reportDir`.
 */
export async function makeThumbnails(inputDir: string, photos: readonly string[], reportDir: string): Promise<Thumbnail[]> {
  const dir = path.join(reportDir, THUMBS_DIR);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const limit = pLimit(availableParallelism());
  let noImageMagick: string | undefined;
  return Promise.all(
    photos.map((photo, i) =>
      limit(async (): Promise<Thumbnail> => {
        if (noImageMagick) return { missing: noImageMagick };
        const file = path.join(THUMBS_DIR, `${String(i + 1).padStart(5, "0")}.jpg`);
        // [0]: the first frame of a multi-page file. The size is printed once upright and before the
        // thumbnail is made (so no jpeg:size decoding hint: it would shrink the size printed).
        const args = [`${path.join(inputDir, photo)}[0]`, "-auto-orient", "-format", "%w %h\n", "-write", "info:-", "-thumbnail", `${THUMB_BOX}>`, "-strip", "-quality", "80", path.join(reportDir, file)];
        const run = await convert(args);
        if (run.spawnError?.code === "ENOENT") {
          noImageMagick = "no thumbnail: ImageMagick's convert is not on PATH";
          return { missing: noImageMagick };
        }
        if (run.code !== 0) return { missing: `no thumbnail: ${firstLine(run.stderr) || run.spawnError?.message || `convert exited with ${run.code}`}` };
        const [width, height] = run.stdout.trim().split(/\s+/).map(Number);
        if (!width || !height) return { missing: `no thumbnail: ImageMagick gave no size for the photo (${JSON.stringify(run.stdout.trim())})` };
        return { file: file.split(path.sep).join("/"), width, height };
      }),
    ),
  );
}
