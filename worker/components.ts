/**
 * Ink and its connected pieces in a grayscale image (dark ink on a lighter ground): the raw
 * material the counter is located from. Ink is judged against its own neighbourhood (a pixel
 * darker than the mean around it by a share), so uneven light, shade and the slow slopes of glare
 * do not turn into ink, whatever the exposure.
 */
import type { GrayImage } from "./pgm";

/** A connected piece of ink: its box (inclusive), pixel count and label in the label image. */
export interface Blob {
  label: number;
  left: number;
  top: number;
  right: number;
  bottom: number;
  area: number;
}

export const blobHeight = (b: { top: number; bottom: number }) => b.bottom - b.top + 1;
export const blobWidth = (b: { left: number; right: number }) => b.right - b.left + 1;

/** The mean of the square of side 2·radius+1 around every pixel (cut at the edges), by a summed-area table. */
export function boxMeans(img: GrayImage, radius: number): Float32Array {
  const { width, height, data } = img;
  const sums = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += data[y * width + x] as number;
      sums[(y + 1) * (width + 1) + x + 1] = (sums[y * (width + 1) + x + 1] as number) + row;
    }
  }
  const r = Math.max(1, Math.round(radius));
  const means = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(height, y + r + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(width, x + r + 1);
      const sum =
        (sums[y1 * (width + 1) + x1] as number) -
        (sums[y0 * (width + 1) + x1] as number) -
        (sums[y1 * (width + 1) + x0] as number) +
        (sums[y0 * (width + 1) + x0] as number);
      means[y * width + x] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
  return means;
}

/**
 * Pixels darker than the mean of the square of `radius` around them by `contrast` (a share of
 * that mean) and by at least `minStep` grey levels (so flat noise is not ink). Pixels outside
 * the source of a resampled image count as ink: nothing next to them stands alone.
 */
export function localInk(img: GrayImage, radius: number, contrast: number, minStep = 12): Uint8Array {
  const means = boxMeans(img, Math.max(2, radius));
  const mask = new Uint8Array(img.width * img.height);
  for (let i = 0; i < mask.length; i++) {
    const mean = means[i] as number;
    const v = img.data[i] as number;
    if ((v < mean * (1 - contrast) && mean - v >= minStep) || img.outside?.[i]) mask[i] = 1;
  }
  return mask;
}

/** Horizontal runs of ink, grown as they are found: a row of a mask is mostly ground. */
class Runs {
  y = new Int32Array(1024);
  x0 = new Int32Array(1024);
  x1 = new Int32Array(1024);
  parent = new Int32Array(1024);
  count = 0;

  add(y: number, x0: number, x1: number): number {
    if (this.count === this.y.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      [this.y, this.x0, this.x1, this.parent] = [grow(this.y), grow(this.x0), grow(this.x1), grow(this.parent)];
    }
    const i = this.count++;
    this.y[i] = y;
    this.x0[i] = x0;
    this.x1[i] = x1;
    this.parent[i] = i;
    return i;
  }

  root(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r] as number;
    // Every run on the way now points at the root, so later finds are short.
    while (this.parent[i] !== r) {
      const next = this.parent[i] as number;
      this.parent[i] = r;
      i = next;
    }
    return r;
  }

  join(a: number, b: number): void {
    const ra = this.root(a);
    const rb = this.root(b);
    // The earlier run stays the root, so a piece is known by its first run in raster order.
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
}

/**
 * 8-connected pieces of a mask, and the label of every pixel (0: none), labelled in the order of
 * each piece's first pixel in raster order. Found as runs joined to the runs they touch in the
 * row above (union-find): a photo's mask is tens of thousands of pixels but a few thousand runs,
 * and a pixel-by-pixel flood fill was the locator's largest cost.
 */
export function labelBlobs(mask: Uint8Array, width: number, height: number): { blobs: Blob[]; labels: Int32Array } {
  const runs = new Runs();
  let above = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const first = runs.count;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      const x0 = x;
      while (x + 1 < width && mask[row + x + 1]) x++;
      const at = runs.add(y, x0, x);
      // Runs of the row above that touch this one, diagonally included.
      while (above < first && (runs.x1[above] as number) < x0 - 1) above++;
      for (let k = above; k < first && (runs.x0[k] as number) <= x + 1; k++) runs.join(k, at);
    }
    above = first;
  }
  const labels = new Int32Array(width * height);
  const blobs: Blob[] = [];
  const labelOf = new Int32Array(runs.count);
  for (let i = 0; i < runs.count; i++) {
    const r = runs.root(i);
    // Roots come first in their piece, so a root's label is set before any run that points to it.
    const y = runs.y[i] as number;
    if (r === i) {
      blobs.push({ label: blobs.length + 1, left: width, top: y, right: -1, bottom: y, area: 0 });
      labelOf[i] = blobs.length;
    } else labelOf[i] = labelOf[r] as number;
    const label = labelOf[i] as number;
    const blob = blobs[label - 1] as Blob;
    const x0 = runs.x0[i] as number;
    const x1 = runs.x1[i] as number;
    blob.area += x1 - x0 + 1;
    if (x0 < blob.left) blob.left = x0;
    if (x1 > blob.right) blob.right = x1;
    if (y > blob.bottom) blob.bottom = y;
    labels.fill(label, y * width + x0, y * width + x1 + 1);
  }
  return { blobs, labels };
}

/**
 * Pieces of one glyph that a glare stripe, a thin stroke or JPEG blocks cut apart, joined into one
 * box: pieces that share most of their columns and lie a small gap apart vertically.
 */
export function joinStacked(boxes: Blob[]): Blob[] {
  const out = boxes.map((b) => ({ ...b }));
  let joined = true;
  while (joined) {
    joined = false;
    for (let i = 0; i < out.length && !joined; i++) {
      for (let j = i + 1; j < out.length && !joined; j++) {
        const a = out[i] as Blob;
        const b = out[j] as Blob;
        const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) + 1;
        if (overlap < 0.6 * Math.min(blobWidth(a), blobWidth(b))) continue;
        const gap = Math.max(a.top, b.top) - Math.min(a.bottom, b.bottom) - 1;
        const tall = Math.max(a.bottom, b.bottom) - Math.min(a.top, b.top) + 1;
        // Pieces of one glyph are of a kind: a stroke's width apart, neither far wider, and joined
        // no wider than tall (that would be two glyphs side by side, or a glyph and a shadow).
        const wide = Math.max(a.right, b.right) - Math.min(a.left, b.left) + 1;
        const narrow = Math.min(blobWidth(a), blobWidth(b));
        // Each piece is a good part of the whole: a ledge or shadow under a digit is not.
        const short = Math.min(blobHeight(a), blobHeight(b));
        if (
          gap > 0.3 * short + 1 ||
          short < 0.25 * tall ||
          Math.max(blobWidth(a), blobWidth(b)) > 3 * narrow ||
          wide > tall
        )
          continue;
        out[i] = {
          label: a.label,
          left: Math.min(a.left, b.left),
          top: Math.min(a.top, b.top),
          right: Math.max(a.right, b.right),
          bottom: Math.max(a.bottom, b.bottom),
          area: a.area + b.area,
        };
        out.splice(j, 1);
        joined = true;
      }
    }
  }
  return out;
}
