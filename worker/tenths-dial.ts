/**
 * The pointer of the dial the last integer wheel turns with (a water meter's ×0.1 dial, one
 * revolution per digit): how far round it points, from its 0 at the top, clockwise. Where the
 * last wheel's digit sits almost square, its offset cannot say whether it has just arrived or is
 * still coming in (the real meter's `520.9787`: 2 px low); the dial says it plainly (0.98).
 */
import { readFile } from "node:fs/promises";
import type { MeterProfile } from "../contracts/meter-profile";
import { parsePnm, type GrayImage } from "./pgm";

type TenthsDial = NonNullable<MeterProfile["tenthsDial"]>;

/** The part of the photo cut out to read the dial (a little more than its ring), and the dial's centre in it. */
export function dialRegion(dial: TenthsDial): { x: number; y: number; size: number; centre: [number, number] } {
  const half = Math.ceil(1.1 * dial.radius);
  const [x, y] = dial.centre.map((c) => Math.max(0, Math.round(c) - half)) as [number, number];
  return { x, y, size: 2 * half + 1, centre: [dial.centre[0] - x, dial.centre[1] - y] };
}

/** Least redness (R − (G + B) / 2) of a pointer: grey noise and white balance stay below it. */
const LEAST_RED = 12;
/** The share of the dial's reddest that still counts as red: a dull camera's red pointer is far from pure. */
const RED_SHARE = 0.5;
/**
 * How much longer than wide the red must be to show a direction: a needle alone is many times
 * longer than wide; with a red hub as wide as half the dial (the real meter's), about 1.5 times.
 */
const ELONGATION = 1.25;

export type DialRead = { turn: number } | { error: string };

/**
 * The turn (0..1) a red pointer shows on a dial of `radius` pixels around `centre` in `red`
 * (redness per pixel, see parsePnm). The pointer is the long axis of the dial's red, hub and
 * all, which does not depend on where the centre was given; its tip is the end of that axis
 * farther from the centre (a pointer's tail is short).
 */
export function pointerTurn(red: GrayImage, centre: readonly [number, number], radius: number): DialRead {
  const inside: { dx: number; dy: number; v: number }[] = [];
  const [x0, x1] = [
    Math.max(0, Math.floor(centre[0] - radius)),
    Math.min(red.width - 1, Math.ceil(centre[0] + radius)),
  ];
  const [y0, y1] = [
    Math.max(0, Math.floor(centre[1] - radius)),
    Math.min(red.height - 1, Math.ceil(centre[1] + radius)),
  ];
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const [dx, dy] = [x - centre[0], y - centre[1]];
      if (dx * dx + dy * dy <= radius * radius) inside.push({ dx, dy, v: red.data[y * red.width + x] as number });
    }
  const values = inside.map((p) => p.v).sort((a, b) => a - b);
  const reddest = values[Math.floor(0.995 * (values.length - 1))] ?? 0;
  const reds = inside.filter((p) => p.v >= Math.max(LEAST_RED, RED_SHARE * reddest));
  if (reddest < LEAST_RED || reds.length < 3) return { error: "no red pointer on the tenths dial" };
  const n = reds.length;
  const mx = reds.reduce((s, p) => s + p.dx, 0) / n;
  const my = reds.reduce((s, p) => s + p.dy, 0) / n;
  let [sxx, sxy, syy] = [0, 0, 0];
  for (const p of reds) {
    sxx += (p.dx - mx) ** 2;
    sxy += (p.dx - mx) * (p.dy - my);
    syy += (p.dy - my) ** 2;
  }
  // The spread along the red's long axis and across it (the covariance's eigenvalues).
  const half = (sxx + syy) / 2;
  const spread = Math.sqrt(((sxx - syy) / 2) ** 2 + sxy * sxy);
  if (Math.sqrt((half + spread) / Math.max(1e-9, half - spread)) < ELONGATION)
    return { error: "the red on the tenths dial points nowhere (no longer than wide)" };
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  let [ux, uy] = [Math.cos(angle), Math.sin(angle)];
  let [ahead, behind] = [0, 0];
  for (const p of reds) {
    const t = p.dx * ux + p.dy * uy;
    [ahead, behind] = [Math.max(ahead, t), Math.max(behind, -t)];
  }
  if (behind > ahead) [ux, uy] = [-ux, -uy];
  // 0 at the top (−y in the image), a quarter at the right.
  const turn = (Math.atan2(ux, -uy) / (2 * Math.PI) + 1) % 1;
  return { turn: Math.round(turn * 1000) / 1000 };
}

/** The pointer's turn on the dial cut out to `file` (see dialRegion), as the photo shows it: not yet levelled. */
export async function readTenthsDial(file: string, dial: TenthsDial): Promise<DialRead> {
  const image = parsePnm(await readFile(file));
  if (!("red" in image)) return { error: "the tenths dial was not cut out in colour" };
  return pointerTurn(image.red, dialRegion(dial).centre, dial.radius);
}

/**
 * The turn as the meter counts it: the dial's 0 is the meter's top, which a camera turned by
 * `skew` degrees (the counter's, clockwise) turns with it.
 */
export function levelled(read: DialRead, skew: number): DialRead {
  if ("error" in read) return read;
  const turn = (((read.turn - skew / 360) % 1) + 1) % 1;
  return { turn: Math.round(turn * 1000) / 1000 };
}
