import { blankImage, type GrayImage } from "../../worker/pgm";
import { betweenDigits, composeLine, findWheels, heightOf, type Wheel } from "../../worker/wheels";

const W = 300;
const H = 100;
const CELL = W / 5;

/** A light band with a dark "digit" (a ring, 24 x 40) drawn in each wheel's cell at `tops[i]`. */
function band(tops: (number | undefined)[], extra: (img: GrayImage) => void = () => {}): GrayImage {
  const img = blankImage(W, H);
  img.data.fill(220);
  tops.forEach((top, i) => {
    if (top === undefined) return;
    const left = Math.round(i * CELL + CELL / 2 - 12);
    for (let y = Math.max(0, top); y < Math.min(H, top + 40); y++) {
      for (let x = left; x < left + 24; x++) {
        const ring = y - top < 5 || top + 40 - y <= 5 || x - left < 5 || left + 24 - x <= 5;
        if (ring) img.data[y * W + x] = 30;
      }
    }
  });
  extra(img);
  return img;
}

describe("finding the wheels in a band", () => {
  test("square digits: one glyph per wheel, the digit height, offsets near 0", () => {
    const counter = findWheels(band([30, 30, 30, 30, 30]), 5, 0.2);
    expect(counter.digitHeight).toBe(40);
    expect(counter.wheels.map((w) => w.glyph && [w.glyph.top, heightOf(w.glyph)])).toEqual(Array(5).fill([30, 40]));
    expect(counter.wheels.every((w) => w.offset === 0 && w.second === undefined)).toBe(true);
  });

  test("a digit coming in from below has a positive offset, one leaving at the top a negative one, with the other digit as second", () => {
    const counter = findWheels(band([30, 30, 30, 30, 46]), 5, 0.2);
    expect(counter.wheels[4]?.offset).toBeCloseTo(16 / 40, 2);
    // Leaving: only the foot of the digit shows at the top of the band, the next one comes in under it.
    const turning = findWheels(
      band([30, 30, 30, 30, -12], (img) => drawBlock(img, 4, 75, 22)),
      5,
      0.2,
    );
    const last = turning.wheels[4];
    expect(last?.offset).toBeLessThan(0);
    expect(last?.second && [last.second.top, last.second.bottom]).toEqual([75, 96]);
  });

  test("wheels turning together (a carry) are not taken for the square ones", () => {
    const counter = findWheels(band([30, 30, 52, 52, 52]), 5, 0.2);
    expect(counter.wheels.map((w) => w.offset)).toEqual([0, 0, 0.55, 0.55, 0.55]);
  });

  test("a lit ledge joined under a digit is cut off at the digit height", () => {
    const counter = findWheels(
      band([30, 30, 30, 30, 30], (img) => drawBlock(img, 1, 70, 6, 40)),
      5,
      0.2,
    );
    expect(counter.digitHeight).toBe(40);
    expect(counter.wheels[1]?.glyph && counter.wheels[1].glyph.bottom).toBeLessThanOrEqual(70);
  });

  test("in located cells, the window's frame is no part of a digit: its bar beside the first digit, its edge across every cell", () => {
    const framed = band([30, 30, 30, 30, 30], (img) => {
      const dark = (x0: number, x1: number, y0: number, y1: number) => {
        for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) img.data[y * W + x] = 30;
      };
      dark(14, 18, 0, H - 1); // the frame's bar, down the first cell's left side, touching its digit
      dark(0, W - 1, 28, 28); // the window's top edge, across every cell, touching the digits' tops
    });
    const cells = Array.from({ length: 5 }, (_, i): [number, number] => [i * CELL, (i + 1) * CELL - 1]);
    const counter = findWheels(framed, 5, 0.2, { cells, digitTop: 30, digitHeight: 40 });
    expect(counter.digitHeight).toBe(40);
    expect(counter.wheels.map((w) => w.glyph?.top)).toEqual([30, 30, 30, 30, 30]);
    expect(counter.wheels.map((w) => w.offset)).toEqual([0, 0, 0, 0, 0]);
  });

  test("in located cells, a slanted window edge beside a digit, starting above it, does not stretch the digit up into a turning wheel", () => {
    const edged = band([30, 30, 30, 30, 30], (img) => {
      // A sliver of the frame's edge at the first cell's side (where its digit's room begins), from
      // the band's top to the digit's middle.
      for (let y = 0; y <= 50; y++) img.data[y * W + 6] = 30;
    });
    const cells = Array.from({ length: 5 }, (_, i): [number, number] => [i * CELL, (i + 1) * CELL - 1]);
    const counter = findWheels(edged, 5, 0.2, { cells, digitTop: 30, digitHeight: 40 });
    expect(counter.wheels[0]?.glyph?.top).toBe(30);
    expect(counter.wheels.map((w) => w.offset)).toEqual([0, 0, 0, 0, 0]);
  });

  test("a glare stripe joined to a digit from above is cut off at the digit height, from the end nearer the square row", () => {
    // The stripe runs from the band's top down into the digit's upper left.
    const striped = band([30, 30, 30, 30, 30], (img) => drawBlock(img, 2, 0, 34, 8));
    const counter = findWheels(striped, 5, 0.2);
    expect(counter.wheels[2]?.glyph?.top).toBe(30);
    expect(counter.wheels.map((w) => w.offset)).toEqual([0, 0, 0, 0, 0]);
  });

  test("in located cells, a digit cut to the digit height keeps to its cell's inset: a separator's shade in the margin is no part of its shape", () => {
    const shaded = band([30, 30, undefined, 30, 30], (img) => {
      drawBlock(img, 2, 30, 40, 46); // a wide digit, one blank column from the cell's inset
      drawBlock(img, 2, 0, 34, 8); // a glare stripe joining it from the band's top: it is cut
      // The separator's shade, in the cell's margin (outside its 6 px inset), over the digit's rows.
      for (let y = 32; y <= 68; y++) for (let x = 2 * CELL + 1; x <= 2 * CELL + 5; x++) img.data[y * W + x] = 30;
    });
    const cells = Array.from({ length: 5 }, (_, i): [number, number] => [i * CELL, (i + 1) * CELL - 1]);
    const counter = findWheels(shaded, 5, 0.2, { cells, digitTop: 30, digitHeight: 40 });
    const glyph = counter.wheels[2]?.glyph;
    expect(glyph && [glyph.top, glyph.left, glyph.right]).toEqual([30, 2 * CELL + 7, 2 * CELL + 52]);
    expect(counter.wheels.map((w) => w.offset)).toEqual([0, 0, 0, 0, 0]);
  });

  test("a fleck left where light washed a digit out is no digit: the wheel has no glyph, rather than a sliver read as one", () => {
    const flecked = band([30, undefined, 30, 30, 30], (img) => {
      for (let y = 0; y <= 5; y++) for (let x = CELL + 12; x <= CELL + 13; x++) img.data[y * W + x] = 30;
    });
    const counter = findWheels(flecked, 5, 0.2);
    expect(counter.wheels.map((w) => Boolean(w.glyph))).toEqual([true, false, true, true, true]);
  });

  test("a smooth glare patch is not ink; a blank wheel has no glyph", () => {
    const glare = (img: GrayImage) => {
      for (let y = 0; y < H; y++)
        for (let x = 0; x < 120; x++)
          img.data[y * W + x] = Math.max(0, (img.data[y * W + x] as number) - Math.round(170 * (1 - x / 120)));
    };
    const counter = findWheels(band([30, 30, 30, undefined, 30], glare), 5, 0.2);
    expect(counter.wheels.map((w) => (w.glyph ? heightOf(w.glyph) : 0))).toEqual([40, 40, 40, 0, 40]);
    const img = band([30, 30, 30, undefined, 30], glare);
    const pages = [composeLine(img, counter, "whole"), composeLine(img, counter, "pieces")];
    // Each wheel with a digit is counted on one page or the other; the blank one on neither.
    const onPage = counter.wheels.map((_, i) => pages.filter((p) => p && (p.spans[i]?.[0] ?? -1) >= 0).length);
    expect(onPage).toEqual([1, 1, 1, 0, 1]);
  });

  test("more wheels turning together than square ones: the square ones are those nearest the band's centre", () => {
    // The band centres a square digit at 30; three wheels of a carry sit level at 36.
    const counter = findWheels(band([28, 28, 36, 36, 36]), 5, 0.2);
    expect(counter.wheels.map((w) => w.offset)).toEqual([0, 0, 0.2, 0.2, 0.2]);
  });
});

