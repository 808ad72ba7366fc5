/**
 * Test photos with known readings, drawn by ImageMagick: a counter of light digits in a dark
 * window, tilted, on a grey dial face, with noise and blur, saved as a camera JPEG.
 */
import { execFileSync } from "node:child_process";
import type { MeterProfile } from "../../contracts/meter-profile";

export const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf";
export const TILT = 12;

/** The profile that locates the counter in every synthetic photo. */
export const SYNTHETIC_PROFILE: MeterProfile = {
  crop: { x: 130, y: 120, width: 540, height: 360 },
  rotate: -TILT,
  bandWidth: 450,
  bandHeight: 130,
  invert: true,
  digits: 5,
};

export function drawMeterPhoto(file: string, reading: string, seed: number): void {
  execFileSync("convert", [
    "-seed", String(seed),
    "-size", "460x140", "xc:#111", "-fill", "white", "-font", FONT, "-pointsize", "110",
    "-gravity", "center", "-annotate", "+0+0", reading,
    "-background", "#111", "-rotate", String(TILT),
    "(", "-size", "800x600", "xc:#c8c8c8", ")", "+swap", "-gravity", "center", "-composite",
    "-attenuate", "0.4", "+noise", "Gaussian", "-blur", "0x1", "-quality", "85", file,
  ]);
}
