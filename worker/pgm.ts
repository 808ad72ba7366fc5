/**
 * 8-bit grayscale images as binary PGM: what `convert` writes for the worker to segment, and
 * what Tesseract (Leptonica) reads back. The format is a short text header and raw bytes, so no
 * image library is needed in the bundle.
 */

/** Pixels row by row, 0 = black, 255 = white. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
  /** 1 where a resampled image lies outside its source (filled with a neutral grey). */
  outside?: Uint8Array;
}

const isSpace = (byte: number | undefined) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/** A colour photo's region as the locator reads it: its grey, and how much redder than grey it is. */
export interface GrayAndRed {
  gray: GrayImage;
  /** R − (G + B) / 2, clamped to 0..255: red wheels and red digits stand out. */
  red: GrayImage;
}

/** An 8-bit binary PGM (grey) or PPM (colour); a PGM has no red. */
export function parsePnm(buf: Buffer): GrayAndRed | GrayImage {
  if (buf.subarray(0, 2).toString("latin1") !== "P6") return parsePgm(buf);
  const { width, height, data, start } = header(buf, "P6", 3);
  const gray = new Uint8Array(width * height);
  const red = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = data[start + 3 * i] as number;
    const g = data[start + 3 * i + 1] as number;
    const b = data[start + 3 * i + 2] as number;
    gray[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    red[i] = Math.max(0, Math.min(255, Math.round(r - (g + b) / 2)));
  }
  return { gray: { width, height, data: gray }, red: { width, height, data: red } };
}

/** A binary PNM header: size, and where the pixels start. */
function header(
  buf: Buffer,
  magic: string,
  channels: number,
): { width: number; height: number; data: Buffer; start: number } {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4 && i < buf.length) {
    while (isSpace(buf[i])) i++;
    if (buf[i] === 0x23) {
      while (i < buf.length && buf[i] !== 0x0a) i++;
      continue;
    }
    const start = i;
    while (i < buf.length && !isSpace(buf[i])) i++;
    fields.push(buf.subarray(start, i).toString("latin1"));
  }
  const [m, w, h, max] = fields;
  const width = Number(w);
  const height = Number(h);
  if (m !== magic || Number(max) !== 255 || !(width > 0) || !(height > 0))
    throw new Error(`not an 8-bit binary ${magic === "P6" ? "PPM" : "PGM"} (header "${fields.join(" ")}")`);
  if (buf.length - (i + 1) < width * height * channels) throw new Error(`${magic} pixel data is short`);
  return { width, height, data: buf, start: i + 1 };
}

export function parsePgm(buf: Buffer): GrayImage {
  const { width, height, start } = header(buf, "P5", 1);
  // Exactly one whitespace byte separates the header from the pixels.
  return { width, height, data: new Uint8Array(buf.subarray(start, start + width * height)) };
}

export function encodePgm(img: GrayImage): Buffer {
  return Buffer.concat([
    Buffer.from(`P5\n${img.width} ${img.height}\n255\n`, "latin1"),
    Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length),
  ]);
}

export function blankImage(width: number, height: number): GrayImage {
  return { width, height, data: new Uint8Array(width * height).fill(255) };
}

/** Otsu's threshold: the gray level that best separates ink from background. */
export function otsuThreshold(img: GrayImage): number {
  const hist = new Array<number>(256).fill(0);
  for (const v of img.data) hist[v] = (hist[v] as number) + 1;
  const total = img.data.length;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * (hist[v] as number);
  let sumBelow = 0;
  let weightBelow = 0;
  let best = -1;
  let threshold = 127;
  for (let v = 0; v < 256; v++) {
    weightBelow += hist[v] as number;
    const weightAbove = total - weightBelow;
    if (weightBelow === 0) continue;
    if (weightAbove === 0) break;
    sumBelow += v * (hist[v] as number);
    const between = weightBelow * weightAbove * (sumBelow / weightBelow - (sumAll - sumBelow) / weightAbove) ** 2;
    if (between > best) {
      best = between;
      threshold = v;
    }
  }
  return threshold;
}
