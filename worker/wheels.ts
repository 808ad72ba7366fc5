/**
 * Finds the digits on a counter's wheels in a cleaned band (dark digits on light, one row of
 * wheels): the band is cut into one cell per wheel at the emptiest columns, and in each cell the
 * rows of ink are grouped into glyphs. The tallest glyph is the digit the wheel shows most of;
 * where it sits against the digits of wheels square in the window says whether the wheel is
 * still turning towards it, and a second glyph above or below it is the other digit of a wheel
 * caught between two. Dust, dots and the window's edges and ledges are left out of the line that
 * Tesseract reads.
 */
import { boxMeans } from "./components";
import { blankImage, otsuThreshold, type GrayImage } from "./pgm";

/** Rows and columns are inclusive, in band pixels. */
export interface Glyph {
  top: number;
  bottom: number;
  left: number;
  right: number;
  ink: number;
}

export interface Wheel {
  /** The band's columns that belong to this wheel. */
  x0: number;
  x1: number;
  /** The tallest glyph: the digit the wheel shows most of; absent when the cell is blank. */
  glyph?: Glyph;
  /**
   * How far that glyph sits below the digits of wheels square in the window, in digit heights:
   * about 0 on a wheel square on its digit, positive for a digit still coming in from below,
   * negative for one leaving at the top.
   */
  offset: number;
  /** The other digit of a wheel caught between two (at least a quarter of a digit shows). */
  second?: Glyph;
}

export interface Counter {
  wheels: Wheel[];
  /** Height of a whole digit in band pixels. */
  digitHeight: number;
  /**
   * The digit height a located band was drawn at (see locate.ts): the same in every photo, so
   * shapes sampled at it compare across the batch; the ink's own height varies with blur by a
   * pixel or two.
   */
  drawnHeight?: number;
  /** How much darker than its surroundings ink is (see inkMask). */
  contrast: number;
  /** The band's ink (see inkMask), kept for composing the lines. */
  mask?: Uint8Array;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const heightOf = (g: Glyph) => g.bottom - g.top + 1;

/** A glyph shorter than this share of a whole digit is only part of one. */
const PARTIAL = 0.8;

export const isWhole = (g: Glyph, counter: Counter) => heightOf(g) >= PARTIAL * counter.digitHeight;

/** A digit off square (coming in or leaving) must show this share of a whole digit to be read on its own. */
const SHIFTED_WHOLE = 0.92;

/**
 * A wheel caught between two digits, read from its pieces where the batch knows every digit's
 * shape: its main digit is cut by the window, it is off square with its foot or head hidden, or
 * it is coming in under the digit before it.
 */
export const betweenDigits = (w: Wheel, counter: Counter) =>
  Boolean(
    w.glyph &&
    (needsPair(w, counter) || (Math.abs(w.offset) > 0.05 && heightOf(w.glyph) < SHIFTED_WHOLE * counter.digitHeight)),
  );

/**
 * A wheel Tesseract alone cannot be trusted on, where shapes are not known: its main digit is
 * cut by the window (under 80 % shows), it is coming in from below with its foot still hidden
 * (the top of a 0 passes for a 9, of a 2 for a 7), or it is coming in under the digit before it.
 * Its reading then rests on the digit above and the one below being read as consecutive digits.
 * (A digit leaving at the top with most of it showing is still read well.)
 */
export const needsPair = (w: Wheel, counter: Counter) =>
  Boolean(
    w.glyph &&
    (!isWhole(w.glyph, counter) ||
      (w.offset > 0.05 && heightOf(w.glyph) < SHIFTED_WHOLE * counter.digitHeight) ||
      (w.second && w.second.top < w.glyph.top)),
  );

/** Digit heights between the main digits and the second digits on the line. */
const SECOND_GAP = 1.5;

/**
 * Which pixels are ink: darker than the band's Otsu threshold, and darker than the mean of their
 * neighbourhood (a square about half the band high) by `contrast` (a share of that mean). Glare and uneven light
 * that darken part of the band (after inversion) are dark but not darker than their
 * surroundings, so they do not turn into ink.
 */
export function inkMask(img: GrayImage, contrast: number): Uint8Array {
  const threshold = otsuThreshold(img);
  const means = boxMeans(img, Math.max(8, Math.round(img.height / 4)));
  const mask = new Uint8Array(img.width * img.height);
  for (let i = 0; i < mask.length; i++) {
    const v = img.data[i] as number;
    if (v <= threshold && v < (means[i] as number) * (1 - contrast)) mask[i] = 1;
  }
  return mask;
}

/** Cuts between wheels at the emptiest column near where equal cells would end. */
function cellBounds(mask: Uint8Array, width: number, height: number, digits: number): [number, number][] {
  const columns = new Array<number>(width).fill(0);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) columns[x] = (columns[x] as number) + (mask[y * width + x] as number);
  const pitch = width / digits;
  const reach = Math.floor(pitch / 3);
  const cuts = [0];
  for (let i = 1; i < digits; i++) {
    const ideal = Math.round(i * pitch);
    let best = ideal;
    let bestCost = Infinity;
    for (let x = Math.max(1, ideal - reach); x <= Math.min(width - 2, ideal + reach); x++) {
      const ink = (columns[x - 1] as number) + (columns[x] as number) + (columns[x + 1] as number);
      const cost = ink + Math.abs(x - ideal) / (pitch * 4);
      if (cost < bestCost) {
        bestCost = cost;
        best = x;
      }
    }
    cuts.push(best);
  }
  cuts.push(width);
  return cuts.slice(0, -1).map((start, i) => [start, (cuts[i + 1] as number) - 1]);
}

