/**
 * Generates the bundled sample photos (`npm run ocr` reads them with no --input) with their
 * profile and truth: `npx tsx scripts/generate-samples.ts [--out samples] [--count 12]`.
 * Deterministic: the same arguments give the same readings and noise.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { drawMeterPhoto, profileFor } from "./meter-photos";

const TILT = 12;
const DIGITS = 5;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError("must be a whole number from 1 to 1000");
  return n;
}

/** A small linear congruential generator: reproducible readings without a dependency. */
function* numbers(seed: number): Generator<number> {
  let state = seed;
  for (;;) {
    state = (state * 1103515245 + 12345) % 2147483648;
    yield state / 2147483648;
  }
}

const program = new Command()
  .name("generate-samples")
  .description("Draws synthetic meter photos with known readings, their profile and truth.csv.")
  .option("--out <dir>", "output directory", "samples")
  .option("--count <n>", "how many photos", positiveInt, 12)
  .option("--seed <n>", "seed for readings and noise", positiveInt, 7)
  .parse();
const opts = program.opts<{ out: string; count: number; seed: number }>();

mkdirSync(opts.out, { recursive: true });
const random = numbers(opts.seed);
const next = () => random.next().value as number;
const truth = ["photo,reading"];
for (let i = 1; i <= opts.count; i++) {
  // Real counters mostly show small values with leading zeros.
  const reading = String(Math.floor(next() ** 3 * 10 ** DIGITS)).padStart(DIGITS, "0");
  const photo = `meter-${String(i).padStart(3, "0")}.jpg`;
  drawMeterPhoto(path.join(opts.out, photo), {
    reading,
    tilt: TILT,
    seed: opts.seed * 1000 + i,
    glare: next() < 0.4,
    // A wheel slightly turned still shows its digit mostly: the reading is that (lower) digit.
    lastWheelTurn: next() < 0.25 ? 0.1 : 0,
  });
  truth.push(`${photo},${reading}`);
}
writeFileSync(path.join(opts.out, "profile.json"), JSON.stringify(profileFor(TILT, DIGITS), null, 2) + "\n");
writeFileSync(path.join(opts.out, "truth.csv"), truth.join("\n") + "\n");
console.log(`${opts.count} photos, profile.json and truth.csv in ${opts.out}`);
