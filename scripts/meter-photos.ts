/**
 * Draws realistic meter photos with known readings using ImageMagick: a grey dial face with a
 * dark counter window of white-on-black wheels, seen by a camera at an angle (rotation and
 * perspective) that shakes a little from photo to photo, with blur, noise, uneven light, glare
 * and JPEG artefacts. The last wheel turns continuously, so it is often caught between two
 * digits; a wheel left of a run of 9s turns with it (the carry).
 * Used by the sample generator and by the tests, so both read the same kind of photo.
 */
import { execFileSync } from "node:child_process";
import type { MeterProfile, Point } from "../contracts/meter-profile";

export const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf";
/** FONT's name for ImageMagick (through fontconfig), as a profile gives it to the worker. */
export const TYPEFACE = "DejaVu-Sans-Mono-Bold";

const PHOTO_W = 800;
const PHOTO_H = 600;
const CELL_W = 84;
const CELL_H = 130;
const GAP = 8;
const GLARE_RADIUS = 170;

/** Where the camera sees the counter window: fixed for a set of photos (one camera on one meter). */
export interface Camera {
  /** Degrees the window is rotated (clockwise). */
  tilt: number;
  /** How much taller the window's right end looks than its left (0.1 = 10% taller at the right, 10% shorter at the left). */
  perspective: number;
  /** The window's centre in the photo. */
  centre: Point;
}

export const DEFAULT_CAMERA: Camera = { tilt: 12, perspective: 0.06, centre: [400, 300] };

export interface MeterPhotoSpec {
  /** The reading: every wheel's digit, the lower one for a wheel caught between two. */
  reading: string;
  camera?: Camera;
  /** Camera shake for this photo: pixels and degrees added to the camera's position and tilt. */
  shake?: { x: number; y: number; tilt: number };
  /** 0..1: how far the last wheel has turned towards its next digit (0 = square on its digit). */
  turn?: number;
  /** Seed for the noise, so a photo is reproducible. */
  seed: number;
  /** A glare spot (a reflection of a lamp or the sky) centred here in the photo. */
  glare?: Point;
  /** Gaussian blur sigma in pixels (focus); 1.1 by default. */
  blur?: number;
  /** Sensor noise strength (ImageMagick -attenuate); 0.35 by default. */
  noise?: number;
  /** Overall exposure, 1 = normal. */
  light?: number;
  /** JPEG quality, 82 by default. */
  quality?: number;
}

function windowSize(digits: number): { width: number; height: number } {
  return { width: digits * (CELL_W + GAP) + GAP, height: CELL_H + 2 * GAP };
}

/** Where a point of the (flat) window image lands in the photo. */
function project(camera: Camera, digits: number, px: number, py: number): Point {
  const { width, height } = windowSize(digits);
  const u = px - width / 2;
  const v = (py - height / 2) * (1 + (camera.perspective * u) / (width / 2));
  const t = (camera.tilt * Math.PI) / 180;
  return [camera.centre[0] + u * Math.cos(t) - v * Math.sin(t), camera.centre[1] + u * Math.sin(t) + v * Math.cos(t)];
}

const round1 = (p: Point): Point => [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];

/** The profile that locates the row of wheels (inside the window's frame) in photos from this camera. */
export function profileFor(camera: Camera, digits: number): MeterProfile {
  const { width, height } = windowSize(digits);
  const corners = [
    [GAP, GAP],
    [width - GAP, GAP],
    [width - GAP, height - GAP],
    [GAP, height - GAP],
  ].map(([x, y]) => round1(project(camera, digits, x as number, y as number))) as [Point, Point, Point, Point];
  // Glare darkens whole patches of the inverted band: ink has to stand out more than on the default.
  // The typeface is the one the wheels are drawn in, by the name ImageMagick knows it by.
  return { corners, invert: true, digits, inkContrast: 0.3, typeface: TYPEFACE };
}

/** The digits a wheel shows: `turn` moves the digit up and out while the next one comes in from below. */
function wheelArgs(x: number, digit: string, turn: number): string[] {
  const shift = Math.round(turn * CELL_H);
  const next = String((Number(digit) + 1) % 10);
  const args = ["-fill", "#000000", "-draw", `rectangle ${x},${GAP} ${x + CELL_W},${GAP + CELL_H}`];
  args.push("-fill", "#f0f0f0", "-annotate", `+${x + 10}+${GAP + 2 - shift}`, digit);
  if (shift > 0) args.push("-annotate", `+${x + 10}+${GAP + 2 - shift + CELL_H}`, next);
  return args;
}

function windowArgs(reading: string, turn: number): string[] {
  const { width, height } = windowSize(reading.length);
  const args = ["(", "-size", `${width}x${height}`, "xc:#151515", "-font", FONT, "-pointsize", "104", "-gravity", "NorthWest"];
  const last = reading.length - 1;
  [...reading].forEach((digit, i) => {
    // A wheel turns with the last one only while every wheel to its right goes from 9 to 0.
    const carries = i === last || [...reading.slice(i + 1)].every((d) => d === "9");
    args.push(...wheelArgs(GAP + i * (CELL_W + GAP), digit, carries ? turn : 0));
  });
  // Paint over whatever a turned wheel drew outside its cells.
  args.push("-fill", "#151515", "-draw", `rectangle 0,0 ${width},${GAP - 1}`, "-draw", `rectangle 0,${GAP + CELL_H + 1} ${width},${height}`);
  return args;
}

export function drawMeterPhoto(file: string, spec: MeterPhotoSpec): void {
  const base = spec.camera ?? DEFAULT_CAMERA;
  const shake = spec.shake ?? { x: 0, y: 0, tilt: 0 };
  const camera: Camera = { ...base, tilt: base.tilt + shake.tilt, centre: [base.centre[0] + shake.x, base.centre[1] + shake.y] };
  const digits = spec.reading.length;
  const { width, height } = windowSize(digits);
  const mapping = [
    [0, 0],
    [width, 0],
    [width, height],
    [0, height],
  ]
    .map(([x, y]) => `${x},${y} ${round1(project(camera, digits, x as number, y as number)).join(",")}`)
    .join("  ");
  const args = [
    "-seed", String(spec.seed),
    "-size", `${PHOTO_W}x${PHOTO_H}`, "xc:#9a9a9a",
    "-fill", "#d2d2d2", "-draw", `circle ${PHOTO_W / 2},${PHOTO_H / 2} ${PHOTO_W / 2},20`,
    ...windowArgs(spec.reading, spec.turn ?? 0),
    "-alpha", "set", "-virtual-pixel", "transparent", "-background", "none",
    "-define", `distort:viewport=${PHOTO_W}x${PHOTO_H}+0+0`, "-distort", "Perspective", mapping, ")",
    "-compose", "over", "-composite", "-alpha", "off",
  ];
  if (spec.light !== undefined && spec.light !== 1) args.push("-evaluate", "Multiply", String(spec.light));
  if (spec.glare) {
    const r = GLARE_RADIUS;
    const at = spec.glare.map((c) => Math.round(c - r));
    const offset = at.map((c) => (c < 0 ? String(c) : `+${c}`)).join("");
    args.push("(", "-size", `${2 * r}x${2 * r}`, "radial-gradient:#ffffffd0-#ffffff00", ")", "-geometry", offset, "-compose", "screen", "-composite", "-compose", "over");
  }
  args.push("-attenuate", String(spec.noise ?? 0.35), "+noise", "Gaussian", "-blur", `0x${spec.blur ?? 1.1}`, "-quality", String(spec.quality ?? 82), file);
  execFileSync("convert", args);
}