/**
 * Narrows a glyph to its main run of columns: a sliver of the window's edge, of the unit sign or
 * of the next wheel's digit shares its rows but not its columns. Runs touching the cell's edges
 * are the likely intruders.
 */
function narrowColumns(mask: Uint8Array, width: number, g: Glyph, x0: number, x1: number): Glyph {
  const runs: { left: number; right: number; ink: number }[] = [];
  let blank = 2;
  for (let x = g.left; x <= g.right; x++) {
    let ink = 0;
    for (let y = g.top; y <= g.bottom; y++) ink += mask[y * width + x] as number;
    if (ink === 0) {
      blank++;
      continue;
    }
    const last = runs[runs.length - 1];
    if (last && blank < 2) {
      last.right = x;
      last.ink += ink;
    } else runs.push({ left: x, right: x, ink });
    blank = 0;
  }
  if (runs.length === 0) return g;
  const inside = runs.filter((r) => r.left > x0 && r.right < x1);
  const best = (inside.length ? inside : runs).reduce((a, r) => (r.ink > a.ink ? r : a));
  // The rows only an intruder at the cell's edge inks go with it: a window's edge beside a digit
  // would otherwise stretch the digit up to where the edge starts, and it would pass for a wheel
  // turning. Only when the digit is one piece: runs inside the cell may be pieces of a digit
  // broken by light, whose rows are the digit's own.
  const insideInk = inside.reduce((sum, r) => sum + r.ink, 0);
  if (inside.length === 0 || best.ink < 0.9 * insideInk)
    return { ...g, left: best.left, right: best.right, ink: best.ink };
  const inked = (y: number) =>
    inside.some((r) => {
      for (let x = r.left; x <= r.right; x++) if (mask[y * width + x]) return true;
      return false;
    });
  let [top, bottom] = [g.top, g.bottom];
  while (top < bottom && !inked(top)) top++;
  while (bottom > top && !inked(bottom)) bottom--;
  return { ...g, top, bottom, left: best.left, right: best.right, ink: best.ink };
}

/** Groups a cell's ink rows into glyphs; a single blank row does not split a glyph. */
function glyphsIn(mask: Uint8Array, width: number, height: number, x0: number, x1: number): Glyph[] {
  const minRowInk = Math.max(1, Math.round((x1 - x0 + 1) * 0.03));
  const glyphs: Glyph[] = [];
  let current: Glyph | undefined;
  let blank = 0;
  for (let y = 0; y < height; y++) {
    let rowInk = 0;
    for (let x = x0; x <= x1; x++) rowInk += mask[y * width + x] as number;
    if (rowInk < minRowInk) {
      blank++;
      continue;
    }
    if (current && blank <= 1) {
      current.bottom = y;
      current.ink += rowInk;
    } else {
      current = { top: y, bottom: y, left: x0, right: x1, ink: rowInk };
      glyphs.push(current);
    }
    blank = 0;
  }
  // Specks of noise and dust are not glyphs.
  const minHeight = Math.max(3, Math.round(height * 0.06));
  return glyphs.filter((g) => heightOf(g) >= minHeight).map((g) => narrowColumns(mask, width, g, x0, x1));
}

