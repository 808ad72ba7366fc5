/**
 * The photo set every OCR contender reads: the committed samples copied under distinct names
 * until there are enough, so every contender reads the very same files.
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseMeterProfile, type MeterProfile } from "../contracts/meter-profile";

export interface PhotoSet {
  dir: string;
  photos: string[];
  profile: MeterProfile | undefined;
  profilePath: string | undefined;
  /** Where the photos came from: "samples" or "generated" (when there are no samples). */
  source: string;
}

export async function makePhotoSet(root: string, dir: string, count: number): Promise<PhotoSet> {
  await mkdir(dir, { recursive: true });
  const samplesDir = path.join(root, "samples");
  const samples = (await readdir(samplesDir).catch(() => [] as string[])).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const profilePath = samples.length > 0 ? path.join(samplesDir, "profile.json") : undefined;
  const profile = profilePath ? parseMeterProfile(JSON.parse(await readFile(profilePath, "utf8")), profilePath) : undefined;
  const originals = samples.length > 0 ? samples.map((f) => path.join(samplesDir, f)) : [generatePhoto(dir)];
  const photos: string[] = [];
  for (let i = 0; i < count; i++) {
    const src = originals[i % originals.length] as string;
    const dest = path.join(dir, `photo-${String(i).padStart(6, "0")}${path.extname(src)}`);
    await copyFile(src, dest);
    photos.push(dest);
  }
  return { dir, photos, profile, profilePath, source: samples.length > 0 ? "samples" : "generated" };
}

/** Only when the repository has no samples: digits drawn on a dark box. */
function generatePhoto(dir: string): string {
  const file = path.join(dir, "generated-source.jpg");
  execFileSync("convert", ["-size", "400x120", "xc:black", "-fill", "white", "-pointsize", "72", "-annotate", "+30+90", "04217", file]);
  return file;
}
