/**
 * Finds the counter in a photo (or in a rough window of it): the row of digit wheels, its skew
 * and perspective, the window's height, and one cell per wheel, all measured from the image, so a
 * profile only has to say roughly where to look.
 *
 * 1. Search: the ink's connected pieces of digit-like size and shape; a row is a run of pieces
 *    of one height at one spacing along a straight line (a wheel turning between two digits shows
 *    no whole digit, so a run may skip a place or two). The longest, most regular run wins; both
 *    polarities are tried where the profile does not say which.
 * 2. Measure: a strip along the row at a fixed digit height; the tops and the feet of its whole
 *    digits give two lines (skew, and perspective as their convergence); the spacing gives each
 *    wheel's place, including wheels showing only pieces; the window's edges above and below are
 *    where the ground turns from the wheels' to the frame's.
 * 3. Rectify: a band of the counter at a fixed digit height with the digits' tops level, its
 *    cells, and where its corners are in the source image.
 */
import { blobHeight, blobWidth, joinStacked, labelBlobs, localInk, type Blob } from "./components";
import type { GrayImage } from "./pgm";
import { halved, negated, normalized, percentile, resampleAffine, resampleColumns, type Mapping } from "./resample";

/** Digit height in the band the wheels are read from, in pixels. */
export const BAND_DIGIT_HEIGHT = 48;
/** Why a search found nothing (the caller says where it looked). */
export const NO_ROW = "no row of digits found";
/** How much redder than the first wheel a decimal wheel is (R − (G + B)/2, mean over its cell). */
const RED_WHEEL = 30;
/** Fewest wheels a counter found without a digit count may have. */
const MIN_FREE_WHEELS = 4;
/**
 * Least ink, as a share of a whole digit's, that a place beyond the row on the wheels' ground
 * must show in its middle to be a wheel that may be turning: the bare window left of the real
 * meter's first wheel shows none (its `m³`, right of the last, shows up to 0.6 of a digit's
 * ink, but at the place's side).
 */
const TRACE_OF_INK = 0.05;
/**
 * Least height of a wheel's ink, in digit heights, where the window does not say a place is in
 * it: wheels beyond a row measured 0.96–1.58, the heldout style's m³ beyond its frame 0.44–0.65.
 */
const LEAST_WHEEL_HEIGHT = 0.8;
/** Digit height in the strip the row is measured in. */
const STRIP_DIGIT_HEIGHT = 48;

export interface LocateOptions {
  /** Light digits on dark wheels: true, false, or undefined to try both. */
  invert?: boolean;
  /** The number of wheels the profile says the counter has. */
  digits?: number;
  /** Largest skew of the row searched for, in degrees either way. */
  maxSkew: number;
  /** Smallest digit height searched for, in source pixels. */
  minDigitHeight?: number;
  /** The whole photo is searched (no profile): other figures on the face compete with the counter's. */
  wholePhoto?: boolean;
  /** How much redder than grey each pixel of the source is (see GrayAndRed): red decimal wheels. */
  red?: GrayImage;
}

export interface Located {
  /** Dark digits on light, digit tops level at `digitTop`, `digitHeight` high. */
  band: GrayImage;
  digitTop: number;
  digitHeight: number;
  /** One [x0, x1] per wheel, band columns. */
  cells: [number, number][];
  /** The band's corners in the source image: top-left, top-right, bottom-right, bottom-left. */
  corners: [[number, number], [number, number], [number, number], [number, number]];
  /** Whether the source showed light digits on dark (and was negated). */
  inverted: boolean;
  /** Whole digits the row was found from. */
  found: number;
  /** Skew of the row in the source, degrees (clockwise positive). */
  skew: number;
}

export type LocateResult = { ok: true; located: Located } | { ok: false; reason: string };

interface Point {
  x: number;
  y: number;
}

const centre = (b: Blob): Point => ({ x: (b.left + b.right) / 2, y: (b.top + b.bottom) / 2 });
const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
/** The value a share `q` of `values` lies at or below (nearest rank). */
const quantile = (values: number[], q: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number);
};

/**
 * The share of ink in a ring around a box: a digit stands alone on its wheel, where the edge of
 * a window, a frame or a shadow runs on into more dark.
 */
function ringInk(mask: Uint8Array, width: number, height: number, b: Blob): number {
  const pad = Math.max(2, Math.round(0.12 * blobHeight(b)));
  const [x0, x1, y0, y1] = [b.left - pad, b.right + pad, b.top - pad, b.bottom + pad];
  let ink = 0;
  let n = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (x >= b.left && x <= b.right && y >= b.top && y <= b.bottom) continue;
      n++;
      // Beyond the image counts as ink: a digit is not cut by the edge of what was searched.
      if (x < 0 || y < 0 || x >= width || y >= height || mask[y * width + x]) ink++;
    }
  }
  return ink / Math.max(1, n);
}

/** Pieces of ink that could be digits: of a digit's proportions and filling, standing alone. */
function digitLike(
  img: GrayImage,
  radius: number,
  minHeight: number,
  maxHeight: number,
  maxAspect: number,
  mask = localInk(img, radius, 0.15),
): Blob[] {
  return digitPieces(img, minHeight, maxHeight, maxAspect, mask).digits;
}

/** Digit-like pieces of ink, and every piece of ink (joined where stacked) they were chosen from. */
function digitPieces(
  img: GrayImage,
  minHeight: number,
  maxHeight: number,
  maxAspect: number,
  mask: Uint8Array,
): { digits: Blob[]; pieces: Blob[] } {
  const { blobs } = labelBlobs(mask, img.width, img.height);
  const pieces = joinStacked(blobs.filter((b) => blobHeight(b) >= 3 && b.area >= 6 && blobHeight(b) <= maxHeight));
  const digits = pieces.filter((b) => {
    const h = blobHeight(b);
    const w = blobWidth(b);
    const fill = b.area / (w * h);
    return (
      h >= minHeight &&
      h <= maxHeight &&
      w <= maxAspect * h &&
      h <= 8 * w &&
      fill >= 0.08 &&
      fill <= 0.92 &&
      ringInk(mask, img.width, img.height, b) < 0.12
    );
  });
  return { digits, pieces };
}

