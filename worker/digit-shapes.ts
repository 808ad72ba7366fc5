/**
 * What each digit looks like on this meter, learnt from the wheels Tesseract read with
 * confidence, and used to read a wheel caught between two digits: Tesseract reads part of a digit
 * poorly (the foot of a 3 passes for a 5), but the bottom of digit d above the top of digit d+1
 * matches the shapes of d and d+1 far better than those of any other pair.
 *
 * Shapes live on a small canonical grid (a whole digit's height scaled to SHAPE_H rows), as
 * darkness 0..1 between the band's background and its ink, so photos of different exposure and
 * scale compare.
 */
import { otsuThreshold, type GrayImage } from "./pgm";

export const SHAPE_H = 32;
export const SHAPE_W = 28;

/** Darkness per canonical pixel, NaN where the pixel is outside the band or not visible. */
export type Shape = Float32Array;

/**
 * The band's background brightness around every pixel (after inversion: dark digits on light),
 * and its ink level. Glare and shade change the background from one wheel to the next, even
 * across one digit, so a digit's darkness is measured against its own surroundings: a
 * morphological closing (the brightest pixel within a stroke's reach, then the darkest of those)
 * fills strokes with the background around them but follows the slow slopes of glare.
 */
export interface Levels {
  /** Background brightness on a grid `step` band pixels apart, `columns` wide. */
  background: Float32Array;
  step: number;
  columns: number;
  ink: number;
  /**
   * The least contrast a digit is measured against: half the band's typical contrast. In the core
   * of a glare spot the background falls almost to the ink's level, and its noise would read as ink.
   */
  minContrast: number;
  /** On the background's grid, the contrast a pixel's darkness is measured against (see contrastOf). */
  contrast: Float64Array;
}

export function levelsOf(img: GrayImage, radius = Math.max(4, Math.round(img.height / 10))): Levels {
  const t = otsuThreshold(img);
  let inkSum = 0;
  let inkN = 0;
  for (const v of img.data) {
    if (v > t) continue;
    inkSum += v;
    inkN++;
  }
  // The background changes slowly: a grid at half the band's resolution holds it, for a quarter
  // of the work. Closing: a dilation, then an erosion (a dilation of the negative).
  const step = 2;
  const { grid, columns, rows } = halve(img);
  const r = Math.max(2, Math.round(radius / step));
  const background = negate(dilateSquare(negate(dilateSquare(grid, columns, rows, r)), columns, rows, r));
  // The darkest pixel within the closing's reach: a stroke's own ink.
  const strokes = negate(dilateSquare(negate(grid), columns, rows, r));
  const ink = inkN ? inkSum / inkN : 0;
  const ground = median(background);
  const minContrast = Math.max(1, (ground - ink) / 2);
  const contrast = contrastOf(background, strokes, { ground, ink, minContrast });
  return { background, step, columns, ink, minContrast, contrast };
}

/** Levels of a clean drawing: black ink on pure white, nothing to measure out. */
export function cleanLevels(img: GrayImage): Levels {
  return {
    background: new Float32Array(img.width * img.height).fill(255),
    step: 1,
    columns: img.width,
    ink: 0,
    minContrast: 1,
    contrast: new Float64Array(img.width * img.height).fill(255),
  };
}

/**
 * How dark, below a stroke's darkest nearby, a faint stroke must still be to count as one: a
 * smudge on a bright spot is far fainter than the greyest digit there.
 */
const FAINT_STROKES = 0.4;

/**
 * How much brighter than the band's typical ground (in minContrasts) a reflection leaves it: less
 * is the ground's own noise. Measured against their darkest, blurred 0s on the noise's bright
 * half grew a 6's stroke (a small and blurred set, seed 173: 02911 read 62911).
 */
const REFLECTED = 0.1;

/**
 * The contrast a pixel's darkness is measured against, per cell of the background's grid (with
 * `strokes`, the darkest pixel near each; `ground`, the band's median background). A reflection
 * brightens the ground it greys the ink on, so where the ground is brighter than the band's
 * typical ground, a stroke is measured against the darkest ink near it, not the band's. Shade
 * darkens the ground, and a shaded ground's darkest is the shade at a frame's foot, not a stroke:
 * there the band's ink stays the measure.
 */
