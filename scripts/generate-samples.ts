/**
 * Generates synthetic meter photos with known readings, their profiles and truth.csv; the
 * bundled samples (`npm run ocr` reads them with no --input) are made with the defaults:
 * `npx tsx scripts/generate-samples.ts [--out samples] [--count 14] [--seed 7] [--style classic]`.
 * One camera on one meter, like a real installation: every photo shares the profile, and each
 * differs in reading, camera shake, focus, noise, light, glare and how far the last wheel has
 * turned. A style (meter-styles.ts, listed by --help) says what the meter looks like and what the
 * camera and the photos vary in. Deterministic: the same arguments give the same photos.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { MeterProfile, Point } from "../contracts/meter-profile";
import {
  drawMeterPhoto,
  lookProfile,
  meterOutline,
  PHOTO_H,
  PHOTO_W,
  subDialIn,
  windowOutline,
  type Camera,
  type MeterLook,
  type MeterPhotoSpec,
  type Stripe,
} from "./meter-photos";
import { STYLES, styleNamed, type MeterStyle, type Range } from "./meter-styles";

/**
 * The last wheel turns continuously. Past this share of a turn the next digit sits almost square
 * in the window and reads as that digit, as a person would read it; the generator stays below it
 * so that the truth (the lower digit) is what the counter shows.
 */
export const MAX_TURN = 0.85;

/** What a new user writes for a meter in a few minutes: a loose box around the window, a guessed rotation. */
export interface RoughProfile {
  crop: { x: number; y: number; width: number; height: number };
  rotate: number;
  digits: number;
  invert: boolean;
  /** Where the user sees the ×0.1 dial, clicked by eye: its centre a few pixels off, its radius a tenth. */
  tenthsDial?: { centre: Point; radius: number };
}

export type SampleSpec = MeterPhotoSpec & {
  photo: string;
  /** How far the last integer wheel has turned (0 unless the decimal wheels carry into it): truth.csv's `turn`. */
  readingTurn: number;
};

export interface SampleSet {
  style: MeterStyle;
  /** The style's look with this set's label texts. */
  look: MeterLook;
  camera: Camera;
  digits: number;
  photos: SampleSpec[];
  profile: MeterProfile;
  roughProfile: RoughProfile;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10000)
    throw new InvalidArgumentError("must be a whole number from 1 to 10000");
  return n;
}

/** A small linear congruential generator: reproducible photos without a dependency. */
function* numbers(seed: number): Generator<number> {
  let state = seed;
  for (;;) {
    state = (state * 1103515245 + 12345) % 2147483648;
    yield state / 2147483648;
  }
}

