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

export function parsePgm(buf: Buffer): GrayImage {
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
  const [magic, w, h, max] = fields;
  const width = Number(w);
  const height = Number(h);
  if (magic !== "P5" || Number(max) !== 255 || !(width > 0) || !(height > 0)) throw new Error(`not an 8-bit binary PGM (header "${fields.join(" ")}")`);
  // Exactly one whitespace byte separates the header from the pixels.
  const data = buf.subarray(i + 1, i + 1 + width * height);
  if (data.length !== width * height) throw new Error(`PGM pixel data is short: ${data.length} of ${width * height} bytes`);
  return { width, height, data: new Uint8Array(data) };
}

export function encodePgm(img: GrayImage): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${img.width} ${img.height}\n255\n`, "latin1"), Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length)]);
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
