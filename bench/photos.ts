/**
 * The photo set every OCR contender reads: the committed samples copied under distinct names
 * until there are enough, so every contender reads the very same files. Each copy of a JPEG gets a
 * comment segment naming it, so copies differ in content too: the dispatcher stores photos by
 * content hash, and identical copies would upload once and flatter its upload figure.
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseMeterProfile, type MeterProfile } from "../contracts/meter-profile";
import { truthFromCsv } from "../worker/eval";

export interface PhotoSet {
  dir: string;
  photos: string[];
  profile: MeterProfile | undefined;
  profilePath: string | undefined;
  /** Where the photos came from: "samples" or "generated" (when there are no samples). */
  source: string;
  /** Each photo's true reading (integer part), where samples/truth.csv gives it, by file name. */
  truth: Map<string, number>;
}

export async function makePhotoSet(root: string, dir: string, count: number): Promise<PhotoSet> {
  await mkdir(dir, { recursive: true });
  const samplesDir = path.join(root, "samples");
  const samples = (await readdir(samplesDir).catch(() => [] as string[]))
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
  const profilePath = samples.length > 0 ? path.join(samplesDir, "profile.json") : undefined;
  const profile = profilePath
    ? parseMeterProfile(JSON.parse(await readFile(profilePath, "utf8")), profilePath)
    : undefined;
  const originals = samples.length > 0 ? samples.map((f) => path.join(samplesDir, f)) : [generatePhoto(dir)];
  const known =
    samples.length > 0
      ? await truthFromCsv(path.join(samplesDir, "truth.csv")).catch(() => new Map<string, number>())
      : new Map<string, number>();
  const truth = new Map<string, number>();
  const photos: string[] = [];
  for (let i = 0; i < count; i++) {
    const src = originals[i % originals.length] as string;
    const dest = path.join(dir, `photo-${String(i).padStart(6, "0")}${path.extname(src)}`);
    const reading = known.get(path.basename(src));
    if (reading !== undefined) truth.set(path.basename(dest), reading);
    if (/\.jpe?g$/i.test(src)) await writeFile(dest, withJpegComment(await readFile(src), `bench copy ${i}`));
    else await copyFile(src, dest);
    photos.push(dest);
  }
  return { dir, photos, profile, profilePath, source: samples.length > 0 ? "samples" : "generated", truth };
}

/** A COM segment right after SOI: valid JPEG, same pixels, different bytes. */
function withJpegComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, "latin1");
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, body, jpeg.subarray(2)]);
}

/** Only when the repository has no samples: digits drawn on a dark box. */
function generatePhoto(dir: string): string {
  const file = path.join(dir, "generated-source.jpg");
  execFileSync("convert", [
    "-size",
    "400x120",
    "xc:black",
    "-fill",
    "white",
    "-pointsize",
    "72",
    "-annotate",
    "+30+90",
    "04217",
    file,
  ]);
  return file;
}