function contrastOf(
  background: Float32Array,
  strokes: Float32Array,
  band: { ground: number; ink: number; minContrast: number },
): Float64Array {
  const { ground, ink, minContrast } = band;
  const contrast = new Float64Array(background.length);
  for (let cell = 0; cell < background.length; cell++) {
    const bg = background[cell] as number;
    const full = Math.max(minContrast, bg - ink);
    const local = bg - (strokes[cell] as number);
    const reflected = bg > ground + REFLECTED * minContrast && local >= 2 * FAINT_STROKES * minContrast;
    contrast[cell] = reflected ? Math.min(full, local) : full;
  }
  return contrast;
}

/** The band at half resolution (means of 2×2 pixels). */
function halve(img: GrayImage): { grid: Float32Array; columns: number; rows: number } {
  const columns = Math.ceil(img.width / 2);
  const rows = Math.ceil(img.height / 2);
  const grid = new Float32Array(columns * rows);
  for (let y = 0; y < rows; y++) {
    const y0 = 2 * y;
    const y1 = Math.min(img.height - 1, y0 + 1);
    for (let x = 0; x < columns; x++) {
      const x0 = 2 * x;
      const x1 = Math.min(img.width - 1, x0 + 1);
      const d = img.data;
      grid[y * columns + x] =
        ((d[y0 * img.width + x0] as number) +
          (d[y0 * img.width + x1] as number) +
          (d[y1 * img.width + x0] as number) +
          (d[y1 * img.width + x1] as number)) /
        4;
    }
  }
  return { grid, columns, rows };
}

function median(values: Float32Array): number {
  const hist = new Uint32Array(256);
  for (const v of values) {
    const bin = Math.min(255, Math.max(0, Math.round(v)));
    hist[bin] = (hist[bin] as number) + 1;
  }
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v] as number;
    if (seen * 2 >= values.length) return v;
  }
  return 255;
}

/**
 * The max over 2·radius+1 pixels along every row (or column), in three comparisons a pixel
 * whatever the radius (van Herk / Gil-Werman): blocks of the window's length, each with its
 * running max from the left and from the right.
 */
function dilate(src: Float32Array, width: number, height: number, radius: number, alongRows: boolean): Float32Array {
  const out = new Float32Array(src.length);
  const [lines, length, step] = alongRows ? [height, width, 1] : [width, height, width];
  const w = 2 * radius + 1;
  const padded = Math.ceil((length + 2 * radius) / w) * w;
  const line = new Float32Array(padded);
  const fromLeft = new Float32Array(padded);
  const fromRight = new Float32Array(padded);
  for (let l = 0; l < lines; l++) {
    const start = alongRows ? l * width : l;
    line.fill(-Infinity);
    for (let i = 0; i < length; i++) line[i + radius] = src[start + i * step] as number;
    for (let b = 0; b < padded; b += w) {
      let left = -Infinity;
      for (let i = b; i < b + w; i++) fromLeft[i] = left = Math.max(left, line[i] as number);
      let right = -Infinity;
      for (let i = b + w - 1; i >= b; i--) fromRight[i] = right = Math.max(right, line[i] as number);
    }
    // The window of pixel i is padded positions i..i+2·radius.
    for (let i = 0; i < length; i++)
      out[start + i * step] = Math.max(fromRight[i] as number, fromLeft[i + 2 * radius] as number);
  }
  return out;
}

/** A square dilation of 2·radius+1 pixels. */
const dilateSquare = (src: Float32Array, width: number, height: number, radius: number) =>
  dilate(dilate(src, width, height, radius, true), width, height, radius, false);

function negate(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = -(values[i] as number);
  return out;
}

/**
 * How much a pixel looks like ink, from its darkness against its surroundings: a soft step, so
 * the slow darkening of glare and shade counts for little and a stroke's blurred edge for half.
 */
const INK_LOW = 0.2;
const INK_HIGH = 0.8;

function inkness(darkness: number): number {
  const t = Math.min(1, Math.max(0, (darkness - INK_LOW) / (INK_HIGH - INK_LOW)));
  return t * t * (3 - 2 * t);
}

/**
 * Ink by the same measure as shapes: pixels at least half as dark, against their own
 * surroundings, as the band's ink. Glare, shade and stripes of reflected light change the
 * surroundings, not the measure, so they do not turn into ink or hide it.
 */
export function inkByLevels(img: GrayImage, levels: Levels): Uint8Array {
  const mask = new Uint8Array(img.width * img.height);
  for (let y = 0; y < img.height; y++) {
    const row = Math.floor(y / levels.step) * levels.columns;
    for (let x = 0; x < img.width; x++) {
      const cell = row + Math.floor(x / levels.step);
      const bg = levels.background[cell] as number;
      const v = img.data[y * img.width + x] as number;
      if ((bg - v) / (levels.contrast[cell] as number) >= 0.5) mask[y * img.width + x] = 1;
    }
  }
  return mask;
}

