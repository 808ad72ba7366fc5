import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  DigitShapes,
  inkByLevels,
  levelsOf,
  sampleShape,
  SHAPE_H,
  SHAPE_W,
  type Shape,
} from "../../worker/digit-shapes";
import { blankImage } from "../../worker/pgm";
import { matchPieces, matchWhole } from "../../worker/shape-reading";
import { typefaceShapes } from "../../worker/typeface-shapes";
import { TYPEFACE } from "../../scripts/meter-photos";

let dir: string;
let drawn: Shape[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "digit-shapes-"));
  drawn = await typefaceShapes(TYPEFACE, dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Only rows `from..to` of a shape show (a piece of a digit cut by the window). */
function rows(shape: Shape, from: number, to: number): Shape {
  return shape.map((v, i) => (Math.floor(i / SHAPE_W) >= from && Math.floor(i / SHAPE_W) <= to ? v : NaN));
}

const mean = (shape: Shape) => shape.reduce((s, v) => s + (Number.isNaN(v) ? 0 : v), 0) / shape.length;

describe("digit shapes", () => {
  test("a digit's ink is measured against its own surroundings: glare is not ink, a digit under it still is", () => {
    const img = blankImage(200, 80);
    // Glare: the inverted band darkens smoothly towards the left, down to a quarter of its brightness.
    for (let y = 0; y < 80; y++) for (let x = 0; x < 200; x++) img.data[y * 200 + x] = Math.round(60 + 170 * (x / 199));
    // A dark bar (a "1") under the glare, and one in the clear.
    for (const left of [20, 150])
      for (let y = 20; y < 60; y++) for (let x = left; x < left + 8; x++) img.data[y * 200 + x] = 10;
    const levels = levelsOf(img);
    const glareOnly = sampleShape(img, levels, 60, 20, 40);
    expect(mean(glareOnly)).toBeLessThan(0.01);
    const underGlare = sampleShape(img, levels, 24, 20, 40);
    const inClear = sampleShape(img, levels, 154, 20, 40);
    expect(Math.abs(mean(underGlare) - mean(inClear))).toBeLessThan(0.02);
    expect(mean(inClear)).toBeGreaterThan(0.15);
  });

  test("a digit greyed by a reflection is still ink; a faint smudge there, or the shade at a frame's foot, is not", () => {
    const [w, h] = [280, 80];
    const img = blankImage(w, h);
    // Inverted band: the wheels' ground at 200, a reflection brightening it to 254, shade beyond.
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = x < 140 ? 200 : x < 240 ? 254 : 190;
    const bar = (left: number, width: number, value: number) => {
      for (let y = 20; y < 60; y++) for (let x = left; x < left + width; x++) img.data[y * w + x] = value;
    };
    for (let left = 10; left <= 110; left += 20) bar(left, 6, 0);
    bar(160, 6, 170); // a digit the reflection greys to a third of the band's contrast
    bar(200, 6, 214); // a smudge on the reflection
    bar(255, 3, 105); // the shade at the foot of a frame
    const mask = inkByLevels(img, levelsOf(img));
    const share = (left: number) => {
      let n = 0;
      for (let y = 25; y < 55; y++) for (let x = left + 1; x < left + 3; x++) n += mask[y * w + x] as number;
      return n / 60;
    };
    expect(share(50)).toBeGreaterThan(0.9);
    expect(share(160)).toBeGreaterThan(0.9);
    expect(share(200)).toBeLessThan(0.05);
    expect(share(255)).toBeLessThan(0.05);
  });

  test("the typeface's ten digits are told apart, each matching itself by a wide margin", () => {
    const shapes = DigitShapes.of(drawn);
    for (let d = 0; d < 10; d++) expect(matchWhole(drawn[d] as Shape, shapes)).toEqual({ digit: d, confidence: 1 });
  });

  test("every pair of consecutive digits caught between two reads as the digit leaving at the top, however far it has turned", () => {
    const shapes = DigitShapes.of(drawn);
    for (let d = 0; d < 10; d++) {
      for (const shown of [0.25, 0.5, 0.75]) {
        // The foot of d (its bottom `shown` share) above the head of d+1 (the rest).
        const cut = Math.round(SHAPE_H * shown);
        const read = matchPieces(
          {
            upper: rows(drawn[d] as Shape, SHAPE_H - cut, SHAPE_H - 1),
            lower: rows(drawn[(d + 1) % 10] as Shape, 0, SHAPE_H - cut - 1),
          },
          shapes,
        );
        expect({ d, shown, digit: read?.digit }).toEqual({ d, shown, digit: d });
        expect(read?.confidence).toBeGreaterThan(0.6);
      }
    }
  });

  test("until the batch has shown every digit, shapes are read only among the digits and pairs it knows: partial", () => {
    const partial = new DigitShapes();
    drawn.slice(0, 9).forEach((shape, d) => partial.add(d, shape));
    expect(partial.missing()).toEqual([9]);
    // Among the digits shown, a 3 looks like a 3; a digit never shown could look more like it still.
    expect(matchWhole(drawn[3] as Shape, partial)).toMatchObject({ digit: 3, partial: true });
    const pieces = (d: number) => ({
      upper: rows(drawn[d] as Shape, 20, SHAPE_H - 1),
      lower: rows(drawn[(d + 1) % 10] as Shape, 0, 19),
    });
    expect(matchPieces(pieces(3), partial)).toMatchObject({ digit: 3, partial: true });
    // The pairs with the 9, (8, 9) and (9, 0), cannot be scored: their pieces read as some known pair.
    expect(matchPieces(pieces(8), partial)?.digit).not.toBe(8);
    // With fewer than two pairs known, nothing is read.
    const few = new DigitShapes();
    [0, 1].forEach((d) => few.add(d, drawn[d] as Shape));
    expect(matchPieces(pieces(0), few)).toBeUndefined();
  });

  test("a batch learns no shape for a digit whose examples disagree: a 5 misread as a 3 does not teach the 3", () => {
    // Every digit shown twice, with a little noise: examples of one digit sit close together.
    const noisy = (shape: Shape, seed: number) => shape.map((v, i) => v + 0.02 * Math.sin(seed * 7.1 + i * 1.3));
    const examples = [0, 1, 2, 4, 7, 9].flatMap((d) =>
      [1, 2].map((k) => ({ digit: d, shape: noisy(drawn[d] as Shape, d * 3 + k) })),
    );
    const withThrees = (second: Shape) =>
      DigitShapes.learnt([...examples, { digit: 3, shape: noisy(drawn[3] as Shape, 1) }, { digit: 3, shape: second }]);
    expect(withThrees(noisy(drawn[3] as Shape, 2)).missing()).toEqual([5, 6, 8]);
    // Tesseract read the batch's only 5 as a 3, sure of it: no 3 is known, so neither can vouch.
    expect(withThrees(noisy(drawn[5] as Shape, 2)).missing()).toEqual([3, 5, 6, 8]);
  });

  test("two digits whose shapes lie as near as one digit's examples do are confusable: Tesseract has taught one the other's look", () => {
    const noisy = (shape: Shape, seed: number) => shape.map((v, i) => v + 0.02 * Math.sin(seed * 7.1 + i * 1.3));
    const examples = [0, 1, 2, 3, 4, 5, 7, 8, 9].flatMap((d) =>
      [1, 2].map((k) => ({ digit: d, shape: noisy(drawn[d] as Shape, d * 3 + k) })),
    );
    // Blurred 0s Tesseract read as 6s: like each other, and nearer the 0s than to any real 6.
    const blurredZero = (drawn[0] as Shape).map((v) => v + 0.015);
    const sixes = [1, 2].map((k) => ({ digit: 6, shape: noisy(blurredZero, 40 + k) }));
    const shapes = DigitShapes.learnt([...examples, ...sixes]);
    expect(shapes.missing()).toEqual([]);
    expect(shapes.confusableWith(6)).toEqual([0]);
    expect(shapes.confusableWith(0)).toEqual([6]);
    expect(shapes.confusableWith(5)).toEqual([]);
    expect(matchWhole(noisy(blurredZero, 50), shapes)).toMatchObject({ digit: 6, confusable: [0] });
    // Learnt as they should be, and drawn from the typeface, the ten are told apart.
    const right = DigitShapes.learnt([
      ...examples,
      ...[1, 2].map((k) => ({ digit: 6, shape: noisy(drawn[6] as Shape, k) })),
    ]);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((d) => right.confusableWith(d))).toEqual([]);
    expect(DigitShapes.of(drawn).confusableWith(6)).toEqual([]);
  });

  test("a typeface ImageMagick cannot draw is refused, naming it", async () => {
    await expect(typefaceShapes("No-Such-Typeface-Bold", dir)).rejects.toThrow(
      /cannot draw digits in typeface "No-Such-Typeface-Bold"/,
    );
  });
});