/** Where the wheels are, where the counter was located in the image (see locate.ts). */
export interface Layout {
  /** One [x0, x1] per wheel. */
  cells: [number, number][];
  /** The band row where a square digit's top sits. */
  digitTop: number;
  /** The height the band was drawn to give a whole digit. */
  digitHeight: number;
  /** Which pixels are ink, where the caller measured it (otherwise inkMask). */
  ink?: Uint8Array;
}

/** The least ink a cell's glyph has, as a share of the median cell's glyph. */
const MIN_GLYPH_INK = 0.03;

/** A run of ink across this share of a cell is no digit's stroke: the window's edge. */
const EDGE_SPAN = 0.85;
/** Digit heights a frame's bar reaches past the digits' rows, above them and below. */
const BAR_REACH = 0.1;

/** The runs of `inked` positions among 0..count-1, each as [first, last]. */
export function inkRuns(count: number, inked: (i: number) => boolean): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= count; i++) {
    const on = i < count && inked(i);
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      runs.push([start, i - 1]);
      start = -1;
    }
  }
  return runs;
}

/**
 * The mask without the frame's lines in located cells: the window's frame and the separators
 * between wheels run on above and below the digits, and the window's edges across a whole cell,
 * which no digit's stroke does (a 1 stands in the middle third of its cell). Left in, the frame's
 * bar joins the first wheel's digit, and Tesseract reads a 3 beside it as a 2.
 */
function withoutBars(
  mask: Uint8Array,
  width: number,
  height: number,
  cells: [number, number][],
  digitTop: number,
  digitHeight: number,
): Uint8Array {
  const out = new Uint8Array(mask);
  const reach = BAR_REACH * digitHeight;
  const [above, below] = [digitTop - reach, digitTop + digitHeight - 1 + reach];
  for (const [x0, x1] of cells) {
    const widest = EDGE_SPAN * (x1 - x0 + 1);
    for (let y = 0; y < height; y++) {
      for (const [a, b] of inkRuns(x1 - x0 + 1, (i) => Boolean(mask[y * width + x0 + i]))) {
        if (b - a + 1 >= widest) out.fill(0, y * width + x0 + a, y * width + x0 + b + 1);
      }
    }
    const third = (x1 - x0 + 1) / 3;
    for (let x = x0; x <= x1; x++) {
      if (x > x0 + third && x < x1 - third) continue;
      // A frame's bar runs past the digit's rows on both sides; a stroke joined to glare or to
      // the next digit's piece reaches past them on one side at most.
      for (const [top, bottom] of inkRuns(height, (y) => Boolean(mask[y * width + x]))) {
        if (top <= above && bottom >= below) for (let y = top; y <= bottom; y++) out[y * width + x] = 0;
      }
    }
  }
  return out;
}

/**
 * The wheels of a band: in the cells of `layout` where the counter was located, or in `digits`
 * cells at the emptiest columns near equal spacing of a band cut to the counter by the profile.
 */
