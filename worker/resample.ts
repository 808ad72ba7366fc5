/**
 * Grayscale images resampled through a mapping from output pixels to source pixels, and the
 * level adjustments ImageMagick did before the counter was located in the worker itself.
 */
import type { GrayImage } from "./pgm";

/** Where an output pixel (x, y) comes from in the source image. */
export type Mapping = (x: number, y: number) => [number, number];

/** An affine mapping: source x = a + b·x + c·y, source y = d + e·x + f·y. */
export type Affine = [number, number, number, number, number, number];

export const affineMapping =
  ([a, b, c, d, e, f]: Affine): Mapping =>
  (x, y) => [a + b * x + c * y, d + e * x + f * y];

/** Whether (fx, fy) falls on the source and not on a pixel it marks as outside. */
function onSource(src: GrayImage, fx: number, fy: number): boolean {
  return (
    fx >= 0 &&
    fy >= 0 &&
    fx <= src.width - 1 &&
    fy <= src.height - 1 &&
    !src.outside?.[Math.round(fy) * src.width + Math.round(fx)]
  );
}

/** The source's bilinear value at (fx, fy), a point on it (see onSource). */
function bilinearAt(src: GrayImage, fx: number, fy: number): number {
  const { width: sw, height: sh, data: s } = src;
  const x0 = fx | 0;
  const y0 = fy | 0;
  const x1 = x0 + 1 < sw ? x0 + 1 : x0;
  const y1 = y0 + 1 < sh ? y0 + 1 : y0;
  const ax = fx - x0;
  const ay = fy - y0;
  const top = (s[y0 * sw + x0] as number) * (1 - ax) + (s[y0 * sw + x1] as number) * ax;
  const bottom = (s[y1 * sw + x0] as number) * (1 - ax) + (s[y1 * sw + x1] as number) * ax;
  return top * (1 - ay) + bottom * ay;
}

/**
 * Bilinear samples of `src` through an affine mapping, stepping along each row instead of
 * calling a mapping per pixel (rotating a photo's region is most of a search's pixels); outside
 * the source, `fill`, marked in `outside`.
 */
export function resampleAffine(
  src: GrayImage,
  width: number,
  height: number,
  [a, b, c, d, e, f]: Affine,
  fill: number,
): GrayImage {
  const data = new Uint8Array(width * height);
  const outside = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    let fx = a + c * y;
    let fy = d + f * y;
    for (let x = 0; x < width; x++, fx += b, fy += e) {
      const i = y * width + x;
      if (!onSource(src, fx, fy)) {
        data[i] = fill;
        outside[i] = 1;
        continue;
      }
      data[i] = (bilinearAt(src, fx, fy) + 0.5) | 0;
    }
  }
  return { width, height, data, outside };
}

/**
 * Bilinear samples where each output column maps to a straight line in the source: column x starts at
 * `column(x)`'s point and steps by its (dx, dy) per row. A band drawn along a row of wheels is
 * such a mapping (each column square to the row, scaled to its digit height), and stepping costs
 * a fraction of a mapping per pixel. Where an output pixel covers several source pixels,
 * `supersample`² samples spread over it are averaged (one point would keep the sensor's noise
 * and alias the strokes' edges).
 */
