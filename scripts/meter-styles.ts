/**
 * Named styles of synthetic meter photos: each is data, a meter's look (meter-photos.ts draws it)
 * and the ranges a set of photos is drawn from (the generator draws one camera per set and the
 * shake, light, focus, glare of each photo).
 *
 * `heldout` is for measuring only: nobody tunes the worker on it, so its figures say how the
 * worker does on a meter it was not made for. Keep it out of development sets.
 */
import { CLASSIC_LOOK, type MeterLook, type Typeface } from "./meter-photos";

export type Range = [number, number];

export interface MeterStyle {
  name: string;
  /** One line for --help. */
  description: string;
  look: MeterLook;
  /**
   * Mixed into the seed, so styles given the same --seed do not show the same readings. 0 keeps
   * the seed as it is (classic: the committed samples).
   */
  salt: number;
  /** Integer wheels, drawn once per set. */
  digits: Range;
  /** The camera of a set: tilt in degrees (`eitherWay`: a random sign), perspective, window centre, scale. */
  camera: { tilt: Range; eitherWay?: boolean; perspective: Range; centre: { x: Range; y: Range }; scale: Range };
  /** Per photo, at most (±): pixels and degrees. */
  shake: { x: number; y: number; tilt: number };
  /** Share of photos with the last wheel square on its digit. */
  squareTurns: number;
  /** Share of readings ending in 9 or 99 (where a turning last wheel carries). */
  nines: number;
  /** With decimal wheels: share of photos whose decimals all show 9, so the carry reaches the integer wheels. */
  decimalNines?: number;
  /** A glare spot in this share of photos, centred up to dx, dy pixels from the window's centre. */
  glare: { chance: number; dx: number; dy: number };
  /** Bands of glare across the counter in this share of photos: how many, how wide (px), which way (degrees), how bright. */
  stripes?: { chance: number; count: Range; width: Range; angle: Range; strength: Range };
  blur: Range;
  noise: Range;
  light: Range;
  quality: Range;
}

const DEJAVU = "/usr/share/fonts/truetype/dejavu";
/** Every typeface here is in Debian's fonts-dejavu-core, which CI and the pool's start task install. */
const SANS_BOLD: Typeface = { file: `${DEJAVU}/DejaVuSans-Bold.ttf`, name: "DejaVu-Sans-Bold" };
const SERIF_BOLD: Typeface = { file: `${DEJAVU}/DejaVuSerif-Bold.ttf`, name: "DejaVu-Serif-Bold" };
const LABEL_FONT = `${DEJAVU}/DejaVuSans.ttf`;
const LABEL_BOLD = `${DEJAVU}/DejaVuSans-Bold.ttf`;

const CLASSIC: MeterStyle = {
  name: "classic",
  description:
    "grey dial, dark window, white digits on black wheels (DejaVu Sans Mono Bold), 5 digits: the committed samples",
  look: CLASSIC_LOOK,
  salt: 0,
  digits: [5, 5],
  camera: { tilt: [12, 12], perspective: [0.06, 0.06], centre: { x: [400, 400], y: [300, 300] }, scale: [1, 1] },
  shake: { x: 5, y: 5, tilt: 1 },
  squareTurns: 0.35,
  nines: 0.15,
  glare: { chance: 0.4, dx: 250, dy: 200 },
  blur: [0.6, 1.5],
  noise: [0.2, 0.5],
  light: [0.8, 1.1],
  quality: [70, 90],
};

/** A camera that varies from set to set, for the classic-like styles. */
const VARIED_CAMERA: MeterStyle["camera"] = {
  tilt: [-15, 15],
  perspective: [-0.08, 0.08],
  centre: { x: [370, 430], y: [270, 330] },
  scale: [0.85, 1],
};

const LIGHT_WHEELS: MeterStyle = {
  ...CLASSIC,
  name: "light-wheels",
  description:
    "black digits on cream wheels in a dark frame (DejaVu Sans Bold, dark on light: invert false), 5-6 digits",
  salt: 1,
  digits: [5, 6],
  camera: VARIED_CAMERA,
  look: {
    ...CLASSIC_LOOK,
    background: "#55564f",
    dial: { fill: "#dcdad0", radius: 330, offset: [0, 40] },
    window: { fill: "#1d1d1f", frame: 10, shade: 0.72 },
    wheels: {
      width: 88,
      height: 132,
      gap: 8,
      fill: "#eee8d2",
      ink: "#161616",
      font: SANS_BOLD,
      pointsize: 100,
      text: [10, 9],
    },
    invert: false,
    formulaCorners: undefined,
  },
};

const RED_DECIMALS: MeterStyle = {
  ...CLASSIC,
  name: "red-decimals",
  description:
    "5 black integer wheels as classic, then 3 red decimal wheels (white digits) and an m³ label; the reading is the black wheels",
  salt: 2,
  camera: { ...VARIED_CAMERA, scale: [0.72, 0.82] },
  decimalNines: 0.3,
  look: {
    ...CLASSIC_LOOK,
    dial: { fill: "#d6d6d3", radius: 420, offset: [0, 30] },
    decimals: { count: 3, gap: 16, fill: "#a3161b", ink: "#f6f0f0" },
    plate: {
      margin: 110,
      labels: [{ text: "m³", from: "top-right", at: [14, 34], pointsize: 64, fill: "#1c1c1c", font: LABEL_BOLD }],
    },
    formulaCorners: undefined,
  },
};