/**
 * Whether another piece of ink stands just above or below a digit, over its columns: the other
 * half of a wheel turning between two digits. A run of such halves (the heads of digits coming
 * in on wheels turning together) is as regular as the row of square digits beside it.
 */
function halfOfTurning(b: Blob, pieces: Blob[]): boolean {
  const h = blobHeight(b);
  return pieces.some((p) => {
    if (p === b || blobHeight(p) < 0.15 * h || blobWidth(p) < 0.3 * blobWidth(b)) return false;
    const overlap = Math.min(p.right, b.right) - Math.max(p.left, b.left) + 1;
    if (overlap < 0.4 * blobWidth(b)) return false;
    const gap = p.bottom < b.top ? b.top - p.bottom : p.top > b.bottom ? p.top - b.bottom : Infinity;
    return gap <= 0.6 * h;
  });
}

interface Row {
  members: Blob[];
  /** From one member to the next, in pixels. */
  step: Point;
  height: number;
  score: number;
}

const similar = (a: number, b: number, ratio: number) => Math.max(a, b) <= ratio * Math.min(a, b);

/**
 * The most regular run of digit-like pieces: from each piece, towards each of its nearest
 * neighbours of like height, steps of that spacing are walked both ways, and a piece near each
 * step's place joins the run (up to two places in a row may be missing: turning wheels).
 */
function bestRow(blobs: Blob[], pieces: Blob[], maxSkew: number, preferLarge: boolean): Row | undefined {
  const tan = Math.tan((maxSkew * Math.PI) / 180);
  const centres = blobs.map(centre);
  let best: Row | undefined;
  const tried = new Set<string>();
  for (const [i, a] of blobs.entries()) {
    const ca = centres[i] as Point;
    const ha = blobHeight(a);
    const neighbours = blobs
      .map((b, j) => ({ j, b, c: centres[j] as Point }))
      .filter(
        ({ j, b, c }) =>
          j !== i &&
          c.x > ca.x &&
          similar(blobHeight(b), ha, 1.35) &&
          Math.abs(c.y - ca.y) <= tan * (c.x - ca.x) + 0.15 * ha &&
          c.x - ca.x >= 0.35 * ha &&
          c.x - ca.x <= 2.5 * ha,
      )
      .sort((p, q) => p.c.x - q.c.x)
      .slice(0, 3);
    for (const { j, c } of neighbours) {
      const key = `${i}-${j}`;
      if (tried.has(key)) continue;
      tried.add(key);
      const step = { x: c.x - ca.x, y: c.y - ca.y };
      const members = walk(blobs, centres, i, step, ha);
      if (members.length < 2) continue;
      // Adjacent pairs along the run are tried no more: they give the same run.
      for (let m = 0; m + 1 < members.length; m++) tried.add(`${members[m]}-${members[m + 1]}`);
      const chosen = members.map((m) => blobs[m] as Blob);
      const heights = chosen.map(blobHeight);
      const h = median(heights);
      const spread = heights.reduce((s, v) => s + Math.abs(v - h), 0) / heights.length / h;
      const weight = chosen.reduce((sum, b) => sum + (halfOfTurning(b, pieces) ? 0.4 : 1), 0);
      // A counter's digits are the largest on a meter's face: a serial number or a dial's figures
      // may make a longer row, of smaller figures.
      const score = (weight - 2 * spread) * (preferLarge ? h ** 0.75 : 1);
      if (!best || score > best.score || (score === best.score && h > best.height))
        best = { members: chosen, step, height: h, score };
    }
  }
  return best;
}

/** Indexes of the pieces on a run through piece `from` with spacing `step`, left to right. */
function walk(blobs: Blob[], centres: Point[], from: number, step: Point, height: number): number[] {
  const length = Math.hypot(step.x, step.y);
  const found = new Map<number, number>([[0, from]]);
  for (const dir of [1, -1]) {
    let misses = 0;
    let at = centres[from] as Point;
    let k = 0;
    let s = step;
    while (misses < 3) {
      k += dir;
      const want = { x: at.x + dir * s.x * (misses + 1), y: at.y + dir * s.y * (misses + 1) };
      let hit = -1;
      let hitDist = Infinity;
      for (const [j, c] of centres.entries()) {
        if (!similar(blobHeight(blobs[j] as Blob), height, 1.35)) continue;
        const d = Math.hypot(c.x - want.x, c.y - want.y);
        if (d < 0.3 * length && d < hitDist) {
          hit = j;
          hitDist = d;
        }
      }
      if (hit < 0) {
        misses++;
        continue;
      }
      const c = centres[hit] as Point;
      // The spacing is measured anew at every hit: perspective changes it along the row.
      const gap = misses + 1;
      s = { x: (s.x + (dir * (c.x - at.x)) / gap) / 2, y: (s.y + (dir * (c.y - at.y)) / gap) / 2 };
      found.set(k, hit);
      at = c;
      misses = 0;
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, j]) => j);
}

/** y = a + b·x. */
type Line2 = { a: number; b: number };

/** Least squares line y = a + b·x. */
function fitLine(points: Point[]): Line2 {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const b = sxx > 0 ? points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx : 0;
  return { a: my - b * mx, b };
}

/** Points that lie on one line (within a tolerance), with their total weight. */
interface LineGroup {
  inliers: number[];
  weight: number;
  residual: number;
}

/**
 * The groups of points that lie on one line (within `tolerance`), heaviest first: a digit turning
 * between two sits off the row's line and must not tilt it, and wheels turning together in a
 * carry make a line of their own.
 */
