/**
 * Finds the digit on each counter wheel in a cleaned band (dark digits on light, one row of
 * wheels): the band is cut into one cell per wheel at the emptiest columns, and in each cell the
 * rows of ink are grouped into glyphs. The tallest glyph is the digit the wheel shows most of;
 * where it sits against the other wheels' digits says whether the wheel is still turning towards
 * it. Fragments of neighbouring digits, the window's edges and shadows are left out of the line
 * Tesseract reads.
 */
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
  /** The most visible glyph; absent when the cell is blank. */
  glyph?: Glyph;
  /**
   * How far that glyph sits below the other wheels' digits, in digit heights: about 0 for a
   * wheel square on its digit, positive for a digit still coming in from below (the wheel is
   * between the previous digit and this one), negative for one leaving at the top.
   */
  offset: number;
  /** Glyphs seen in the cell: 2 for a wheel caught between two digits. */
  glyphs: number;
}

export interface Counter {
  wheels: Wheel[];
  /** Height of a whole digit in band pixels (median over the wheels). */
  digitHeight: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function inkMask(img: GrayImage): Uint8Array {
  const threshold = otsuThreshold(img);
  return img.data.map((v) => (v <= threshold ? 1 : 0));
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
  if (runs.length <= 1) return g;
  const inside = runs.filter((r) => r.left > x0 && r.right < x1);
  const pool = inside.length ? inside : runs;
  const best = pool.reduce((a, r) => (r.ink > a.ink ? r : a));
  return { ...g, left: best.left, right: best.right, ink: best.ink };
}

/** Cuts between wheels at the emptiest column near where equal cells would end. */
function cellBounds(mask: Uint8Array, width: number, height: number, digits: number): [number, number][] {
  const columns = new Array<number>(width).fill(0);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) columns[x] = (columns[x] as number) + (mask[y * width + x] as number);
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

/** Groups a cell's ink rows into glyphs; a single blank row does not split a glyph. */
function glyphsIn(mask: Uint8Array, width: number, height: number, x0: number, x1: number): Glyph[] {
  const minRowInk = Math.max(1, Math.round((x1 - x0 + 1) * 0.03));
  const glyphs: Glyph[] = [];
  let current: Glyph | undefined;
  let blank = 0;
  for (let y = 0; y < height; y++) {
    let rowInk = 0;
    let left = x1;
    let right = x0;
    for (let x = x0; x <= x1; x++) {
      if (mask[y * width + x]) {
        rowInk++;
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
    if (rowInk < minRowInk) {
      blank++;
      continue;
    }
    if (current && blank <= 1) {
      current.bottom = y;
      current.ink += rowInk;
      current.left = Math.min(current.left, left);
      current.right = Math.max(current.right, right);
    } else {
      current = { top: y, bottom: y, left, right, ink: rowInk };
      glyphs.push(current);
    }
    blank = 0;
  }
  // Specks of noise and dust are not glyphs.
  const minHeight = Math.max(3, Math.round(height * 0.06));
  return glyphs.filter((g) => g.bottom - g.top + 1 >= minHeight).map((g) => narrowColumns(mask, width, g, x0, x1));
}

const heightOf = (g: Glyph) => g.bottom - g.top + 1;

export function findWheels(img: GrayImage, digits: number): Counter {
  const mask = inkMask(img);
  const cells = cellBounds(mask, img.width, img.height, digits);
  const found = cells.map(([x0, x1]) => {
    const glyphs = glyphsIn(mask, img.width, img.height, x0, x1);
    const glyph = glyphs.reduce<Glyph | undefined>((a, g) => (!a || heightOf(g) > heightOf(a) || (heightOf(g) === heightOf(a) && g.ink > a.ink) ? g : a), undefined);
    return { x0, x1, glyph, glyphs: glyphs.length };
  });
  const seen = found.flatMap((w) => (w.glyph ? [w.glyph] : []));
  const tallest = seen.length ? median(seen.map(heightOf)) : img.height;
  const whole = seen.filter((g) => heightOf(g) >= 0.85 * tallest);
  const refTop = whole.length ? median(whole.map((g) => g.top)) : 0;
  // A lit ledge under a wheel's window joins its digit from below: the shortest whole digit
  // square in its window is the true digit height, and taller ones are cut to it.
  const square = whole.filter((g) => Math.abs(g.top - refTop) <= 0.1 * tallest);
  const digitHeight = square.length ? Math.min(...square.map(heightOf)) : tallest;
  const refBottom = refTop + digitHeight - 1;
  const wheels = found.map((w): Wheel => {
    if (!w.glyph) return { ...w, offset: 0 };
    let g = w.glyph;
    // A digit cut short at the top is leaving upwards: only its bottom edge says where it is.
    const leaving = heightOf(g) < 0.85 * digitHeight && g.top < refTop;
    if (!leaving && heightOf(g) > digitHeight + 1) {
      g = narrowColumns(mask, img.width, { ...g, bottom: g.top + digitHeight, left: w.x0, right: w.x1 }, w.x0, w.x1);
    }
    const offset = (leaving ? g.bottom - refBottom : g.top - refTop) / digitHeight;
    return { ...w, glyph: g, offset: Math.round(offset * 1000) / 1000 };
  });
  return { wheels, digitHeight };
}

export interface Line {
  page: GrayImage;
  /** Each wheel's columns on the page ([-1, -1] for a wheel without a digit). */
  spans: [number, number][];
}

/**
 * The wheels' digits as one evenly spaced line on white, for Tesseract to read as a line of
 * text (it reads a lone character far worse): only ink is copied, whole digits aligned by their
 * tops, a digit leaving at the top by where whole digits end.
 */
export function composeLine(img: GrayImage, counter: Counter, gapRatio = 0.2): Line {
  const threshold = otsuThreshold(img);
  const h = Math.round(counter.digitHeight);
  const margin = Math.max(8, Math.round(h * 0.4));
  const gap = Math.max(3, Math.round(h * gapRatio));
  // Each digit's kept ink and the columns it spans, so that the digits sit evenly spaced.
  const inks = counter.wheels.map((w) => {
    const g = w.glyph;
    if (!g) return undefined;
    const gh = Math.min(heightOf(g), h + margin);
    const box = { ...g, bottom: g.top + gh - 1 };
    const keep = mainInk(img, box, threshold);
    const gw = g.right - g.left + 1;
    let first = gw;
    let last = -1;
    for (let i = 0; i < keep.length; i++) {
      if (!keep[i]) continue;
      first = Math.min(first, i % gw);
      last = Math.max(last, i % gw);
    }
    return last < 0 ? undefined : { wheel: w, box, keep, gw, gh, first, last };
  });
  const width = 2 * margin + inks.reduce((sum, k) => sum + (k ? k.last - k.first + 1 + gap : 0), 0);
  const page = blankImage(Math.max(width, 2 * margin + 1), h + 2 * margin);
  const spans: [number, number][] = [];
  let x = margin;
  for (const k of inks) {
    if (!k) {
      spans.push([-1, -1]);
      continue;
    }
    const top = k.wheel.offset < 0 && k.gh < 0.85 * h ? margin + h - k.gh : margin;
    for (let y = 0; y < k.gh; y++) {
      for (let dx = k.first; dx <= k.last; dx++) {
        if (k.keep[y * k.gw + dx]) page.data[(top + y) * page.width + x + dx - k.first] = img.data[(k.box.top + y) * img.width + k.box.left + dx] as number;
      }
    }
    spans.push([x, x + k.last - k.first]);
    x += k.last - k.first + 1 + gap;
  }
  return { page, spans };
}

/**
 * The ink of a glyph's box that belongs to the digit: its connected pieces (8-connected) of at
 * least a tenth of the largest; dust, a decimal dot and bits of the window's ledge are left out.
 */
function mainInk(img: GrayImage, g: Glyph, threshold: number): Uint8Array {
  const w = g.right - g.left + 1;
  const h = g.bottom - g.top + 1;
  const label = new Int32Array(w * h);
  const sizes = [0];
  for (let start = 0; start < w * h; start++) {
    if (label[start] || (img.data[(g.top + Math.floor(start / w)) * img.width + g.left + (start % w)] as number) > threshold) continue;
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
          if (label[n] || (img.data[(g.top + ny) * img.width + g.left + nx] as number) > threshold) continue;
          label[n] = id;
          stack.push(n);
        }
      }
    }
    sizes.push(size);
  }
  const largest = Math.max(...sizes);
  const keep = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) if ((sizes[label[i] as number] as number) >= largest * 0.1 && label[i]) keep[i] = 1;
  return keep;
}