describe("the lines Tesseract reads", () => {
  test("whole digits go on one page, a turning wheel's pieces on another, with the other wheels beside them but not counted", () => {
    // Wheel 5 shows the foot of a digit leaving at the top and the head of the next coming in.
    const img = band([30, 30, 30, 30, -22], (img) => drawBlock(img, 4, 70, 26));
    const counter = findWheels(img, 5, 0.2);
    expect(betweenDigits(counter.wheels[4] as Wheel, counter)).toBe(true);
    const whole = composeLine(img, counter, "whole");
    const pieces = composeLine(img, counter, "pieces");
    expect(whole?.spans.map((s) => s[0] >= 0)).toEqual([true, true, true, true, false]);
    expect(pieces?.spans.map((s) => s[0] >= 0)).toEqual([false, false, false, false, true]);
    expect(pieces?.secondSpans.map((s) => s[0] >= 0)).toEqual([false, false, false, false, true]);
    // Every wheel is on the pieces page for context: it is wider than the whole digits' page.
    expect(pieces?.page.width).toBeGreaterThan(whole?.page.width ?? Infinity);
  });

  test("no turning wheel, no pieces page; no whole digit, no whole page", () => {
    const square = band([30, 30, 30, 30, 30]);
    expect(composeLine(square, findWheels(square, 5, 0.2), "pieces")).toBeUndefined();
    const blank = band([undefined, undefined, undefined, undefined, undefined]);
    expect(composeLine(blank, findWheels(blank, 5, 0.2), "whole")).toBeUndefined();
  });
});

/** A solid dark block in wheel `wheel`'s cell (the lower part of a digit, or a ledge). */
function drawBlock(img: GrayImage, wheel: number, top: number, height: number, width = 24): void {
  const left = Math.round(wheel * CELL + CELL / 2 - width / 2);
  for (let y = top; y < Math.min(H, top + height); y++)
    for (let x = left; x < left + width; x++) img.data[y * W + x] = 30;
}
