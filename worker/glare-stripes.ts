/**
 * Glare stripes across a band of wheels: a bright reflection that crosses the window in a
 * straight, slanting band. In the band (dark digits on light) it is a grey bar from the band's
 * top to its foot; where it crosses a digit it is narrower than the background's closing, so it
 * counts as ink joined to the digit, and Tesseract and the shapes alike read a 2 crossed so as a
 * 4 or a 5. A digit's strokes are darker than the stripe (a white stroke under glare stays
 * white), so the stripe's grey is painted back to the ground and the strokes under it are kept.
 */
import type { Levels } from "./digit-shapes";
import type { GrayImage } from "./pgm";
import { percentile } from "./resample";
import { inkRuns } from "./wheels";

/** Darkness (0 ground, 1 the strokes' black) below which a pixel is ground, and above which it is a stroke. */
const GROUND = 0.2;
const STROKE = 0.88;

/** Slopes (columns per row) a stripe may run at: a separator or a frame's edge is upright. */
const SLOPES = Array.from({ length: 30 }, (_, i) => 0.06 + 0.04 * i).flatMap((s) => [s, -s]);

/** Rows above and below the digits a stripe must show in: without them, a stroke could pass for one. */
const MIN_MARGIN = 0.06;

export interface Stripes {
  band: GrayImage;
  /** How many straight lines through the band were found to lie on a stripe (0: none). */
  lines: number;
}

/**
 * The band with its glare stripes' grey painted back to the ground. A line is on a stripe where
 * nearly every row of it is darker than the ground, the rows above and below the digits (`digitTop`,
 * `digitHeight`: the window's margins, which hold no stroke of a square digit) are grey, neither
 * ground nor stroke, and so are most of the digits' rows: the stripe mostly crosses the wheels'
 * ground, a digit's diagonal stroke is ink all along.
 */
export function withoutGlareStripes(band: GrayImage, levels: Levels, digitTop: number, digitHeight: number): Stripes {
  const { width, height, data } = band;
  const digitEnd = digitTop + digitHeight;
  const margins = [...Array(height).keys()].filter((y) => y < digitTop - 1 || y > digitEnd);
  const above = margins.filter((y) => y < digitTop).length;
  const below = margins.length - above;
  if (Math.min(above, below) < Math.max(2, MIN_MARGIN * digitHeight)) return { band, lines: 0 };
  const ground = (x: number, y: number) =>
    levels.background[Math.floor(y / levels.step) * levels.columns + Math.floor(x / levels.step)] as number;
  // Strokes: the band's darkest values (a white stroke under glare stays white, so black here).
  const strokeLevel = percentile(band, 0.02);
  const darkness = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const bg = ground(x, y);
      darkness[y * width + x] = (bg - (data[y * width + x] as number)) / Math.max(levels.minContrast, bg - strokeLevel);
    }
  const grey = (d: number) => d >= GROUND && d < STROKE;
  const mid = (height - 1) / 2;
  const lineX = (xc: number, slope: number, y: number) => Math.round(xc + slope * (y - mid));
  const inside = (xc: number, slope: number) =>
    [0, height - 1].every((y) => lineX(xc, slope, y) >= 0 && lineX(xc, slope, y) < width);
  /** Mean darkness of the line's margin rows (the window above and below the digits). */
  const marginDarkness = (xc: number, slope: number) =>
    margins.reduce((sum, y) => sum + (darkness[y * width + lineX(xc, slope, y)] as number), 0) / margins.length;
  const onStripe = (xc: number, slope: number) => {
    // A stripe crosses the whole band: a line cut off by the band's side says nothing.
    if (!inside(xc, slope)) return false;
    let dark = 0;
    let greyAbove = 0;
    let greyBelow = 0;
    let greyDigits = 0;
    for (let y = 0; y < height; y++) {
      // Most lines miss a stripe in the window above the digits: they are rejected there first.
      if (y === digitTop - 1 && greyAbove < 0.8 * above) return false;
      const d = darkness[y * width + lineX(xc, slope, y)] as number;
      if (d >= GROUND) dark++;
      if (!grey(d)) continue;
      if (y < digitTop - 1) greyAbove++;
      else if (y > digitEnd) greyBelow++;
      else greyDigits++;
    }
    return dark >= 0.9 * height && greyBelow >= 0.8 * below && greyDigits >= 0.4 * (height - margins.length);
  };
  const reach = Math.max(2, Math.round(0.4 * digitHeight));
  let out: Uint8Array | undefined;
  let lines = 0;
  for (const slope of SLOPES) {
    const side = Math.ceil(Math.abs(slope) * mid);
    for (const [from, to] of inkRuns(width + 2 * side, (i) => onStripe(i - side, slope))) {
      const [first, last] = [from - side, to - side];
      // A stripe is a bar narrower than the background's closing (a wider one is followed by the
      // background and harms nothing), lying on lighter ground either side: a wheel's shading
      // or a glare spot's slope is not painted out.
      const across = (last - first + 1) / Math.hypot(1, slope);
      if (across < 0.06 * digitHeight || across > 0.5 * digitHeight) continue;
      const pad = Math.max(2, Math.round((last - first + 1) / 2));
      const bar = marginDarkness((first + last) / 2, slope);
      const sides = [first - pad, last + pad].filter((xc) => inside(xc, slope));
      if (sides.length < 2 || sides.some((xc) => marginDarkness(xc, slope) > 0.5 * bar)) continue;
      out ??= new Uint8Array(data);
      for (let xc = first; xc <= last; xc++) {
        lines++;
        // Along the line, the stripe's own grey is the lightest value near each row (strokes are
        // darker dips in it); a pixel well below that grey is a stroke under the stripe.
        const values = Array.from({ length: height }, (_, y) => data[y * width + lineX(xc, slope, y)] as number);
        for (let y = 0; y < height; y++) {
          let level = 0;
          for (let k = Math.max(0, y - reach); k <= Math.min(height - 1, y + reach); k++)
            level = Math.max(level, values[k] as number);
          const x = lineX(xc, slope, y);
          const bg = ground(x, y);
          const cut = Math.max((level + strokeLevel) / 2, strokeLevel + 0.15 * (bg - strokeLevel));
          const v = values[y] as number;
          if (v >= cut) out[y * width + x] = Math.round(Math.max(bg, v));
        }
      }
    }
  }
  return out ? { band: { ...band, data: out }, lines } : { band, lines: 0 };
}