function lineGroups(points: Point[], tolerance: number, weights: number[]): LineGroup[] {
  const all = points.map((_, i) => i);
  const total = (inliers: number[]) => inliers.reduce((s, k) => s + (weights[k] as number), 0);
  if (points.length < 3) return [{ inliers: all, weight: total(all), residual: 0 }];
  const groups = new Map<string, LineGroup>();
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const p = points[i] as Point;
      const q = points[j] as Point;
      if (q.x === p.x) continue;
      const b = (q.y - p.y) / (q.x - p.x);
      const a = p.y - b * p.x;
      const inliers = all.filter(
        (k) => Math.abs((points[k] as Point).y - (a + b * (points[k] as Point).x)) <= tolerance,
      );
      const residual = inliers.reduce(
        (s, k) => s + Math.abs((points[k] as Point).y - (a + b * (points[k] as Point).x)),
        0,
      );
      const key = inliers.join(",");
      const known = groups.get(key);
      if (!known || residual < known.residual) groups.set(key, { inliers, weight: total(inliers), residual });
    }
  }
  return [...groups.values()].sort((g, h) => h.weight - g.weight || g.residual - h.residual);
}

/** Where the search found the row, in the source's pixels. */
interface Found {
  row: Row;
  inverted: boolean;
  /** Dark digits on light: the source, negated if `inverted`. */
  dark: GrayImage;
}

/**
 * The row, searched for at half size first (a quarter of the pixels: the search only has to find
 * it, the strip measures it), then at full size for digits too small to show there.
 */
function search(src: GrayImage, options: LocateOptions): Found | undefined {
  const minHeight = Math.max(8, options.minDigitHeight ?? 8);
  const polarities = options.invert === undefined ? [true, false] : [options.invert];
  const darks = polarities.map((inverted) => ({ inverted, dark: inverted ? negated(src) : src }));
  const at = (factor: number): Found | undefined => {
    let best: Found | undefined;
    for (const { inverted, dark } of darks) {
      const view = factor === 2 ? halved(dark) : dark;
      const short = Math.min(view.width, view.height);
      const { digits, pieces } = digitPieces(
        view,
        minHeight,
        0.9 * short,
        1.6,
        localInk(view, Math.max(6, short / 10), 0.15),
      );
      const row = bestRow(digits, pieces, options.maxSkew, options.wholePhoto ?? false);
      if (row && (!best || row.score > best.row.score)) best = { row: scaledRow(row, factor), inverted, dark };
    }
    return best;
  };
  const coarse = Math.min(src.width, src.height) >= 160 ? at(2) : undefined;
  return coarse && coarse.row.members.length >= Math.min(3, options.digits ?? 3) ? coarse : (at(1) ?? coarse);
}

/** A row found at 1/`factor` size, in full-size pixels. */
function scaledRow(row: Row, factor: number): Row {
  if (factor === 1) return row;
  const scale = (b: Blob): Blob => ({
    ...b,
    left: b.left * factor,
    top: b.top * factor,
    right: b.right * factor + factor - 1,
    bottom: b.bottom * factor + factor - 1,
    area: b.area * factor * factor,
  });
  return {
    members: row.members.map(scale),
    step: { x: row.step.x * factor, y: row.step.y * factor },
    height: row.height * factor,
    score: row.score,
  };
}

/**
 * Distance along the row in digit heights: a camera at an angle magnifies one end of the row, so
 * wheels are evenly spaced not in pixels but in the row's own digit heights. With the digit
 * height h(u) = α + β·u (the lines of tops and feet), s(u) = ∫ du / h(u).
 */
export interface RowScale {
  toS: (u: number) => number;
  toU: (s: number) => number;
}

export function rowScale(top: { a: number; b: number }, bottom: { a: number; b: number }): RowScale {
  const alpha = bottom.a - top.a + 1;
  const beta = bottom.b - top.b;
  if (Math.abs(beta) < 1e-6) return { toS: (u) => u / alpha, toU: (s) => s * alpha };
  return {
    toS: (u) => Math.log((alpha + beta * u) / alpha) / beta,
    toU: (s) => (alpha * (Math.exp(beta * s) - 1)) / beta,
  };
}

/** The wheels' row measured in a strip along it: lines of the digits' tops and feet, spacing, places. */
interface Measured {
  top: { a: number; b: number };
  bottom: { a: number; b: number };
  scale: RowScale;
  /** Wheel k's centre at s = first + k·pitch (digit heights along the row, see RowScale). */
  first: number;
  pitch: number;
  /** Whole digits found on the row. */
  whole: Blob[];
  /** Which of them sit at which wheel index (from 0 at the first whole digit). */
  indexes: number[];
}

/**
 * Whether ink stands just above (direction -1) or below (1) a digit, over its middle columns: a
 * piece of the digit before or after it on a turning wheel.
 */
function pieceBeside(strip: GrayImage, ink: Uint8Array, b: Blob, direction: -1 | 1): boolean {
  const h = blobHeight(b);
  const [y0, y1] = direction < 0 ? [b.top - 0.3 * h, b.top - 0.08 * h] : [b.bottom + 0.08 * h, b.bottom + 0.3 * h];
  const inset = Math.round(0.2 * blobWidth(b));
  let n = 0;
  let all = 0;
  for (let y = Math.max(0, Math.round(y0)); y <= Math.min(strip.height - 1, Math.round(y1)); y++) {
    for (let x = b.left + inset; x <= b.right - inset; x++) {
      if (strip.outside?.[y * strip.width + x]) continue;
      all++;
      n += ink[y * strip.width + x] as number;
    }
  }
  return all > 0 && n / all > 0.1;
}

