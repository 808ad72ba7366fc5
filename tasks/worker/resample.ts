/**
 * Grayscale images resampled through a mapping from output pixels to source pixels, and the
 * level adjustments ImageMagick did before the counter was located in the worker itself.
 */
import type { GrayImage } from "./pgm";

/** Where an output pixel (x, y) comes from in the source image. */
export type Mapping = (x: number, y: number) => [number, number];

/**
 * Bilinear samples of `src` through `map`; outside the source, `fill`, marked in `outside`.
 * Where an output pixel covers several source pixels, `supersample`² samples spread over it are
 * averaged (sampling one point would keep the sensor's noise and alias the strokes' edges).
 */
export function resample(src: GrayImage, width: number, height: number, map: Mapping, fill: number, supersample = 1): GrayImage {
  const data = new Uint8Array(width * height);
  const outside = new Uint8Array(width * height);
  const { width: sw, height: sh } = src;
  const s = src.data;
  const n = Math.max(1, Math.round(supersample));
  const offsets = Array.from({ length: n }, (_, i) => (i + 0.5) / n - 0.5);
  const at = (fx: number, fy: number): number => {
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    const x1 = Math.min(sw - 1, x0 + 1);
    const y1 = Math.min(sh - 1, y0 + 1);
    const ax = fx - x0;
    const ay = fy - y0;
    const top = (s[y0 * sw + x0] as number) * (1 - ax) + (s[y0 * sw + x1] as number) * ax;
    const bottom = (s[y1 * sw + x0] as number) * (1 - ax) + (s[y1 * sw + x1] as number) * ax;
    return top * (1 - ay) + bottom * ay;
  };
  const inside = (fx: number, fy: number) => fx >= 0 && fy >= 0 && fx <= sw - 1 && fy <= sh - 1 && !src.outside?.[Math.round(fy) * sw + Math.round(fx)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [fx, fy] = map(x, y);
      if (!inside(fx, fy)) {
        data[y * width + x] = fill;
        outside[y * width + x] = 1;
        continue;
      }
      if (n === 1) {
        data[y * width + x] = Math.round(at(fx, fy));
        continue;
      }
      let sum = 0;
      let count = 0;
      for (const oy of offsets) {
        for (const ox of offsets) {
          const [gx, gy] = map(x + ox, y + oy);
          if (!inside(gx, gy)) continue;
          sum += at(gx, gy);
          count++;
        }
      }
      data[y * width + x] = Math.round(count ? sum / count : at(fx, fy));
    }
  }
  return { width, height, data, outside };
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
  const toSource: Mapping = (x, y) => {
    const dx = (x - ocx) / scale;
    const dy = (y - ocy) / scale;
    return [scx + dx * c + dy * s, scy - dx * s + dy * c];
  };
  return { image: resample(src, width, height, toSource, percentile(src, 0.5)), toSource };
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

/** Stretches levels as `-normalize` does: the darkest 2 % to black, the brightest 1 % to white. */
export function normalized(img: GrayImage): GrayImage {
  const lo = percentile(img, Number(process.env.LO ?? 0.005));
  const hi = percentile(img, 0.99);
  const span = Math.max(1, hi - lo);
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round((((img.data[i] as number) - lo) * 255) / span)));
  return { width: img.width, height: img.height, data };
}
