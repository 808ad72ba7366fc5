/**
 * Turns photos into clean grayscale images (binary PGM, which Tesseract reads and the worker can
 * segment without an image library): orientation, crop to the counter, rotation level, a band
 * around the digits, grayscale, inversion for light-on-dark wheels, scaled to the glyph height
 * Tesseract reads best. One `convert` per chunk of photos; a chunk that fails is redone photo by
 * photo, so one photo that decodes badly fails alone.
 */
import path from "node:path";
import { PROFILE_DEFAULTS, tunedBand, type MeterProfile, type Point } from "../contracts/meter-profile";
import { run } from "./exec";
import { searchRegion } from "./find-counter";
import { dialRegion } from "./tenths-dial";

export const CHUNK = 16;

/**
 * Without a profile the whole photo is searched in colour (PPM): colour tells the red decimal
 * wheels from the integer ones. Everything else is prepared in grey (PGM).
 */
export function inColour(profile: MeterProfile | undefined): boolean {
  return !tunedBand(profile) && !searchRegion(profile);
}

/**
 * Where the worker locates the counter itself (see locate.ts), ImageMagick only cuts out the
 * part of the photo to search (the profile's rough crop, its corners' box, or the whole photo);
 * rotation, levels and scale are measured, not given.
 */
export function searchOps(profile: MeterProfile | undefined): string[] {
  const ops = ["-auto-orient"];
  const region = searchRegion(profile);
  if (region) ops.push("-crop", `${region.width}x${region.height}+${region.x}+${region.y}`, "+repage");
  if (!inColour(profile)) ops.push("-colorspace", "Gray");
  ops.push("-depth", "8");
  return ops;
}

/** A profile's pixel-exact band (crop, rotation, band, scale, levels), as the first worker read it. */
export function cleanOps(profile: MeterProfile | undefined): string[] {
  const ops = ["-auto-orient"];
  if (profile?.crop) {
    const c = profile.crop;
    ops.push("-crop", `${c.width}x${c.height}+${c.x}+${c.y}`, "+repage");
  }
  if (profile?.corners) ops.push(...perspectiveOps(profile.corners, profile.invert ?? false));
  if (profile?.rotate)
    ops.push("-background", profile.invert ? "black" : "white", "-rotate", String(profile.rotate), "+repage");
  if (profile?.bandHeight || profile?.bandWidth) {
    const width = profile.bandWidth ?? profile.crop?.width ?? 100000;
    const height = profile.bandHeight ?? 100000;
    const dx = profile.bandOffset?.x ?? 0;
    const dy = profile.bandOffset?.y ?? 0;
    const signed = (n: number) => (n < 0 ? String(n) : `+${n}`);
    ops.push("-gravity", "center", "-crop", `${width}x${height}${signed(dx)}${signed(dy)}`, "+repage", "+gravity");
  }
  ops.push("-colorspace", "Gray");
  if (profile?.invert) ops.push("-negate");
  ops.push("-resize", `x${profile?.scaleHeight ?? PROFILE_DEFAULTS.scaleHeight}`, "-normalize", "-depth", "8");
  return ops;
}

/** Maps the window's four corners onto an upright rectangle as wide and high as its longer sides. */
function perspectiveOps(corners: [Point, Point, Point, Point], invert: boolean): string[] {
  const [tl, tr, br, bl] = corners;
  const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const width = Math.round(Math.max(dist(tl, tr), dist(bl, br)));
  const height = Math.round(Math.max(dist(tl, bl), dist(tr, br)));
  const pairs = [
    [tl, [0, 0]],
    [tr, [width, 0]],
    [br, [width, height]],
    [bl, [0, height]],
  ].map(([from, to]) => `${(from as Point).join(",")} ${(to as Point).join(",")}`);
  return [
    "-virtual-pixel",
    invert ? "black" : "white",
    "-define",
    `distort:viewport=${width}x${height}+0+0`,
    "-distort",
    "Perspective",
    pairs.join("  "),
    "+repage",
  ];
}