export function resampleColumns(
  src: GrayImage,
  width: number,
  height: number,
  column: (x: number) => [number, number, number, number],
  fill: number,
  supersample = 1,
): GrayImage {
  const n = Math.max(1, Math.round(supersample));
  const offsets = Array.from({ length: n }, (_, i) => (i + 0.5) / n - 0.5);
  const sums = new Float64Array(width * height);
  const counts = new Uint16Array(width * height);
  for (let x = 0; x < width; x++) {
    for (const ox of n === 1 ? [0] : offsets) {
      const [x0s, y0s, dx, dy] = column(x + ox);
      for (const oy of n === 1 ? [0] : offsets) {
        let fx = x0s + dx * oy;
        let fy = y0s + dy * oy;
        for (let y = 0; y < height; y++, fx += dx, fy += dy) {
          if (!onSource(src, fx, fy)) continue;
          const i = y * width + x;
          sums[i] = (sums[i] as number) + bilinearAt(src, fx, fy);
          counts[i] = (counts[i] as number) + 1;
        }
      }
    }
  }
  const data = new Uint8Array(width * height);
  const outside = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) {
    const c = counts[i] as number;
    if (c === 0) {
      data[i] = fill;
      outside[i] = 1;
    } else data[i] = ((sums[i] as number) / c + 0.5) | 0;
  }
  return { width, height, data, outside };
}

/** The image at half size, each pixel the mean of four (outside where any of them is). */
export function halved(img: GrayImage): GrayImage {
  const width = Math.max(1, img.width >> 1);
  const height = Math.max(1, img.height >> 1);
  const data = new Uint8Array(width * height);
  const outside = img.outside ? new Uint8Array(width * height) : undefined;
  const w = img.width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 2 * y * w + 2 * x;
      const d = img.data;
      data[y * width + x] =
        ((d[i] as number) + (d[i + 1] as number) + (d[i + w] as number) + (d[i + w + 1] as number) + 2) >> 2;
      if (outside && img.outside)
        outside[y * width + x] =
          (img.outside[i] as number) |
          (img.outside[i + 1] as number) |
          (img.outside[i + w] as number) |
          (img.outside[i + w + 1] as number);
    }
  }
  return outside ? { width, height, data, outside } : { width, height, data };
}

/**
 * An upright view of `src` turned by `degrees` (clockwise positive, as ImageMagick's -rotate) and
 * scaled by `scale`, on a canvas that holds all of it; `toSource` maps its pixels back.
 */
export function rotated(src: GrayImage, degrees: number, scale = 1): { image: GrayImage; toSource: Mapping } {
  const t = (degrees * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  const width = Math.max(1, Math.ceil((Math.abs(src.width * c) + Math.abs(src.height * s)) * scale));
  const height = Math.max(1, Math.ceil((Math.abs(src.width * s) + Math.abs(src.height * c)) * scale));
  const [scx, scy] = [(src.width - 1) / 2, (src.height - 1) / 2];
  const [ocx, ocy] = [(width - 1) / 2, (height - 1) / 2];
  // Output → source is the inverse rotation about the centres.
  const affine: Affine = [
    scx - (ocx * c + ocy * s) / scale,
    c / scale,
    s / scale,
    scy - (-ocx * s + ocy * c) / scale,
    -s / scale,
    c / scale,
  ];
  return { image: resampleAffine(src, width, height, affine, percentile(src, 0.5)), toSource: affineMapping(affine) };
}

export function negated(img: GrayImage): GrayImage {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = 255 - (img.data[i] as number);
  return { width: img.width, height: img.height, data, outside: img.outside };
}

/** The grey level below which `share` of the pixels lie. */
export function percentile(img: GrayImage, share: number): number {
  const hist = new Uint32Array(256);
  for (const v of img.data) hist[v] = (hist[v] as number) + 1;
  const want = share * img.data.length;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v] as number;
    if (seen >= want) return v;
  }
  return 255;
}

/**
 * Stretches levels: the darkest 0.5 % to black, the brightest 1 % to white. (`-normalize` takes
 * the darkest 2 %, which on a band of bold digits is most of their strokes: clipped to black,
 * the strokes merge with a ledge or shadow touching them.)
 */
export function normalized(img: GrayImage): GrayImage {
  const lo = percentile(img, 0.005);
  const hi = percentile(img, 0.99);
  const span = Math.max(1, hi - lo);
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.max(0, Math.min(255, Math.round((((img.data[i] as number) - lo) * 255) / span)));
  return { width: img.width, height: img.height, data };
}