function measure(strip: GrayImage, ink: Uint8Array, line: number, pitchGuess: number): Measured | undefined {
  const S = STRIP_DIGIT_HEIGHT;
  const blobs = digitLike(strip, S, 0.6 * S, 1.5 * S, 1.3, ink);
  const onLine = blobs.filter((b) => Math.abs(centre(b).y - line) <= 0.35 * S);
  if (onLine.length < 1) return undefined;
  const h = median(onLine.map(blobHeight));
  // The search may have followed wheels turning together in a carry: the square ones then sit
  // up to most of a digit higher or lower.
  const whole = blobs
    .filter((b) => Math.abs(centre(b).y - line) <= 0.9 * S && similar(blobHeight(b), h, 1.2))
    .sort((a, b) => a.left - b.left);
  if (whole.length < 1) return undefined;
  // The tops of the digits square in the window lie on one line; their feet, on another. Wheels
  // turning together in a carry lie on a line too, and may outnumber the square ones: they show
  // a piece of the next digit (or the last) above or below theirs, and count for less.
  const weights = whole.map((b) => (pieceBeside(strip, ink, b, -1) || pieceBeside(strip, ink, b, 1) ? 0.4 : 1));
  // Square digits sit in the middle of the window; a group of wheels turning together sits off
  // it, nearer one edge.
  let chosen: { top: Line2; bottom: Line2; score: number } | undefined;
  for (const group of lineGroups(
    whole.map((b) => ({ x: centre(b).x, y: b.top })),
    0.07 * h,
    weights,
  ).slice(0, 4)) {
    if (group.inliers.length < Math.min(2, whole.length)) continue;
    const members = group.inliers.map((k) => whole[k] as Blob);
    const lines = {
      top: fitLine(members.map((b) => ({ x: centre(b).x, y: b.top }))),
      bottom: fitLine(members.map((b) => ({ x: centre(b).x, y: b.bottom }))),
    };
    const [u0, u1] = [Math.min(...whole.map((b) => b.left)), Math.max(...whole.map((b) => b.right))];
    const lopsided = Math.abs(windowReach(strip, lines, u0, u1, -1) - windowReach(strip, lines, u0, u1, 1));
    const score = group.weight - 3 * lopsided;
    if (!chosen || score > chosen.score) chosen = { ...lines, score };
  }
  if (!chosen) return undefined;
  const { top, bottom } = chosen;
  const scale = rowScale(top, bottom);
  const xs = whole.map((b) => scale.toS(centre(b).x));
  const x0 = xs[0] as number;
  const guess = scale.toS(centre(whole[0] as Blob).x + pitchGuess) - x0;
  // The spacing: each gap between whole digits is a whole number of wheels; the search's step
  // says roughly how many.
  const gaps = xs
    .slice(1)
    .map((x, i) => x - (xs[i] as number))
    .filter((d) => d >= 0.5 * guess);
  const pitch = gaps.length ? median(gaps.map((d) => d / Math.max(1, Math.round(d / guess)))) : guess;
  const indexes = xs.map((x) => Math.round((x - x0) / pitch));
  // Distinct places only: two pieces at one place are one digit and its neighbour's sliver.
  // Two whole digits at one place: the spacing is not the wheels'.
  if (indexes.some((k, i) => indexes.indexOf(k) !== i)) return undefined;
  const fit =
    new Set(indexes).size < 2 ? { a: x0, b: pitch } : fitLine(xs.map((x, i) => ({ x: indexes[i] as number, y: x })));
  // Every whole digit sits in the middle of its wheel: a spacing that drifts off them would
  // put cells between the wheels and past the window.
  if (xs.some((x, i) => Math.abs(x - (fit.a + (indexes[i] as number) * fit.b)) > 0.2 * fit.b)) return undefined;
  return { top, bottom, scale, first: fit.a, pitch: fit.b, whole, indexes };
}

/** A place along the row beyond what was searched, or one that is no wheel (see wheelInk). */
const OUTSIDE = -1000;
const NO_WHEEL = -1;

/**
 * How much a place along the row looks like a wheel: the share of ink inside it, in the window's
 * band. A place reaching outside what was searched, or mostly dark (a frame, the dial face
 * beside the window), is no wheel: -1.
 */
function wheelInk(strip: GrayImage, ink: Uint8Array, x0: number, x1: number, y0: number, y1: number): number {
  if (x0 < 0 || x1 >= strip.width) return OUTSIDE;
  let n = 0;
  let all = 0;
  let out = 0;
  for (let y = Math.max(0, Math.round(y0)); y <= Math.min(strip.height - 1, Math.round(y1)); y++) {
    for (let x = Math.round(x0); x <= Math.round(x1); x++) {
      all++;
      if (strip.outside?.[y * strip.width + x]) out++;
      else n += ink[y * strip.width + x] as number;
    }
  }
  // A rough window may cut a corner of the counter's; a wheel mostly outside it is not there.
  if (out > 0.25 * all) return OUTSIDE;
  const share = n / Math.max(1, all - out);
  return share > 0.45 ? NO_WHEEL : share;
}

/** The strip's grey in column u, d pixels above the digits' tops (direction -1) or below their feet (1). */
function beyondDigits(strip: GrayImage, m: { top: Line2; bottom: Line2 }, direction: -1 | 1) {
  const lineAt = (u: number) => (direction < 0 ? m.top.a + m.top.b * u : m.bottom.a + m.bottom.b * u);
  return (u: number, d: number): number =>
    strip.data[
      Math.max(0, Math.min(strip.height - 1, Math.round(lineAt(u) + direction * d))) * strip.width + u
    ] as number;
}

/** Digit heights from the digits' tops (or feet) to the window's edge above (or below). */
function windowReach(
  strip: GrayImage,
  m: { top: Line2; bottom: Line2 },
  u0: number,
  u1: number,
  direction: -1 | 1,
): number {
  const S = STRIP_DIGIT_HEIGHT;
  const at = beyondDigits(strip, m, direction);
  const columns: number[] = [];
  for (let u = Math.max(0, Math.round(u0)); u <= Math.min(strip.width - 1, Math.round(u1)); u += 2) columns.push(u);
  const levelAt = (d: number) => median(columns.map((u) => at(u, d)));
  // The wheels' ground just outside the digits, and the ink's level (the digits' own rows).
  const ground = Math.max(levelAt(0.06 * S), levelAt(0.12 * S));
  const inkLevel = median(
    columns.map(
      (u) =>
        strip.data[Math.round((m.top.a + m.top.b * u + m.bottom.a + m.bottom.b * u) / 2) * strip.width + u] as number,
    ),
  );
  const edge = (ground + Math.min(inkLevel, ground - 40)) / 2;
  const most = 0.75;
  for (let d = 0.1 * S; d <= most * S; d += 1) {
    if (levelAt(d) < edge) return Math.max(0.05, (d - 1) / S);
  }
  return most;
}