function draws(seed: number) {
  const random = numbers(seed);
  const next = () => random.next().value as number;
  const between = (lo: number, hi: number) => lo + next() * (hi - lo);
  /** A value of a range; a range of one value takes nothing from the stream. */
  const pick = ([lo, hi]: Range) => (lo === hi ? lo : between(lo, hi));
  const whole = ([lo, hi]: Range) => (lo === hi ? lo : Math.min(hi, lo + Math.floor(next() * (hi - lo + 1))));
  return { next, between, pick, whole };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Shrinks the camera's scale until the meter (window, labels) stays `border` pixels inside the photo. */
function fitted(look: MeterLook, camera: Camera, digits: number, border: number): Camera {
  const [cx, cy] = camera.centre;
  let f = 1;
  for (const [x, y] of meterOutline(look, camera, digits)) {
    const dx = x - cx;
    const dy = y - cy;
    if (dx > 0) f = Math.min(f, (PHOTO_W - border - cx) / dx);
    if (dx < 0) f = Math.min(f, (border - cx) / dx);
    if (dy > 0) f = Math.min(f, (PHOTO_H - border - cy) / dy);
    if (dy < 0) f = Math.min(f, (border - cy) / dy);
  }
  return f >= 1 ? camera : { ...camera, scale: Math.floor((camera.scale ?? 1) * f * 1000) / 1000 };
}

/** The set's meter and camera, and the rough profile a user would write for it. */
function setUp(style: MeterStyle, seed: number) {
  // Its own stream, so that the photos' stream (and the classic samples) stay as they were.
  const d = draws((seed * 7919 + 104729 + style.salt * 1299709) % 2147483648);
  const digits = d.whole(style.digits);
  const c = style.camera;
  const sign = c.eitherWay && d.next() < 0.5 ? -1 : 1;
  let camera: Camera = {
    tilt: round1(sign * d.pick(c.tilt)),
    perspective: Math.round(d.pick(c.perspective) * 1000) / 1000,
    centre: [round1(d.pick(c.centre.x)), round1(d.pick(c.centre.y))],
  };
  const scale = d.pick(c.scale);
  if (scale !== 1) camera.scale = Math.round(scale * 1000) / 1000;
  const plate = style.look.plate;
  const look: MeterLook = plate
    ? {
        ...style.look,
        plate: {
          ...plate,
          labels: plate.labels.map((l) => ({
            ...l,
            text: l.text.replace(/#/g, () => String(Math.floor(d.next() * 10))),
          })),
        },
      }
    : style.look;
  camera = fitted(look, camera, digits, 12 + Math.max(style.shake.x, style.shake.y));
  // The window's bounding box, a 10-30 % margin on each side, kept inside the photo.
  const outline = windowOutline(look, camera, digits);
  const xs = outline.map((p) => p[0]);
  const ys = outline.map((p) => p[1]);
  const [left, right, top, bottom] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const [w, h] = [right - left, bottom - top];
  const x0 = Math.max(0, Math.floor(left - w * d.between(0.1, 0.3)));
  const x1 = Math.min(PHOTO_W, Math.ceil(right + w * d.between(0.1, 0.3)));
  const y0 = Math.max(0, Math.floor(top - h * d.between(0.1, 0.3)));
  const y1 = Math.min(PHOTO_H, Math.ceil(bottom + h * d.between(0.1, 0.3)));
  // The window is turned `tilt` degrees clockwise; ImageMagick's -rotate -tilt levels it. The user's guess is off by up to 8°.
  const rotate = round1(-camera.tilt + d.between(-8, 8));
  const roughProfile: RoughProfile = {
    crop: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
    rotate,
    digits,
    invert: look.invert,
  };
  const dial = subDialIn(look, camera, digits);
  if (dial) {
    const guess = (c: number) => Math.max(0, Math.round((c + d.between(-4, 4)) * 10) / 10);
    roughProfile.tenthsDial = {
      centre: [guess(dial.centre[0]), guess(dial.centre[1])],
      radius: Math.round(dial.radius * d.between(0.9, 1.1) * 10) / 10,
    };
  }
  return { look, camera, digits, roughProfile };
}

/** A set of photos of one meter in this style: the specs to draw, the profile and the rough profile. */
export function sampleSet(count: number, seed: number, style: MeterStyle = STYLES[0] as MeterStyle): SampleSet {
  const { look, camera, digits, roughProfile } = setUp(style, seed);
  const photoSeed = seed + style.salt * 100003;
  const { next, between, whole } = draws(photoSeed);
  const [cx, cy] = camera.centre;
  const row = lookProfile(look, camera, digits).corners as [Point, Point, Point, Point];
  const photos = Array.from({ length: count }, (_, k): SampleSpec => {
    const i = k + 1;
    // Real counters mostly show small values with leading zeros; some end in 9s, where a turning
    // last wheel carries into the wheels to its left.
    let reading = String(Math.floor(next() ** 3 * 10 ** digits)).padStart(digits, "0");
    if (next() < style.nines)
      reading = reading.slice(0, digits - 2) + (next() < 0.5 ? "99" : reading[digits - 2] + "9");
    const { shake, glare } = style;
    const spec: SampleSpec = {
      photo: `meter-${String(i).padStart(3, "0")}.jpg`,
      reading,
      look,
      camera,
      shake: { x: between(-shake.x, shake.x), y: between(-shake.y, shake.y), tilt: between(-shake.tilt, shake.tilt) },
      turn: next() < style.squareTurns ? 0 : between(0, MAX_TURN),
      seed: photoSeed * 1000 + i,
      glare:
        next() < glare.chance
          ? [between(cx - glare.dx, cx + glare.dx), between(cy - glare.dy, cy + glare.dy)]
          : undefined,
      blur: between(...style.blur),
      noise: between(...style.noise),
      light: between(...style.light),
      quality: Math.round(between(...style.quality)),
      readingTurn: 0,
    };
    // Draws the classic style does not make come after the ones it does, so its photos stay as they were.
    if (look.decimals) {
      const n = look.decimals.count;
      spec.decimals =
        next() < (style.decimalNines ?? 0)
          ? "9".repeat(n)
          : Array.from({ length: n }, () => String(Math.floor(next() * 10))).join("");
    }
    const stripes = style.stripes;
    if (stripes && next() < stripes.chance) {
      spec.stripes = Array.from({ length: whole(stripes.count) }, (): Stripe => {
        // Through a point on the row of wheels, so the band crosses digits.
        const t = between(0.08, 0.92);
        const along = (a: Point, b: Point): Point => [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        const [p, q] = [along(row[0], row[1]), along(row[3], row[2])];
        const through: Point = [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
        return {
          through,
          angle: between(...stripes.angle),
          width: between(...stripes.width),
          strength: between(...stripes.strength),
        };
      });
    }
    // The truth's last wheel turns only when the wheels right of it (the decimals) all go from 9 to 0.
    spec.readingTurn = /^9*$/.test(spec.decimals ?? "") ? (spec.turn ?? 0) : 0;
    return spec;
  });
  return { style, look, camera, digits, photos, profile: lookProfile(look, camera, digits), roughProfile };
}

/** The photos of a set (the classic style by default), as sampleSet draws them. */
export function sampleSpecs(count: number, seed: number, style?: MeterStyle): SampleSpec[] {
  return sampleSet(count, seed, style).photos;
}

/** Draws a set into `dir`: the photos, profile.json, rough-profile.json and truth.csv. */
export function writeSampleSet(dir: string, count: number, seed: number, style?: MeterStyle): SampleSet {
  const set = sampleSet(count, seed, style);
  mkdirSync(dir, { recursive: true });
  // `turn`: how far the last wheel of the reading had turned, for readers of the set (the eval reads photo and reading).
  const truth = ["photo,reading,turn"];
  for (const spec of set.photos) {
    drawMeterPhoto(path.join(dir, spec.photo), spec);
    truth.push(`${spec.photo},${spec.reading},${spec.readingTurn.toFixed(2)}`);
  }
  writeFileSync(path.join(dir, "profile.json"), JSON.stringify(set.profile, null, 2) + "\n");
  writeFileSync(path.join(dir, "rough-profile.json"), JSON.stringify(set.roughProfile, null, 2) + "\n");
  writeFileSync(path.join(dir, "truth.csv"), truth.join("\n") + "\n");
  return set;
}

function styleOption(value: string): MeterStyle {
  const style = styleNamed(value);
  if (!style) throw new InvalidArgumentError(`no such style; the styles are: ${STYLES.map((s) => s.name).join(", ")}`);
  return style;
}

if (require.main === module) {
  const width = Math.max(...STYLES.map((s) => s.name.length));
  const opts = new Command()
    .name("generate-samples")
    .description("Draws synthetic meter photos with known readings, their profile, a rough profile and truth.csv.")
    .option("--out <dir>", "output directory", "samples")
    .option("--count <n>", "how many photos", positiveInt, 14)
    .option("--seed <n>", "seed for readings and noise", positiveInt, 7)
    .addOption(
      new Option("--style <name>", "what the meter looks like (see Styles below)")
        .argParser(styleOption)
        .default(STYLES[0], "classic"),
    )
    .addHelpText("after", `\nStyles:\n${STYLES.map((s) => `  ${s.name.padEnd(width)}  ${s.description}`).join("\n")}`)
    .parse()
    .opts<{ out: string; count: number; seed: number; style: MeterStyle }>();
  writeSampleSet(opts.out, opts.count, opts.seed, opts.style);
  console.log(
    `${opts.count} photos (style ${opts.style.name}), profile.json, rough-profile.json and truth.csv in ${opts.out}`,
  );
}