/**
 * The canonical grid over a digit whose top row is `top`, `height` rows high, centred on column
 * `cx`; only rows `visibleFrom..visibleTo` (band rows) are kept, the rest is NaN.
 */
export function sampleShape(
  img: GrayImage,
  levels: Levels,
  cx: number,
  top: number,
  height: number,
  visibleFrom = -Infinity,
  visibleTo = Infinity,
): Shape {
  const shape = new Float32Array(SHAPE_W * SHAPE_H).fill(NaN);
  const step = height / SHAPE_H;
  const at = (xx: number, yy: number) => img.data[yy * img.width + xx] as number;
  for (let r = 0; r < SHAPE_H; r++) {
    const y = top + (r + 0.5) * step - 0.5;
    if (y < Math.max(0, visibleFrom - 0.5) || y > Math.min(img.height - 1, visibleTo + 0.5)) continue;
    const y0 = Math.min(img.height - 1, Math.max(0, Math.floor(y)));
    const y1 = Math.min(img.height - 1, y0 + 1);
    const fy = Math.min(1, Math.max(0, y - y0));
    for (let c = 0; c < SHAPE_W; c++) {
      const x = cx + (c + 0.5 - SHAPE_W / 2) * step;
      if (x < 0 || x > img.width - 1) continue;
      const x0 = Math.floor(x);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const fx = x - x0;
      const v = (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
      const cell = Math.floor(y / levels.step) * levels.columns + Math.floor(x / levels.step);
      const bg = levels.background[cell] as number;
      shape[r * SHAPE_W + c] = inkness((bg - v) / (levels.contrast[cell] as number));
    }
  }
  return shape;
}

/**
 * How many times the batch's typical distance between an example and the rest of its digit's
 * examples marks examples that disagree: a 5 read as a 3 sat 19.5 times it from the 3s (a batch
 * of 4 photos, heldout style seed 113), while examples read right sat at most 6.6 times it.
 */
const DISAGREEING = 10;

/**
 * How many times the batch's typical distance between an example and its digit's other examples
 * two digits' mean shapes must lie apart to be told apart. Where they lay apart, the nearest two
 * of every set sat 8.7 to 27 times it; in batches of blurred 15 px digits, where Tesseract read
 * blurred 0s as 6s with 99 % certainty and so taught the 6 a 0's shape, 1.9 to 4.4 times.
 */
const TOLD_APART = 5;

/** The mean shape of each digit seen whole and read with confidence. */
export class DigitShapes {
  protected readonly sums = Array.from({ length: 10 }, () => new Float64Array(SHAPE_W * SHAPE_H));
  protected readonly counts = new Array<number>(10).fill(0);
  private readonly means: (Shape | undefined)[] = new Array(10).fill(undefined);
  /** The batch's typical distance between an example and its digit's other examples (learnt shapes only). */
  private typical = Infinity;
  private readonly confusable: (number[] | undefined)[] = new Array(10).fill(undefined);

  add(digit: number, shape: Shape): void {
    const sum = this.sums[digit] as Float64Array;
    for (let i = 0; i < sum.length; i++)
      sum[i] = (sum[i] as number) + (Number.isNaN(shape[i]) ? 0 : (shape[i] as number));
    this.counts[digit] = (this.counts[digit] as number) + 1;
    this.means[digit] = undefined;
    this.confusable.fill(undefined);
  }

  /** Digits with no shape yet. */
  missing(): number[] {
    return this.counts.flatMap((n, d) => (n === 0 ? [d] : []));
  }

  /**
   * The mean shapes of digits Tesseract read with confidence, less its confident misreadings: an
   * example that looks more like another digit's mean than like the rest of its own digit's
   * examples is left out (a 5 with a ledge under it, read as an 8, would teach the 8 a 5's shape,
   * and every later 5 would then look like an 8). A digit seen once is kept unless it looks like
   * another digit as much as that digit's own examples look like each other.
   */
  static learnt(examples: { digit: number; shape: Shape }[]): DigitShapes {
    const all = new DigitShapes();
    for (const e of examples) all.add(e.digit, e.shape);
    const count = (d: number) => all.counts[d] as number;
    // The mean of d's examples without e.
    const without = (d: number, e: Shape): Shape => {
      const sum = all.sums[d] as Float64Array;
      const n = count(d) - 1;
      const out = new Float32Array(sum.length);
      for (let i = 0; i < sum.length; i++)
        out[i] = ((sum[i] as number) - (Number.isNaN(e[i]) ? 0 : (e[i] as number))) / n;
      return out;
    };
    const scored = examples.map((e) => {
      const own = count(e.digit) >= 2 ? distance(e.shape, without(e.digit, e.shape)) : Infinity;
      let other = Infinity;
      for (let d = 0; d < 10; d++)
        if (d !== e.digit && count(d) > 0) other = Math.min(other, distance(e.shape, all.shape(d) as Shape));
      return { e, own, other };
    });
    const owns = scored
      .map((s) => s.own)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const typical = owns.length ? (owns[Math.floor(owns.length / 2)] as number) : Infinity;
    const kept = new DigitShapes();
    for (const { e, own, other } of scored) {
      const looksOther = Number.isFinite(own) ? other < own : other <= 1.5 * typical;
      // A digit whose examples are far apart holds a misreading of a digit the batch has not
      // shown otherwise (a 5 read as a 3 among 3s); of two, which one cannot be told, so neither counts.
      const disagrees = Number.isFinite(own) && own > DISAGREEING * typical;
      if (!looksOther && !disagrees) kept.add(e.digit, e.shape);
    }
    kept.typical = typical;
    return kept;
  }

  /**
   * The digits whose mean shapes lie too near `digit`'s to be told from it in this batch (none
   * for shapes drawn from a typeface): a shape preferring one of them to another says little.
   */
  confusableWith(digit: number): number[] {
    const known = this.confusable[digit];
    if (known) return known;
    const own = this.shape(digit);
    const found =
      own && Number.isFinite(this.typical)
        ? Array.from({ length: 10 }, (_, d) => d).filter((d) => {
            const other = d === digit ? undefined : this.shape(d);
            return other !== undefined && distance(own, other) < TOLD_APART * this.typical;
          })
        : [];
    this.confusable[digit] = found;
    return found;
  }

  /** Shapes of all ten digits from elsewhere (drawn in the meter's typeface). */
  static of(shapes: Shape[]): DigitShapes {
    const known = new DigitShapes();
    shapes.forEach((shape, d) => known.add(d, shape));
    return known;
  }

  shape(digit: number): Shape | undefined {
    const n = this.counts[digit] as number;
    if (n === 0) return undefined;
    let mean = this.means[digit];
    if (!mean) {
      const sum = this.sums[digit] as Float64Array;
      mean = new Float32Array(sum.length);
      for (let i = 0; i < sum.length; i++) mean[i] = (sum[i] as number) / n;
      this.means[digit] = mean;
    }
    return mean;
  }
}

/** Mean squared difference of two shapes where both are visible, unshifted: a quick comparison. */
function distance(a: Shape, b: Shape): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i] as number;
    const q = b[i] as number;
    if (Number.isNaN(p) || Number.isNaN(q)) continue;
    sum += (p - q) ** 2;
    n++;
  }
  return n ? sum / n : Infinity;
}