const LABELS: MeterStyle = {
  ...CLASSIC,
  name: "labels",
  description:
    "classic counter of 6 wheels with printed text around it: a serial number, m³ right of the window, an x0.1 dial below",
  salt: 3,
  digits: [6, 6],
  camera: { ...VARIED_CAMERA, scale: [0.8, 0.92] },
  look: {
    ...CLASSIC_LOOK,
    dial: { fill: "#d8d8d4", radius: 400, offset: [0, 50] },
    plate: {
      margin: 120,
      labels: [
        { text: "No #### 201#", from: "top-left", at: [4, -62], pointsize: 40, fill: "#2a2a2a", font: LABEL_FONT },
        { text: "m³", from: "top-right", at: [16, 28], pointsize: 64, fill: "#1c1c1c", font: LABEL_BOLD },
        { text: "x0.1", from: "bottom-right", at: [-190, 40], pointsize: 36, fill: "#2a2a2a", font: LABEL_FONT },
      ],
      subDial: {
        from: "bottom-right",
        at: [-60, 66],
        radius: 40,
        face: "#f4f3ee",
        ring: "#262626",
        pointer: "#c41e1e",
      },
    },
    formulaCorners: undefined,
  },
};

const SMALL_BLURRED: MeterStyle = {
  ...CLASSIC,
  name: "small-blurred",
  description:
    "the meter small and far (digits 14-25 px high), strong blur (σ 1.5-2.5), more noise, JPEG quality 45-70, 4-7 digits",
  salt: 4,
  digits: [4, 7],
  camera: { tilt: [-15, 15], perspective: [-0.06, 0.06], centre: { x: [250, 550], y: [200, 400] }, scale: [0.2, 0.29] },
  shake: { x: 3, y: 3, tilt: 1 },
  glare: { chance: 0.4, dx: 70, dy: 40 },
  blur: [1.5, 2.5],
  noise: [0.5, 0.9],
  light: [0.75, 1.1],
  quality: [45, 70],
  look: {
    ...CLASSIC_LOOK,
    dial: { fill: "#d2d2d2", radius: 330, offset: [0, 0] },
    glareRadius: 60,
    formulaCorners: undefined,
  },
};

const GLARE_STRIPES: MeterStyle = {
  ...CLASSIC,
  name: "glare-stripes",
  description: "classic meter with bright diagonal bands of glare across one or more digits, besides the usual spot",
  salt: 5,
  camera: VARIED_CAMERA,
  stripes: { chance: 0.9, count: [1, 2], width: [16, 70], angle: [50, 130], strength: [0.4, 0.75] },
  look: { ...CLASSIC_LOOK, dial: { fill: "#d2d2d2", radius: 300, offset: [0, 0] }, formulaCorners: undefined },
};

const HELDOUT: MeterStyle = {
  ...CLASSIC,
  name: "heldout",
  description:
    "for measuring only, never tuning: white serif digits (DejaVu Serif Bold) on dark grey wheels with light separators, light-grey frame, blue-grey dial, turned 3-8°",
  salt: 6,
  digits: [5, 7],
  camera: {
    tilt: [3, 8],
    eitherWay: true,
    perspective: [-0.05, 0.05],
    centre: { x: [360, 440], y: [260, 340] },
    scale: [0.8, 0.98],
  },
  glare: { chance: 0.3, dx: 220, dy: 160 },
  blur: [0.5, 0.9],
  noise: [0.2, 0.45],
  light: [0.85, 1.1],
  quality: [72, 90],
  look: {
    background: "#3b4045",
    dial: { fill: "#5d7385", radius: 380, offset: [0, 20] },
    window: { fill: "#c9cbcc", frame: 14, well: "#141414", separator: { fill: "#a4a6a8", width: 2 }, shade: 0.62 },
    wheels: {
      width: 78,
      height: 122,
      gap: 8,
      fill: "#3c3e41",
      ink: "#f2f2ee",
      font: SERIF_BOLD,
      pointsize: 94,
      text: [7, 7],
    },
    plate: {
      margin: 100,
      labels: [{ text: "m³", from: "top-right", at: [14, 26], pointsize: 56, fill: "#eceff1", font: LABEL_BOLD }],
    },
    invert: true,
    inkContrast: 0.3,
    glareRadius: 150,
  },
};

export const STYLES: readonly MeterStyle[] = [
  CLASSIC,
  LIGHT_WHEELS,
  RED_DECIMALS,
  LABELS,
  SMALL_BLURRED,
  GLARE_STRIPES,
  HELDOUT,
];

export function styleNamed(name: string): MeterStyle | undefined {
  return STYLES.find((s) => s.name === name);
}