/**
 * How much lighter the window is just inside its edge (`reach` digit heights from the digits'
 * tops or feet, as the row measured it) than the edge itself, over columns u0..u1: the `share`
 * quantile over columns (the median unless asked), so the strokes of a wheel turning up to the
 * edge do not count.
 */
function edgeStep(
  strip: GrayImage,
  m: { top: Line2; bottom: Line2 },
  u0: number,
  u1: number,
  direction: -1 | 1,
  reach: number,
  share = 0.5,
): number {
  const S = STRIP_DIGIT_HEIGHT;
  const at = beyondDigits(strip, m, direction);
  const d = reach * S + 1;
  const steps: number[] = [];
  for (let u = Math.max(0, Math.round(u0)); u <= Math.min(strip.width - 1, Math.round(u1)); u += 2) {
    let darkest = Infinity;
    for (let e = 0; e <= 0.08 * S; e++) darkest = Math.min(darkest, at(u, d + e));
    steps.push(at(u, d - 0.06 * S) - darkest);
  }
  return steps.length ? quantile(steps, share) : 0;
}

/** How near (in digit heights) a digit's ink comes to the row's top or foot line (blur and play included). */
const ROW_LINE_REACH = 0.05;

type WindowCover = "inside" | "outside" | "unknown";

/**
 * Whether the counter's window runs on over strip columns u0..u1: its edge above or below the
 * digits, measured over the whole digits' `places` (a wheel turning up to the edge hides it),
 * runs on over them at the same distance. An edge the row does not show clearly says nothing.
 */
function windowCover(
  strip: GrayImage,
  m: { top: Line2; bottom: Line2 },
  places: (readonly [number, number])[],
  contrast: number,
): (u0: number, u1: number) => WindowCover {
  const edges = ([-1, 1] as const).map((direction) => {
    const reach = median(places.map(([a, b]) => windowReach(strip, m, a, b, direction)));
    const step = median(places.map(([a, b]) => edgeStep(strip, m, a, b, direction, reach)));
    return { direction, reach, step };
  });
  const clear = edges.filter((e) => e.step >= 0.25 * contrast);
  return (u0, u1) => {
    if (clear.length === 0) return "unknown";
    // The brighter columns decide: a stroke of a turning wheel may dim the window's side of the edge.
    return clear.some((e) => edgeStep(strip, m, u0, u1, e.direction, e.reach, 0.75) >= 0.5 * e.step)
      ? "inside"
      : "outside";
  };
}

interface Strip {
  strip: GrayImage;
  ink: Uint8Array;
  /** Strip pixels to source pixels. */
  toSource: Mapping;
  /** Strip pixels per source pixel. */
  scale: number;
  /** The strip row the row's centre line lies on. */
  line: number;
  /** The strip's direction in the source, radians. */
  along: number;
}

/**
 * A strip along a row through `centres` in direction `along`, its digits (`height` high in the
 * source) scaled to STRIP_DIGIT_HEIGHT, with room for `digits` wheels (8 if unknown) either side.
 */
function stripAlong(
  dark: GrayImage,
  ground: number,
  centres: Point[],
  along: number,
  height: number,
  step: number,
  digits: number | undefined,
): Strip {
  const S = STRIP_DIGIT_HEIGHT;
  const [ux, uy] = [Math.cos(along), Math.sin(along)];
  const scale = S / height;
  const origin = centres.reduce((a, c) => (c.x * ux + c.y * uy < a.x * ux + a.y * uy ? c : a), centres[0] as Point);
  const lastU = Math.max(...centres.map((c) => (c.x - origin.x) * ux + (c.y - origin.y) * uy));
  const spare = (digits ?? 8) * step;
  const width = Math.round((lastU + 2 * spare) * scale);
  const rows = Math.round(3.2 * S);
  const line = rows / 2;
  // The row's line: the median offset of the centres across it.
  const vShift = median(centres.map((c) => -(c.x - origin.x) * uy + (c.y - origin.y) * ux));
  // Strip pixel (x, y) → u = x/scale − spare along the row, v = vShift + (y − line)/scale across it.
  const [u0, v0] = [-spare, vShift - line / scale];
  const affine: [number, number, number, number, number, number] = [
    origin.x + u0 * ux - v0 * uy,
    ux / scale,
    -uy / scale,
    origin.y + u0 * uy + v0 * ux,
    uy / scale,
    ux / scale,
  ];
  const strip = resampleAffine(dark, width, rows, affine, ground);
  return {
    strip,
    ink: localInk(strip, S, 0.15),
    toSource: (x, y) => [affine[0] + affine[1] * x + affine[2] * y, affine[3] + affine[4] * x + affine[5] * y],
    scale,
    line,
    along,
  };
}