export interface Prepared {
  photo: string;
  /** The cleaned image (PGM). */
  image?: string;
  /** The profile's tenths dial, cut out in colour (PPM). */
  dial?: string;
  error?: string;
  convertMs: number;
}

/**
 * ImageMagick decodes a truncated or corrupt JPEG with only a warning, filling the missing part
 * with grey; reading that would be guessing, so the photo fails with ImageMagick's own words.
 */
export function corruptionOf(photo: string, stderr: string): string | undefined {
  const line = stderr
    .split("\n")
    .find((l) => l.includes(photo) && /Premature end|Corrupt|Bogus|Invalid|truncated/i.test(l));
  return line
    ?.replace(/^convert(-im6\.q16)?: /, "")
    .replace(/ [`'].*$/, "")
    .trim();
}

/** The tenths dial's part of the photo, in colour, written beside the cleaned image from the same decode. */
function dialOps(profile: MeterProfile | undefined, file: string): string[] {
  if (!profile?.tenthsDial) return [];
  const { x, y, size } = dialRegion(profile.tenthsDial);
  return [
    "-auto-orient",
    "(",
    "+clone",
    "-crop",
    `${size}x${size}+${x}+${y}`,
    "+repage",
    "-depth",
    "8",
    "-write",
    file,
    "+delete",
    ")",
  ];
}

const dialFile = (image: string) => image.replace(/\.p[gp]m$/, ".dial.ppm");

async function convertChunk(
  photos: string[],
  images: string[],
  ops: string[],
  profile: MeterProfile | undefined,
): Promise<{ code: number; stderr: string }> {
  const args: string[] = [];
  photos.forEach((p, i) => {
    const image = images[i] as string;
    args.push("(", `${p}[0]`, ...dialOps(profile, dialFile(image)), ...ops, "-write", image, "+delete", ")");
  });
  // Every photo was written and deleted inside its parentheses; a 1x1 canvas gives convert an image to discard.
  args.push("xc:", "null:");
  return run("convert", args);
}

export async function preparePhotos(
  photos: string[],
  profile: MeterProfile | undefined,
  workDir: string,
  firstIndex = 0,
): Promise<Prepared[]> {
  const ops = tunedBand(profile) ? cleanOps(profile) : searchOps(profile);
  const dialOf = (image: string) => (profile?.tenthsDial ? { dial: dialFile(image) } : {});
  const kind = inColour(profile) ? "ppm" : "pgm";
  const out: Prepared[] = [];
  for (let start = 0; start < photos.length; start += CHUNK) {
    const chunk = photos.slice(start, start + CHUNK);
    const images = chunk.map((_, i) => path.join(workDir, `${firstIndex + start + i}.${kind}`));
    const began = Date.now();
    const { code, stderr } = await convertChunk(chunk, images, ops, profile);
    if (code === 0) {
      const each = (Date.now() - began) / chunk.length;
      chunk.forEach((photo, i) => {
        const corrupt = corruptionOf(photo, stderr);
        out.push(
          corrupt
            ? { photo, error: `corrupt image: ${corrupt}`, convertMs: each }
            : { photo, image: images[i] as string, ...dialOf(images[i] as string), convertMs: each },
        );
      });
      continue;
    }
    for (const [i, photo] of chunk.entries()) {
      const t0 = Date.now();
      const single = await convertChunk([photo], [images[i] as string], ops, profile);
      const message = single.stderr
        .split("\n")
        .find((l) => l.trim() !== "")
        ?.replace(/^convert(-im6\.q16)?: /, "")
        .replace(/ @ (error|warning)\/.*$/, "");
      const corrupt = corruptionOf(photo, single.stderr);
      if (corrupt) {
        out.push({ photo, error: `corrupt image: ${corrupt}`, convertMs: Date.now() - t0 });
        continue;
      }
      out.push(
        single.code === 0
          ? { photo, image: images[i] as string, ...dialOf(images[i] as string), convertMs: Date.now() - t0 }
          : { photo, error: `cannot convert: ${message ?? "ImageMagick failed"}`, convertMs: Date.now() - t0 },
      );
    }
  }
  return out;
}