export function findWheels(img: GrayImage, digits: number, contrast: number, layout?: Layout): Counter {
  const measured = layout?.ink ?? inkMask(img, contrast);
  const bounds = layout?.cells ?? cellBounds(measured, img.width, img.height, digits);
  const mask = layout
    ? withoutBars(measured, img.width, img.height, bounds, layout.digitTop, layout.digitHeight)
    : measured;
  const cells = bounds.map(([x0, x1]) => {
    // A located cell spans its wheel from gap to gap; its digit keeps clear of the edges, where
    // the window's frame or a separator may stand.
    const inset = layout ? Math.round(0.1 * (x1 - x0 + 1)) : 0;
    const glyphs = glyphsIn(mask, img.width, img.height, x0 + inset, x1 - inset);
    const glyph = glyphs.reduce<Glyph | undefined>(
      (a, g) => (!a || heightOf(g) > heightOf(a) || (heightOf(g) === heightOf(a) && g.ink > a.ink) ? g : a),
      undefined,
    );
    return { x0, x1, inner: [x0 + inset, x1 - inset] as const, glyph, others: glyphs.filter((g) => g !== glyph) };
  });
  // A fleck of a frame or of noise left in a cell whose digit the light washed out is no digit,
  // not even a sliver of one: a wheel's sliver spans the digit's strokes.
  const inkOfDigits = median(cells.flatMap((c) => (c.glyph ? [c.glyph.ink] : [])));
  for (const c of cells)
    if (c.glyph && c.glyph.ink < MIN_GLYPH_INK * inkOfDigits) [c.glyph, c.others] = [undefined, []];
  const seen = cells.flatMap((c) => (c.glyph ? [c.glyph] : []));
  const typical = seen.length ? median(seen.map(heightOf)) : img.height;
  const tallest = seen.length ? Math.max(...seen.map(heightOf)) : img.height;
  const whole = seen.filter((g) => heightOf(g) >= 0.85 * typical);
  // The profile centres the row of digits in the band, which says roughly where a square digit
  // sits; the whole digits near there say exactly. Of those, the ones nearest the centre and
  // level with each other are square: wheels turning together in a carry sit level too, a little
  // off centre, and may outnumber the square ones.
  const centred = layout?.digitTop ?? (img.height - tallest) / 2;
  const near = whole.filter((g) => Math.abs(g.top - centred) <= 0.25 * tallest);
  const nearest = near.reduce<Glyph | undefined>(
    (a, g) => (!a || Math.abs(g.top - centred) < Math.abs(a.top - centred) ? g : a),
    undefined,
  );
  const square = nearest ? near.filter((g) => Math.abs(g.top - nearest.top) <= 0.1 * tallest) : [];
  const refTop = square.length ? median(square.map((g) => g.top)) : centred;
  // A lit ledge under a wheel's window joins its digit from below: the shortest square digit is
  // the true digit height, and taller ones are cut to it.
  const digitHeight = square.length ? Math.min(...square.map(heightOf)) : tallest;
  const wheels = cells.map((c): Wheel => {
    if (!c.glyph) return { x0: c.x0, x1: c.x1, offset: 0 };
    let g = c.glyph;
    // A digit cut short at the top is leaving upwards: only its bottom edge says where it is.
    const leaving = heightOf(g) < 0.85 * digitHeight && g.top < refTop;
    if (!leaving && heightOf(g) > digitHeight + 1) {
      // Cut to the digit height from its top: a lit ledge joins a digit from below. A glare stripe
      // across the whole window joins it from the band's very top: then from its foot, when that
      // is nearer the square digits' rows. (Not otherwise: a wheel's play off the square rows,
      // with a ledge under it, must stay measured.)
      const fromBelow = g.bottom - digitHeight + 1;
      const top = g.top === 0 && Math.abs(fromBelow - refTop) < Math.abs(g.top - refTop) ? fromBelow : g.top;
      const [left, right] = c.inner;
      g = narrowColumns(mask, img.width, { ...g, top, bottom: top + digitHeight, left, right }, left, right);
    }
    const offset = (leaving ? g.bottom - (refTop + digitHeight - 1) : g.top - refTop) / digitHeight;
    const second = c.others
      .filter((o) => heightOf(o) >= 0.25 * digitHeight)
      .reduce<Glyph | undefined>((a, o) => (!a || heightOf(o) > heightOf(a) ? o : a), undefined);
    return { x0: c.x0, x1: c.x1, glyph: g, offset: Math.round(offset * 1000) / 1000, second };
  });
  return { wheels, digitHeight, contrast, mask, drawnHeight: layout?.digitHeight };
}

export interface Line {
  page: GrayImage;
  /** Each wheel's main digit's columns on the page ([-1, -1] for a wheel without a digit). */
  spans: [number, number][];
  /** Each wheel's second digit's columns ([-1, -1] for none). */
  secondSpans: [number, number][];
}

interface Placed {
  box: Glyph;
  keep: Uint8Array;
  first: number;
  last: number;
  /** Aligned by its bottom where whole digits end (a digit leaving at the top). */
  byBottom: boolean;
}

/** A glyph's box, the ink in it that belongs to the digit, and the columns that ink spans. */
function place(img: GrayImage, mask: Uint8Array, g: Glyph, maxHeight: number, byBottom: boolean): Placed | undefined {
  const gh = Math.min(heightOf(g), maxHeight);
  const box = byBottom ? { ...g, top: g.bottom - gh + 1 } : { ...g, bottom: g.top + gh - 1 };
  const keep = mainInk(img.width, mask, box);
  const gw = g.right - g.left + 1;
  let first = gw;
  let last = -1;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    first = Math.min(first, i % gw);
    last = Math.max(last, i % gw);
  }
  return last < 0 ? undefined : { box, keep, first, last, byBottom };
}

