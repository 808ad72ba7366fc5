/**
 * A first profile for a meter from a few of its photos: the counter is located in each whole
 * photo (find-counter.ts), and the profile says roughly where it is, how far to turn it level,
 * which way round its colours are and how many wheels it has, which is all the worker needs to
 * locate it again precisely in every photo of the batch.
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { MeterProfile } from "../contracts/meter-profile";
import { run } from "./exec";
import { findCounter } from "./find-counter";
import type { Located } from "./locate";
import { parsePgm } from "./pgm";
import { corruptionOf, searchOps } from "./prepare";

/** Share of the located counters' bounding box added on each side for the profile's crop. */
export const CROP_MARGIN = 0.25;

let searches = 0;

/** A photo as the whole-photo search saw it: its size (as displayed) and the counter, if found. */
export interface PhotoSearch {
  photo: string;
  width: number;
  height: number;
  result: { ok: true; located: Located } | { ok: false; reason: string };
}

/**
 * Locates the counter in the whole photo (EXIF orientation applied), as the batch does without a
 * profile; `hints` (digits, invert) narrow the search. The size is the decoded photo's, so it is
 * the displayed one even where EXIF turns the photo. The cut-out region is written to `workDir`.
 */
export async function searchPhoto(
  photo: string,
  hints: Pick<MeterProfile, "digits" | "invert">,
  workDir: string,
): Promise<PhotoSearch> {
  const image = path.join(workDir, `search-${searches++}.pgm`);
  const { code, stderr } = await run("convert", [`${photo}[0]`, ...searchOps(hints), `pgm:${image}`]);
  if (code !== 0) throw new Error(`${photo}: cannot convert: ${stderr.trim().split("\n")[0] ?? "ImageMagick failed"}`);
  const corrupt = corruptionOf(photo, stderr);
  if (corrupt) throw new Error(`${photo}: corrupt image: ${corrupt}`);
  const region = parsePgm(await readFile(image));
  await rm(image, { force: true });
  return {
    photo,
    width: region.width,
    height: region.height,
    result: findCounter({ region, origin: { x: 0, y: 0 }, scale: 1 }, hints),
  };
}

/**
 * How many wheels at the right end of the located band are red (decimal wheels: `digits` counts
 * only the integer ones), from each wheel's mean colour in the photo; 0 when the first wheel is
 * red too (a red counter) or none is. One `convert`: the band mapped onto one pixel per wheel.
 */
