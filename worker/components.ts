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

/** 8-connected pieces of a mask, and the label of every pixel (0: none). */
export function labelBlobs(mask: Uint8Array, width: number, height: number): { blobs: Blob[]; labels: Int32Array } {
  const labels = new Int32Array(width * height);
  const blobs: Blob[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = blobs.length + 1;
    const blob: Blob = { label, left: width, top: height, right: -1, bottom: -1, area: 0 };
    labels[start] = label;
    stack.push(start);
    while (stack.length) {
      const at = stack.pop() as number;
      const x = at % width;
      const y = (at - x) / width;
      blob.area++;
      if (x < blob.left) blob.left = x;
      if (x > blob.right) blob.right = x;
      if (y < blob.top) blob.top = y;
      if (y > blob.bottom) blob.bottom = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const n = ny * width + nx;
          if (mask[n] && !labels[n]) {
            labels[n] = label;
            stack.push(n);
          }
        }
      }
    }
    blobs.push(blob);
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
