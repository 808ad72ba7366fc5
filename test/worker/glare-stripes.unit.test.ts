import { levelsOf } from "../../worker/digit-shapes";
import { withoutGlareStripes } from "../../worker/glare-stripes";
import type { GrayImage } from "../../worker/pgm";

/** A band 72 px high, its digits 48 px from row 12: light ground, one black upright stroke. */
const W = 120;
const H = 72;
const TOP = 12;
const DIGIT = 48;
function band(paint: (x: number, y: number) => number | undefined): GrayImage {
  const data = new Uint8Array(W * H).fill(240);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = paint(x, y) ?? 240;
  return { width: W, height: H, data };
}
const stroke = (x: number, y: number) => x >= 50 && x < 58 && y >= TOP && y < TOP + DIGIT;
/** A grey bar 8 px wide running from (30, 0) down to (30 + 0.5·H, H): a glare stripe in the band. */
const onStripe = (x: number, y: number) => Math.abs(x - (30 + 0.5 * y)) < 4;
const at = (img: GrayImage, x: number, y: number) => img.data[y * W + x] as number;

describe("glare stripes taken out of a band", () => {
  test("a slanting grey bar from the band's top to its foot is painted back to the ground; the stroke it crosses stays", () => {
    const img = band((x, y) => (stroke(x, y) ? 10 : onStripe(x, y) ? 90 : undefined));
    const { band: out, lines } = withoutGlareStripes(img, levelsOf(img), TOP, DIGIT);
    expect(lines).toBeGreaterThan(0);
    // On the wheels' ground, above, among and below the digits' rows: the stripe is gone.
    for (const y of [4, 30, 66]) expect(at(out, Math.round(30 + 0.5 * y), y)).toBeGreaterThan(200);
    // Where it crosses the stroke (rows 40-47 lie on both), the stroke is as black as before.
    expect(at(out, 53, 46)).toBe(10);
    expect(at(out, 53, 20)).toBe(10);
  });

  test("an upright separator, a bar wider than half a digit and a stroke alone are left as they are", () => {
    const separator = band((x, y) => (stroke(x, y) ? 10 : x >= 90 && x < 94 ? 90 : undefined));
    const wide = band((x, y) => (stroke(x, y) ? 10 : Math.abs(x - (30 + 0.5 * y)) < 20 ? 90 : undefined));
    const digitOnly = band((x, y) => (stroke(x, y) ? 10 : undefined));
    for (const img of [separator, wide, digitOnly]) {
      const { band: out, lines } = withoutGlareStripes(img, levelsOf(img), TOP, DIGIT);
      expect(lines).toBe(0);
      expect(out.data).toEqual(img.data);
    }
  });
});
