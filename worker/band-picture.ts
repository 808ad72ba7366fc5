/**
 * The small picture a record carries of the counter as the worker read it: the band it cut from
 * the photo (from the pixels it already holds, so no second `convert`), shrunk to at most
 * BAND_PICTURE_WIDTH columns, with a line at each edge of the cells it placed. The report shows it
 * beside the photo's thumbnail, so a wrong reading can be told from a wrong cut at a glance.
 */
import { PNG } from "pngjs";
import type { GrayImage } from "./pgm";

/** Wide enough to tell the digits apart in the report, small enough to keep a record a few KB. */
export const BAND_PICTURE_WIDTH = 200;

/**
 * Grey levels kept: a photo's band is noisy, and a PNG keeps noise pixel for pixel (15-17 KB for
 * 200 × 62 with every level, on the samples); 16 levels keep the digits' edges and make it a few KB.
 */
const LEVELS = 16;
const STEP = 255 / (LEVELS - 1);

/** The cells' edges: the overlay's colour for where wheels meet (overlay.ts). */
const CELL_EDGE: [number, number, number] = [0xff, 0xe0, 0x00];

/** `img` shrunk to `width` columns by the mean of the pixels each output pixel covers. */
function shrunk(img: GrayImage, width: number): GrayImage {
  if (width >= img.width) return img;
  const scale = img.width / width;
  const height = Math.max(1, Math.round(img.height / scale));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * scale);
    const y1 = Math.max(y0 + 1, Math.min(img.height, Math.floor((y + 1) * scale)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * scale);
      const x1 = Math.max(x0 + 1, Math.min(img.width, Math.floor((x + 1) * scale)));
      let sum = 0;
      for (let sy = y0; sy < y1; sy++) for (let sx = x0; sx < x1; sx++) sum += img.data[sy * img.width + sx] as number;
      data[y * width + x] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
    }
  }
  return { width, height, data };
}

/**
 * The band as a PNG data URI, `cells` ([x0, x1] band columns, inclusive, one per wheel) drawn as
 * lines at their edges.
 */
export function bandPicture(band: GrayImage, cells: readonly (readonly [number, number])[]): string {
  const small = shrunk(band, Math.min(BAND_PICTURE_WIDTH, band.width));
  const png = new PNG({ width: small.width, height: small.height });
  const rgba = png.data;
  small.data.forEach((v, i) => {
    const level = Math.round(Math.round(v / STEP) * STEP);
    rgba.set([level, level, level, 255], 4 * i);
  });
  const ratio = small.width / band.width;
  const edges = new Set(
    cells.flatMap(([x0, x1]) => [x0, x1 + 1]).map((x) => Math.min(small.width - 1, Math.floor(x * ratio))),
  );
  for (const x of edges)
    for (let y = 0; y < small.height; y++) rgba.set([...CELL_EDGE, 255], 4 * (y * small.width + x));
  const file = PNG.sync.write(png, { colorType: 2, deflateLevel: 9 });
  return `data:image/png;base64,${file.toString("base64")}`;
}