export function locateCounter(src: GrayImage, options: LocateOptions): LocateResult {
  const found = search(src, options);
  if (!found || found.row.members.length < Math.min(2, options.digits ?? 2)) {
    return { ok: false, reason: NO_ROW };
  }
  const { row, dark } = found;
  const S = STRIP_DIGIT_HEIGHT;
  const ground = percentile(dark, 0.5);
  const centres = row.members.map(centre);
  // The row's direction from all its pieces (the first pair's step is only a start).
  const along = centres.length >= 3 ? Math.atan(fitLine(centres).b) : Math.atan2(row.step.y, row.step.x);
  const stepLength = Math.hypot(row.step.x, row.step.y);
  let view = stripAlong(dark, ground, centres, along, row.height, stepLength, options.digits);
  let m = measure(view.strip, view.ink, view.line, stepLength * view.scale);
  // The search's row is rough (found at half size, its direction from a few centres): the strip
  // is drawn again along the row as measured, so the band does not depend on how it was found.
  if (m) {
    const slope = (m.top.b + m.bottom.b) / 2;
    const mid = m.whole.map((b) => centre(b).x);
    const heights = mid.map((u) => m!.bottom.a + m!.bottom.b * u - (m!.top.a + m!.top.b * u) + 1);
    const h = median(heights);
    if (Math.abs(slope) > 0.004 || Math.abs(h / S - 1) > 0.04) {
      const points = mid.map((u) => {
        const [x, y] = view.toSource(u, (m!.top.a + m!.top.b * u + m!.bottom.a + m!.bottom.b * u) / 2);
        return { x, y };
      });
      const refined = stripAlong(
        dark,
        ground,
        points,
        along + Math.atan(slope),
        h / view.scale,
        (stepLength * view.scale) / view.scale,
        options.digits,
      );
      const again = measure(refined.strip, refined.ink, refined.line, stepLength * refined.scale);
      if (again) [view, m] = [refined, again];
    }
  }
  const { strip, ink, toSource, scale } = view;
  if (!m) return { ok: false, reason: NO_ROW };

  const known = Math.max(...m.indexes) + 1;
  // Wheel k spans s in [first + (k - ½)·pitch, first + (k + ½)·pitch]; `edge(k)` is where it starts.
  const edge = (k: number) => m.scale.toU(m.first + (k - 0.5) * m.pitch);
  const topAt = (u: number) => m.top.a + m.top.b * u;
  const bottomAt = (u: number) => m.bottom.a + m.bottom.b * u;
  const placeInk = (k: number) => {
    const [a, b] = [edge(k), edge(k + 1)];
    const inset = 0.15 * (b - a);
    const mid = (a + b) / 2;
    return wheelInk(strip, ink, a + inset, b - inset, topAt(mid) - 0.25 * S, bottomAt(mid) + 0.25 * S);
  };
  /**
   * Place k's strip pixels: its columns between its sides' `insetShare`, its rows from `margin`
   * digit heights above the row's top line to as far below its foot line, clamped to the strip.
   */
  const placeBox = (k: number, insetShare: number, margin: number) => {
    const [a, b] = [edge(k), edge(k + 1)];
    const inset = insetShare * (b - a);
    const mid = (a + b) / 2;
    return {
      mid,
      span: b - a,
      x0: Math.max(0, Math.round(a + inset)),
      x1: Math.min(strip.width - 1, Math.round(b - inset)),
      y0: Math.max(0, Math.round(topAt(mid) - margin * S)),
      y1: Math.min(strip.height - 1, Math.round(bottomAt(mid) + margin * S)),
    };
  };
  /** Ink pixels in column x, rows y0..y1. */
  const columnInk = (x: number, y0: number, y1: number) => {
    let n = 0;
    for (let y = y0; y <= y1; y++) n += ink[y * strip.width + x] as number;
    return n;
  };
  /** Whether a column's `inkCount` runs down nearly all of rows y0..y1: a frame's edge, a separator, a bar. */
  const runsDown = (inkCount: number, y0: number, y1: number) => inkCount >= 0.8 * (y1 - y0 + 1);
  /**
   * Whether the ink of place k lies in its middle (not at one side: a frame, a label's edge);
   * `besideBars` leaves out the columns whose ink runs down the whole place (a frame's edge).
   */
  const inkCentred = (k: number, besideBars = false) => {
    const { mid, span, x0, x1, y0, y1 } = placeBox(k, 0, 0.25);
    let sum = 0;
    let n = 0;
    for (let x = x0; x <= x1; x++) {
      const column = columnInk(x, y0, y1);
      if (besideBars && runsDown(column, y0, y1)) continue;
      sum += x * column;
      n += column;
    }
    return n > 0 && Math.abs(sum / n - mid) <= 0.15 * span;
  };
  /**
   * Whether place k's ink crosses the row's top or foot line: a whole digit crosses both, a
   * turning wheel's pieces one each, while a label beside the window (`m³`, a unit, a serial
   * number) is smaller than the digits and floats between them.
   */
  const inkReachesRow = (k: number) => rowLinesCrossed(k, 0.15).some(Boolean);
  /**
   * Whether a row of columns x0..x1 shows ink (2 pixels or more), leaving out the columns whose
   * ink runs down nearly all of rows y0..y1: a frame's edge or a separator is no digit.
   */
  const inkedRows = (x0: number, x1: number, y0: number, y1: number) => {
    const bar = new Set<number>();
    for (let x = x0; x <= x1; x++) if (runsDown(columnInk(x, y0, y1), y0, y1)) bar.add(x);
    return (y: number) => {
      let n = 0;
      for (let x = x0; x <= x1; x++) if (!bar.has(x)) n += ink[y * strip.width + x] as number;
      return n >= 2;
    };
  };
  /** Whether place k's ink, between its sides' `insetShare`, crosses the row's top line and its foot line. */
  const rowLinesCrossed = (k: number, insetShare: number): [boolean, boolean] => {
    const { mid, x0, x1, y0, y1 } = placeBox(k, insetShare, 0.25);
    // A frame's edge or a separator runs the whole height: it crosses both lines and is no digit.
    const inked = inkedRows(x0, x1, y0, y1);
    const crosses = (line: number) => {
      for (let y = Math.round(line - ROW_LINE_REACH * S); y <= Math.round(line + ROW_LINE_REACH * S); y++)
        if (y >= 0 && y < strip.height && inked(y)) return true;
      return false;
    };
    return [crosses(topAt(mid)), crosses(bottomAt(mid))];
  };
  /**
   * The share of ink in place k's middle between the row's top and foot lines, leaving out
   * columns of ink that run down all of it: a digit's strokes, but not a frame's side or a
   * separator, nor the frame's bars above and below the digits.
   */
  const coreInk = (k: number) => {
    const { x0, x1, y0, y1 } = placeBox(k, 0.15, 0);
    let n = 0;
    let all = 0;
    for (let x = x0; x <= x1; x++) {
      const column = columnInk(x, y0, y1);
      all += y1 - y0 + 1;
      if (!runsDown(column, y0, y1)) n += column;
    }
    return all > 0 ? n / all : 0;
  };
  /**
   * How many digit heights place k's ink spans from its top to its foot, between its sides'
   * 0.15 and leaving out bars that run its whole height: a whole digit spans one, a turning
   * wheel's two pieces (from the row's top line to its foot line) as much or more.
   */
  const inkHeight = (k: number) => {
    const { x0, x1, y0, y1 } = placeBox(k, 0.15, 0.25);
    const inked = inkedRows(x0, x1, y0, y1);
    let [first, last] = [-1, -1];
    for (let y = y0; y <= y1; y++) if (inked(y)) [first, last] = [first < 0 ? y : first, y];
    return first < 0 ? 0 : (last - first + 1) / S;
  };
  /** The median grey of place k (its ink is the lesser part): the wheel's ground, or a frame's. */
  const groundAt = (k: number) => {
    const { x0, x1, y0, y1 } = placeBox(k, 0, 0);
    const values: number[] = [];
    for (let y = y0; y <= y1; y += 2) {
      for (let x = x0; x <= x1; x += 2) {
        if (!strip.outside?.[y * strip.width + x]) values.push(strip.data[y * strip.width + x] as number);
      }
    }
    return values.length ? median(values) : -1000;
  };
  /** The grey of the whole digits' ink. */
  const inkLevelOf = () => {
    const values: number[] = [];
    for (const b of m.whole)
      for (let x = b.left; x <= b.right; x += 2)
        for (let y = b.top; y <= b.bottom; y += 2)
          if (ink[y * strip.width + x]) values.push(strip.data[y * strip.width + x] as number);
    return values.length ? median(values) : 0;
  };
  const inkOfWhole = median(m.indexes.map((k) => placeInk(k)));
  const wheelGround = median(m.indexes.map((k) => groundAt(k)));
  const contrast = Math.max(1, wheelGround - inkLevelOf());
  // Measured once, and only where a place beside the row is in question.
  let windowAt: ReturnType<typeof windowCover> | undefined;
  const placeWindow = (k: number) => {
    windowAt ??= windowCover(
      strip,
      m,
      m.indexes.map((j) => [edge(j), edge(j + 1)] as const),
      contrast,
    );
    const inset = 0.15 * (edge(k + 1) - edge(k));
    return windowAt(edge(k) + inset, edge(k + 1) - inset);
  };
  let firstK = 0;
  let count = known;
  if (options.digits !== undefined && known > options.digits) {
    // The profile counts the integer wheels; decimal wheels follow them on the right.
    count = options.digits;
  } else if (options.digits !== undefined) {
    // The places left over go where the row shows ink (wheels turning between two digits), and
    // first where the window runs on: a label past its end (m³) may show more ink than a digit
    // under glare at its other end.
    const spareWheels = options.digits - known;
    /** How much more the window says a place is in it than not: -1, 0 or 1 (see windowCover). */
    const windowSays = (k: number) => ({ inside: 1, unknown: 0, outside: -1 })[placeWindow(k)];
    /** placeInk's, but a place the window runs on over is a wheel, however dark glare makes it. */
    const spareInk = (k: number) => {
      const share = placeInk(k);
      return share === NO_WHEEL && placeWindow(k) === "inside" ? 0 : share;
    };
    let best: { ink: number; score: number } | undefined;
    for (let left = 0; left <= spareWheels; left++) {
      const places = [
        ...Array.from({ length: left }, (_, i) => -left + i),
        ...Array.from({ length: spareWheels - left }, (_, i) => known + i),
      ];
      const ink = places.reduce((sum, k) => sum + spareInk(k), 0);
      // Ink decides only between arrangements the window cannot tell apart.
      const score = ink < 0 ? ink : ink + places.reduce((sum, k) => sum + windowSays(k), 0);
      if (!best || score > best.score) {
        best = { ink, score };
        firstK = -left;
      }
    }
    if (!best || best.ink <= OUTSIDE)
      return {
        ok: false,
        reason: `counter not found inside the crop: widen it (${options.digits} wheels do not fit in it)`,
      };
    if (best.ink < 0) return { ok: false, reason: `${known} digit cells found, the profile says ${options.digits}` };
    count = options.digits;
  } else {
    // Without a digit count, the row runs on while the places beside it show about as much ink
    // as a whole digit, in their middle (the two pieces of a wheel turning between two digits),
    // or any ink inside the window: a thin 1 has too little ink to pass for a digit by its share.
    const coreOfWhole = median(m.indexes.map((k) => coreInk(k)));
    /** About a whole digit's ink (`share`, placeInk's), in the middle of place k. */
    const digitsWorth = (k: number, share: number) =>
      share >= 0.5 * inkOfWhole && share <= 1.6 * inkOfWhole && inkCentred(k);
    const wheelAt = (k: number) => {
      if (!inkReachesRow(k)) return false;
      const share = placeInk(k);
      // Ink like a digit's on a ground unlike the wheels' is the face beside the window (its frame's edge, glare).
      if (digitsWorth(k, share)) {
        if (placeWindow(k) === "inside") return true;
        // On a ground like the wheels' (light wheels beside a light dial face), ink beyond the
        // window's end is its frame (bars above, below and at the side, none between the lines)
        // or a label, smaller than the digits: m³ spans about half their height.
        return (
          Math.abs(groundAt(k) - wheelGround) < 0.5 * contrast &&
          coreInk(k) >= 0.3 * coreOfWhole &&
          inkHeight(k) >= LEAST_WHEEL_HEIGHT
        );
      }
      return share >= 0.15 * inkOfWhole && placeWindow(k) === "inside";
    };
    while (wheelAt(firstK - 1)) firstK--;
    while (wheelAt(firstK + count)) count++;
    // A row of three figures or fewer is more often part of a counter (glare hides the rest) or
    // a label than a whole counter.
    if (count < MIN_FREE_WHEELS)
      return { ok: false, reason: `only ${count} wheels found: give the counter's digits in a profile` };
    // Where the window runs on past the row, the count is not known. Where its edges do not say,
    // a place with some ink in its middle, too little for a wheel, may be the last wheel turning
    // (it shows a sliver of each digit), and so may a fainter trace of ink there on the wheels'
    // own ground. A place of bare window shows no digit at all: it is the window's margin (the
    // real meter's runs on past both ends of its row). Beyond the window's end, ink is a label
    // and a light ground the dial's face.
    const unclear = (k: number) => {
      const share = placeInk(k);
      if (share <= OUTSIDE) return false;
      // A whole digit's worth of ink in the place's middle half, crossing both row lines, is a
      // digit whatever the window's edges seem to say: glare over the frame hides them (01643
      // read 0164 so), and a frame's edge, a label or a dial's face does not look like this.
      if (digitsWorth(k, share) && rowLinesCrossed(k, 0.3).every(Boolean)) return true;
      const window = placeWindow(k);
      if (window !== "unknown") return window === "inside";
      // Beside the frame's edge: it would draw a last wheel's slivers of ink off the middle.
      if (share < TRACE_OF_INK * inkOfWhole || !inkCentred(k, true)) return false;
      return (share >= 0.15 * inkOfWhole && inkReachesRow(k)) || Math.abs(groundAt(k) - wheelGround) < 0.25 * contrast;
    };
    const [before, after] = [unclear(firstK - 1), unclear(firstK + count)];
    if (before || after)
      return {
        ok: false,
        reason: `the wheel ${after ? "after" : "before"} the ${count} found is unclear: give the counter's digits in a profile`,
      };
  }
  const u0 = edge(firstK);
  const u1 = edge(firstK + count);
  if (u0 < 0 || u1 > strip.width - 1) return { ok: false, reason: "counter not found inside the crop: widen it" };
  const above = windowReach(strip, m, u0, u1, -1);
  const below = windowReach(strip, m, u0, u1, 1);

  // The band: its columns evenly spaced along the row in digit heights (so the wheels are evenly
  // spaced in it too), each scaled so its digit is BAND_DIGIT_HEIGHT high.
  const H = BAND_DIGIT_HEIGHT;
  const s0 = m.scale.toS(u0);
  const bandWidth = Math.round((m.scale.toS(u1) - s0) * H);
  const digitTop = Math.round(above * H);
  const bandHeight = Math.round((1 + above + below) * H);
  // What is left of the row's skew in the strip would shear the digits: the band's columns run
  // square to the row, not straight down the strip.
  const slope = (m.top.b + m.bottom.b) / 2;
  const toStrip: Mapping = (x, y) => {
    const u = m.scale.toU(s0 + x / H);
    const t = topAt(u);
    const localH = bottomAt(u) - t + 1;
    const v = t + ((y - digitTop) * localH) / H;
    return [u - slope * (v - t), v];
  };
  // Sampled from the source itself: resampling the strip again would blur strokes into the ledges
  // and shadows beside them.
  const sourcePerBand = S / scale / H;
  // Each band column is a straight line in the strip, so in the source: its top point and step.
  const column = (x: number): [number, number, number, number] => {
    const [u, v] = toStrip(x, 0);
    const [u1s, v1s] = toStrip(x, 1);
    const [sx, sy] = toSource(u, v);
    const [sx1, sy1] = toSource(u1s, v1s);
    return [sx, sy, sx1 - sx, sy1 - sy];
  };
  const band = normalized(
    resampleColumns(dark, bandWidth, bandHeight, column, ground, Math.ceil(sourcePerBand - 0.15)),
  );
  // Without a digit count, red wheels after the others are decimals: the integer part is read.
  if (options.red && options.digits === undefined) {
    const red = resampleColumns(options.red, bandWidth, bandHeight, column, 0);
    const redness = (k: number) => {
      const x0 = Math.max(0, Math.round((m.first + (k - 0.5) * m.pitch - s0) * H));
      const x1 = Math.min(bandWidth - 1, Math.round((m.first + (k + 0.5) * m.pitch - s0) * H) - 1);
      let sum = 0;
      for (let y = digitTop; y < Math.min(bandHeight, digitTop + H); y++)
        for (let x = x0; x <= x1; x++) sum += red.data[y * bandWidth + x] as number;
      return sum / Math.max(1, (x1 - x0 + 1) * H);
    };
    const plain = redness(firstK);
    while (count > MIN_FREE_WHEELS && redness(firstK + count - 1) > plain + RED_WHEEL) count--;
  }
  const cells: [number, number][] = Array.from({ length: count }, (_, i) => {
    const k = firstK + i;
    const x0 = Math.max(0, Math.round((m.first + (k - 0.5) * m.pitch - s0) * H));
    const x1 = Math.min(bandWidth - 1, Math.round((m.first + (k + 0.5) * m.pitch - s0) * H) - 1);
    return [x0, x1];
  });
  const corner = (x: number, y: number): [number, number] => {
    const [u, v] = toStrip(x, y);
    const [sxp, syp] = toSource(u, v);
    return [Math.round(sxp * 10) / 10, Math.round(syp * 10) / 10];
  };
  const skewRad = Math.atan2(m.top.b + m.bottom.b, 2) + view.along;
  return {
    ok: true,
    located: {
      band,
      digitTop,
      digitHeight: H,
      cells,
      corners: [corner(0, 0), corner(bandWidth, 0), corner(bandWidth, bandHeight), corner(0, bandHeight)],
      inverted: found.inverted,
      found: m.whole.length,
      skew: Math.round(((skewRad * 180) / Math.PI) * 10) / 10,
    },
  };
}