/** How far a piece may sit from where its wheel says, in canonical pixels. */
const SHIFT_X = 4;
const SHIFT_Y = 2;

/**
 * Squared difference per visible pixel between a piece and a digit's shape, at the best small
 * shift: the piece's own edges are only known to a pixel or two.
 */
export function mismatch(piece: Shape, shape: Shape): { sum: number; n: number } {
  let best = { sum: Infinity, n: 0 };
  for (let dy = -SHIFT_Y; dy <= SHIFT_Y; dy++) {
    for (let dx = -SHIFT_X; dx <= SHIFT_X; dx++) {
      let sum = 0;
      let n = 0;
      for (let r = 0; r < SHAPE_H; r++) {
        const tr = r + dy;
        for (let c = 0; c < SHAPE_W; c++) {
          const p = piece[r * SHAPE_W + c] as number;
          if (Number.isNaN(p)) continue;
          const tc = c + dx;
          const t = tr >= 0 && tr < SHAPE_H && tc >= 0 && tc < SHAPE_W ? (shape[tr * SHAPE_W + tc] as number) : 0;
          sum += (p - t) ** 2;
          n++;
        }
      }
      if (n > 0 && sum / n < (best.n ? best.sum / best.n : Infinity)) best = { sum, n };
    }
  }
  return best;
}
