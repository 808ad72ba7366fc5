/**
 * Generates synthetic meter photos with known readings, their profile and truth.csv; the
 * bundled samples (`npm run ocr` reads them with no --input) are made with the defaults:
 * `npx tsx scripts/generate-samples.ts [--out samples] [--count 14] [--seed 7]`.
 * One camera on one meter, like a real installation: every photo shares the profile, and each
 * differs in reading, camera shake, focus, noise, light, glare and how far the last wheel has
 * turned. Deterministic: the same arguments give the same photos.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { DEFAULT_CAMERA, drawMeterPhoto, profileFor, type MeterPhotoSpec } from "./meter-photos";

const DIGITS = 5;
/**
 * The last wheel turns continuously. Past this share of a turn the next digit sits almost square
 * in the window and reads as that digit, as a person would read it; the generator stays below it
 * so that the truth (the lower digit) is what the counter shows.
 */
export const MAX_TURN = 0.85;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10000) throw new InvalidArgumentError("must be a whole number from 1 to 10000");
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

export function sampleSpecs(count: number, seed: number): (MeterPhotoSpec & { photo: string })[] {
  const random = numbers(seed);
  const next = () => random.next().value as number;
  const between = (lo: number, hi: number) => lo + next() * (hi - lo);
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    // Real counters mostly show small values with leading zeros; some end in 9s, where a turning
    // last wheel carries into the wheels to its left.
    let reading = String(Math.floor(next() ** 3 * 10 ** DIGITS)).padStart(DIGITS, "0");
    if (next() < 0.15) reading = reading.slice(0, DIGITS - 2) + (next() < 0.5 ? "99" : reading[DIGITS - 2] + "9");
    return {
      photo: `meter-${String(i).padStart(3, "0")}.jpg`,
      reading,
      camera: DEFAULT_CAMERA,
      shake: { x: between(-5, 5), y: between(-5, 5), tilt: between(-1, 1) },
      turn: next() < 0.35 ? 0 : between(0, MAX_TURN),
      seed: seed * 1000 + i,
      glare: next() < 0.4 ? [between(150, 650), between(100, 500)] : undefined,
      blur: between(0.6, 1.5),
      noise: between(0.2, 0.5),
      light: between(0.8, 1.1),
      quality: Math.round(between(70, 90)),
    };
  });
}

if (require.main === module) {
  const opts = new Command()
    .name("generate-samples")
    .description("Draws synthetic meter photos with known readings, their profile and truth.csv.")
    .option("--out <dir>", "output directory", "samples")
    .option("--count <n>", "how many photos", positiveInt, 14)
    .option("--seed <n>", "seed for readings and noise", positiveInt, 7)
    .parse()
    .opts<{ out: string; count: number; seed: number }>();
  mkdirSync(opts.out, { recursive: true });
  // `turn`: how far the last wheel had turned, for readers of the set (the eval reads photo and reading).
  const truth = ["photo,reading,turn"];
  for (const spec of sampleSpecs(opts.count, opts.seed)) {
    drawMeterPhoto(path.join(opts.out, spec.photo), spec);
    truth.push(`${spec.photo},${spec.reading},${(spec.turn ?? 0).toFixed(2)}`);
  }
  writeFileSync(path.join(opts.out, "profile.json"), JSON.stringify(profileFor(DEFAULT_CAMERA, DIGITS), null, 2) + "\n");
  writeFileSync(path.join(opts.out, "truth.csv"), truth.join("\n") + "\n");
  console.log(`${opts.count} photos, profile.json and truth.csv in ${opts.out}`);
}