export async function redWheelsAtEnd(photo: string, located: Pick<Located, "corners" | "cells">): Promise<number> {
  const n = located.cells.length;
  const [w, h] = [n * 20, 20];
  const targets = [
    [0, 0],
    [w, 0],
    [w, h],
    [0, h],
  ];
  const mapping = located.corners.map((c, i) => `${c[0]},${c[1]} ${(targets[i] as number[]).join(",")}`).join("  ");
  const args = [
    `${photo}[0]`,
    "-auto-orient",
    "-colorspace",
    "sRGB",
    "-type",
    "TrueColor",
    "-virtual-pixel",
    "black",
    "-define",
    `distort:viewport=${w}x${h}+0+0`,
    "-distort",
    "Perspective",
    mapping,
    "+repage",
  ];
  const { code, stdout } = await run("convert", [...args, "-scale", `${n}x1!`, "-depth", "8", "txt:-"]);
  if (code !== 0) return 0;
  const red = [...stdout.matchAll(/^(\d+),0: \((\d+),(\d+),(\d+)/gm)].map((m) => {
    const [r, g, b] = [Number(m[2]), Number(m[3]), Number(m[4])];
    return r - Math.max(g, b) > 30 && r > 1.5 * Math.max(g, b);
  });
  if (red.length !== n || red[0]) return 0;
  let k = 0;
  while (k < n && red[n - 1 - k]) k++;
  return k;
}

export const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * The value most photos gave, and whether any photo disagreed. A tie goes to the value `favoured`
 * says more for (then the larger).
 */
function majority<T extends number | boolean>(
  values: T[],
  favoured: (v: T) => number = () => 0,
): { value: T; agreed: boolean } {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const [value] = [...counts.entries()].sort(
    (a, b) => b[1] - a[1] || favoured(b[0]) - favoured(a[0]) || Number(b[0]) - Number(a[0]),
  )[0] as [T, number];
  return { value, agreed: counts.size === 1 };
}

export interface Draft {
  profile: MeterProfile & { crop: NonNullable<MeterProfile["crop"]>; rotate: number; invert: boolean; digits: number };
  /** What a person should check: photos that disagree on the wheels or the colours. */
  warnings: string[];
}

/**
 * The profile from the photos where the counter was found: `crop` the bounding box of every
 * located band with CROP_MARGIN of its size on each side (inside the smallest photo), `rotate` the
 * median rotation that levels the row (the row's skew, undone: ImageMagick turns clockwise for a
 * positive angle), `invert` and `digits` what most photos showed (`digits` given wins). `redAtEnd`
 * (per photo, redWheelsAtEnd) leaves out red wheels at the end of the row, the decimals, where
 * most photos with the counted wheels show them.
 */
export function draftProfile(
  found: (PhotoSearch & { result: { ok: true } })[],
  digits?: number,
  redAtEnd?: number[],
): Draft {
  if (found.length === 0) throw new Error("no photo with a counter to draft a profile from");
  const located = found.map((f) => f.result.located);
  const xs = located.flatMap((l) => l.corners.map((c) => c[0]));
  const ys = located.flatMap((l) => l.corners.map((c) => c[1]));
  const [left, right, top, bottom] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const [mx, my] = [CROP_MARGIN * (right - left), CROP_MARGIN * (bottom - top)];
  const width = Math.min(...found.map((f) => f.width));
  const height = Math.min(...found.map((f) => f.height));
  const x = Math.max(0, Math.floor(left - mx));
  const y = Math.max(0, Math.floor(top - my));
  const crop = {
    x,
    y,
    width: Math.min(width, Math.ceil(right + mx)) - x,
    height: Math.min(height, Math.ceil(bottom + my)) - y,
  };
  const rotate = Math.round(-median(located.map((l) => l.skew)) * 10) / 10 || 0;

  const warnings: string[] = [];
  const byValue = <T>(value: (f: PhotoSearch & { result: { ok: true } }) => T) => {
    const groups = new Map<T, string[]>();
    for (const f of found) groups.set(value(f), [...(groups.get(value(f)) ?? []), f.photo]);
    return [...groups.entries()].map(([v, photos]) => `${String(v)} in ${photos.join(", ")}`).join("; ");
  };
  // A count some photo showed as whole digits on every wheel is better founded than one with a
  // wheel that never showed a digit (the edge of a frame, a label): ties go to it.
  const wheels = majority(
    located.map((l) => l.cells.length),
    (n) => located.filter((l) => l.cells.length === n && l.found >= n).length,
  );
  if (!wheels.agreed) {
    warnings.push(
      digits === undefined
        ? `the photos disagree on the number of wheels (${byValue((f) => f.result.located.cells.length)}): digits ${wheels.value}; give --digits if that is wrong`
        : `the photos disagree on the number of wheels (${byValue((f) => f.result.located.cells.length)}); digits ${digits} as given`,
    );
  }
  const inverted = majority(located.map((l) => l.inverted));
  if (!inverted.agreed) {
    warnings.push(
      `the photos disagree on light digits on dark (${byValue((f) => f.result.located.inverted)}): invert ${inverted.value}; give --invert or --no-invert if that is wrong`,
    );
  }
  let counted = digits ?? wheels.value;
  if (digits === undefined && redAtEnd) {
    const red = redAtEnd.filter((k, i) => k > 0 && found[i]?.result.located.cells.length === wheels.value);
    const of = found.filter((f) => f.result.located.cells.length === wheels.value).length;
    if (red.length > 0 && 2 * red.length >= of) {
      const k = Math.min(...red);
      counted = wheels.value - k;
      warnings.push(
        `the last ${k} of the ${wheels.value} wheels look red, decimal wheels: digits ${counted} (the integer wheels); give --digits ${wheels.value} if they count too`,
      );
    }
  }
  return { profile: { crop, rotate, invert: inverted.value, digits: counted }, warnings };
}