/**
 * Wheels' digits as one evenly spaced line on white, for Tesseract to read as a line of text (it
 * reads a lone character far worse). `whole`: only the digits of wheels square in the window (or
 * nearly); pieces among them make Tesseract run digits together, and lose the line or its
 * confidence. `pieces`: every wheel's digit in order, for context, then after a wide gap the
 * second digits of the wheels caught between two; only the turning wheels' places are kept
 * (`spans` is [-1, -1] for the rest, so what Tesseract reads there is not counted twice). Whole
 * digits and digits coming in from below are aligned by their tops, digits leaving at the top by
 * where whole digits end. Undefined where the page would have nothing to read.
 */
export function composeLine(
  img: GrayImage,
  counter: Counter,
  which: "whole" | "pieces",
  gapRatio = 0.2,
): Line | undefined {
  const turning = counter.wheels.map((w) => Boolean(w.glyph) && betweenDigits(w, counter));
  const square = counter.wheels.map((w, i) => Boolean(w.glyph) && !turning[i]);
  if (!(which === "pieces" ? turning : square).some(Boolean)) return undefined;
  const mask = counter.mask ?? inkMask(img, counter.contrast);
  const h = Math.round(counter.digitHeight);
  const margin = Math.max(8, Math.round(h * 0.4));
  const gap = Math.max(3, Math.round(h * gapRatio));
  const n = counter.wheels.length;
  const mains = counter.wheels.map((w, i) =>
    w.glyph && (which === "pieces" || !turning[i])
      ? place(img, mask, w.glyph, h + margin, w.offset < 0 && heightOf(w.glyph) < 0.85 * h)
      : undefined,
  );
  // A second digit is read only to confirm a wheel Tesseract cannot be trusted on alone (see readWheels).
  const seconds = counter.wheels.map((w) =>
    w.second && w.glyph && which === "pieces" && needsPair(w, counter)
      ? place(img, mask, w.second, h + margin, w.second.top < w.glyph.top)
      : undefined,
  );
  const all = [...mains, ...seconds];
  const width =
    2 * margin + all.reduce((sum, p) => sum + (p ? p.last - p.first + 1 + gap : 0), 0) + Math.round(SECOND_GAP * h);
  const page = blankImage(width, h + 2 * margin);
  const spans: [number, number][] = [];
  let x = margin;
  for (const [slot, p] of all.entries()) {
    // Far from the main digits, or Tesseract joins a second digit to the last main one.
    if (slot === n) x += Math.round(SECOND_GAP * h);
    const counted = which === "whole" || turning[slot % n];
    if (!p) {
      spans.push([-1, -1]);
      continue;
    }
    const gw = p.box.right - p.box.left + 1;
    const gh = heightOf(p.box);
    const top = p.byBottom ? margin + h - gh : margin;
    for (let y = 0; y < gh; y++) {
      for (let dx = p.first; dx <= p.last; dx++) {
        if (p.keep[y * gw + dx])
          page.data[(top + y) * page.width + x + dx - p.first] = img.data[
            (p.box.top + y) * img.width + p.box.left + dx
          ] as number;
      }
    }
    spans.push(counted ? [x, x + p.last - p.first] : [-1, -1]);
    x += p.last - p.first + 1 + gap;
  }
  return { page, spans: spans.slice(0, n), secondSpans: spans.slice(n) };
}

/**
 * The ink of a glyph's box that belongs to the digit: its connected pieces (8-connected) of at
 * least a quarter of the largest; dust, a decimal dot and bits of the window's ledge are left out.
 */
function mainInk(width: number, mask: Uint8Array, g: Glyph): Uint8Array {
  const w = g.right - g.left + 1;
  const h = g.bottom - g.top + 1;
  const isInk = (x: number, y: number) => mask[(g.top + y) * width + g.left + x] === 1;
  const label = new Int32Array(w * h);
  const sizes = [0];
  for (let start = 0; start < w * h; start++) {
    if (label[start] || !isInk(start % w, Math.floor(start / w))) continue;
    const id = sizes.length;
    let size = 0;
    const stack = [start];
    label[start] = id;
    while (stack.length) {
      const at = stack.pop() as number;
      size++;
      const ax = at % w;
      const ay = Math.floor(at / w);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = ax + dx;
          const ny = ay + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const n = ny * w + nx;
          if (label[n] || !isInk(nx, ny)) continue;
          label[n] = id;
          stack.push(n);
        }
      }
    }
    sizes.push(size);
  }
  const largest = Math.max(...sizes);
  const keep = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) if (label[i] && (sizes[label[i] as number] as number) >= largest * 0.25) keep[i] = 1;
  return keep;
}
