/**
 * Draws realistic meter photos with known readings using ImageMagick: a grey dial face, a dark
 * counter window of white-on-black wheels (one cell per digit, a wheel optionally caught between
 * two digits), tilted, with noise, blur and a glare spot, saved as a camera JPEG.
 * Used by the sample generator and by the tests, so both read the same kind of photo.
 */
import { execFileSync } from "node:child_process";
import type { MeterProfile } from "../contracts/meter-profile";

export const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf";

const CELL_W = 84;
const CELL_H = 130;
const GAP = 8;

export interface MeterPhotoSpec {
  reading: string;
  /** Degrees the counter window is tilted (clockwise). */
  tilt: number;
  /** 0..1: how far the last wheel has turned towards the next digit (0 = square on its digit). */
  lastWheelTurn?: number;
  /** Seed for the noise, so a photo is reproducible. */
  seed: number;
  glare?: boolean;
}

/** The profile that locates the counter in photos drawn with this tilt. */
export function profileFor(tilt: number, digits: number): MeterProfile {
  const windowWidth = digits * (CELL_W + GAP) + GAP;
  return {
    crop: { x: 130, y: 120, width: 540, height: 360 },
    rotate: -tilt,
    bandWidth: windowWidth - 2 * GAP,
    bandHeight: CELL_H - 10,
    invert: true,
    digits,
  };
}

function windowArgs(reading: string, lastWheelTurn: number, tilt: number): string[] {
  const width = reading.length * (CELL_W + GAP) + GAP;
  const args = ["(", "-size", `${width}x${CELL_H + 2 * GAP}`, "xc:#151515", "-font", FONT, "-pointsize", "104", "-gravity", "NorthWest"];
  [...reading].forEach((digit, i) => {
    const x = GAP + i * (CELL_W + GAP);
    args.push("-fill", "#000000", "-draw", `rectangle ${x},${GAP} ${x + CELL_W},${GAP + CELL_H}`);
    const turn = i === reading.length - 1 ? lastWheelTurn : 0;
    const shift = Math.round(turn * CELL_H);
    const next = String((Number(digit) + 1) % 10);
    // The wheel turns upwards: the digit leaves at the top while the next one enters from below.
    args.push("-fill", "#f0f0f0", "-annotate", `+${x + 10}+${GAP + 2 - shift}`, digit);
    if (shift > 0) args.push("-annotate", `+${x + 10}+${GAP + 2 - shift + CELL_H}`, next);
  });
  // Paint over whatever a turned wheel drew outside its cells.
  args.push("-fill", "#151515", "-draw", `rectangle 0,0 ${width},${GAP - 1}`, "-draw", `rectangle 0,${GAP + CELL_H + 1} ${width},${CELL_H + 2 * GAP}`);
  args.push("-background", "#d2d2d2", "-rotate", String(tilt), ")");
  return args;
}

export function drawMeterPhoto(file: string, spec: MeterPhotoSpec): void {
  const args = [
    "-seed", String(spec.seed),
    "-size", "800x600", "xc:#9a9a9a",
    "-fill", "#d2d2d2", "-draw", "circle 400,300 400,20",
    ...windowArgs(spec.reading, spec.lastWheelTurn ?? 0, spec.tilt),
    "-gravity", "center", "-composite", "+gravity",
  ];
  if (spec.glare) {
    args.push("(", "-size", "800x600", "radial-gradient:#ffffff80-#ffffff00", "-roll", "+180+120", ")", "-compose", "screen", "-composite", "-compose", "over");
  }
  args.push("-attenuate", "0.35", "+noise", "Gaussian", "-blur", "0x1.1", "-quality", "82", file);
  execFileSync("convert", args);
}
