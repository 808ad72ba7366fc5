/**
 * Draws realistic meter photos with known readings using ImageMagick: a dial face with a counter
 * window of wheels, seen by a camera at an angle (rotation and perspective) that shakes a little
 * from photo to photo, with blur, noise, uneven light, glare and JPEG artefacts. The last wheel
 * turns continuously, so it is often caught between two digits; a wheel left of a run of 9s turns
 * with it (the carry).
 * What the meter looks like (colours, typeface, wheel size, decimal wheels, printed labels) is a
 * `MeterLook`; `CLASSIC_LOOK`, the default, is a grey dial with a dark window of white-on-black
 * wheels. The named styles built on looks are in meter-styles.ts.
 * Used by the sample generator and by the tests, so both read the same kind of photo.
 */
import { execFileSync } from "node:child_process";
import type { MeterProfile, Point } from "../contracts/meter-profile";

export const FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf";
/** FONT's name for ImageMagick (through fontconfig), as a profile gives it to the worker. */
export const TYPEFACE = "DejaVu-Sans-Mono-Bold";

export const PHOTO_W = 800;
export const PHOTO_H = 600;
const CELL_W = 84;
const CELL_H = 130;
const GAP = 8;
const GLARE_RADIUS = 170;

/** Where the camera sees the counter window: fixed for a set of photos (one camera on one meter). */
export interface Camera {
  /** Degrees the window is rotated (clockwise). */
  tilt: number;
  /** How much taller the window's right end looks than its left (0.1 = 10% taller at the right, 10% shorter at the left). */
  perspective: number;
  /** The window's centre in the photo. */
  centre: Point;
  /** How large the meter looks: photo pixels per pixel of the drawn window (1 by default; 0.25 = a meter far away). */
  scale?: number;
}

export const DEFAULT_CAMERA: Camera = { tilt: 12, perspective: 0.06, centre: [400, 300] };

/** A font: the file the wheels are drawn with, and its name for ImageMagick (a profile's `typeface`). */
export interface Typeface {
  file: string;
  name: string;
}

/** Which corner of the counter window a printed label or small dial is placed from. */
export type Anchor = "top-left" | "top-right" | "bottom-left" | "bottom-right";

/** Text printed on the dial face near the window; it is seen through the same camera as the window. */
export interface Label {
  /** The text; every `#` is a digit the generator draws once per set (a serial number). */
  text: string;
  from: Anchor;
  /** The text's top-left corner, in pixels of the drawn window from `from` (negative: left or up). */
  at: Point;
  pointsize: number;
  fill: string;
  /** An ImageMagick font name or file. */
  font: string;
}

/** A small pointer dial (the "x0.1" dial) showing how far the last wheel has turned: one revolution per digit. */
export interface SubDial {
  from: Anchor;
  /** Its centre, in pixels of the drawn window from `from`. */
  at: Point;
  radius: number;
  face: string;
  ring: string;
  pointer: string;
}

/** What a meter looks like: the data every style of photo is drawn from. */
export interface MeterLook {
  /** Behind the dial (the meter's housing). */
  background: string;
  /**
   * The dial face, a circle drawn flat. `centre` fixes it in the photo (the classic look: the photo's
   * centre, whatever the shake); without it, it sits at the window's centre plus `offset` (pixels
   * of the drawn window), moves and scales with the camera, and is at least 60 px wider than the
   * window on each side.
   */
  dial: { fill: string; radius: number; centre?: Point; offset?: Point };
  /**
   * The counter window: `fill` its frame (`frame` pixels around the row of wheels) and, unless
   * `well` is given, the gaps between wheels; `separator` a thin line down each gap (the wheels'
   * spacers); `shade` how dark the wheels' top and bottom edges get (1 = flat, 0.6 = a cylinder
   * darkening to 60 %).
   */
  window: { fill: string; frame: number; well?: string; separator?: { fill: string; width: number }; shade?: number };
  /** The integer wheels: cell size and gap, wheel colour, digit colour, typeface, pointsize, digit offset in its cell. */
  wheels: {
    width: number;
    height: number;
    gap: number;
    fill: string;
    ink: string;
    font: Typeface;
    pointsize: number;
    text: Point;
  };
  /** Decimal wheels right of the integer ones (not part of the reading), `gap` pixels after the last integer wheel. */
  decimals?: { count: number; gap: number; fill: string; ink: string };
  /** Printed text and a small dial around the window, on a plate `margin` pixels (of the drawn window) wider on each side. */
  plate?: { margin: number; labels: Label[]; subDial?: SubDial };
  /** Light digits on dark wheels: the profile says `invert`. */
  invert: boolean;
  /** The profile's inkContrast for photos of this look. */
  inkContrast: number;
  /** Radius of the glare spot in photo pixels. */
  glareRadius: number;
  /**
   * Corners in profiles by the camera formula (`profileFor`), as the committed samples have them:
   * within about 1 px of the drawn row. Looks without it get the drawn corners exactly.
   */
  formulaCorners?: boolean;
}

export const CLASSIC_LOOK: MeterLook = {
  background: "#9a9a9a",
  dial: { fill: "#d2d2d2", radius: 280, centre: [PHOTO_W / 2, PHOTO_H / 2] },
  window: { fill: "#151515", frame: GAP },
  wheels: {
    width: CELL_W,
    height: CELL_H,
    gap: GAP,
    fill: "#000000",
    ink: "#f0f0f0",
    font: { file: FONT, name: TYPEFACE },
    pointsize: 104,
    text: [10, 2],
  },
  invert: true,
  // Glare darkens whole patches of the inverted band: ink has to stand out more than on the default.
  inkContrast: 0.3,
  glareRadius: GLARE_RADIUS,
  formulaCorners: true,
};

/** A bright band of glare (a window or a strip light reflected in the glass) across the photo. */
export interface Stripe {
  /** A point on the band's centre line, in the photo. */
  through: Point;
  /** Degrees from the photo's horizontal (clockwise) of the band's direction. */
  angle: number;
  /** Pixels across the band. */
  width: number;
  /** 0..1: how much light it adds at its centre (screen composite). */
  strength: number;
}

export interface MeterPhotoSpec {
  /** The reading: every integer wheel's digit, the lower one for a wheel caught between two. */
  reading: string;
  /** What the meter looks like; CLASSIC_LOOK by default. */
  look?: MeterLook;
  /** The decimal wheels' digits, when the look has decimal wheels (zeros by default). */
  decimals?: string;
  camera?: Camera;
  /** Camera shake for this photo: pixels and degrees added to the camera's position and tilt. */
  shake?: { x: number; y: number; tilt: number };
  /** 0..1: how far the last wheel (the last decimal wheel, if any) has turned towards its next digit (0 = square on its digit). */
  turn?: number;
  /** Seed for the noise, so a photo is reproducible. */
  seed: number;
  /** A glare spot (a reflection of a lamp or the sky) centred here in the photo. */
  glare?: Point;
  /** Bands of glare across the photo, besides the spot. */
  stripes?: Stripe[];
  /** Gaussian blur sigma in pixels (focus); 1.1 by default. */
  blur?: number;
  /** Sensor noise strength (ImageMagick -attenuate); 0.35 by default. */
  noise?: number;
  /** Overall exposure, 1 = normal. */
  light?: number;
  /** JPEG quality, 82 by default. */
  quality?: number;
}

interface Layout {
  width: number;
  height: number;
  /** Left edge of each wheel, integer wheels first. */
  cells: number[];
  /** The row of integer wheels: what a profile's corners frame. */
  row: { left: number; top: number; right: number; bottom: number };
  /** Right edge of the last wheel (decimal wheels included). */
  wheelsRight: number;
}

function layout(look: MeterLook, digits: number): Layout {
  const { frame } = look.window;
  const { width: cw, height: ch, gap } = look.wheels;
  const cells = Array.from({ length: digits }, (_, i) => frame + i * (cw + gap));
  const rowRight = frame + digits * (cw + gap) - gap;
  let wheelsRight = rowRight;
  if (look.decimals) {
    for (let j = 0; j < look.decimals.count; j++) cells.push(rowRight + look.decimals.gap + j * (cw + gap));
    wheelsRight = rowRight + look.decimals.gap + look.decimals.count * (cw + gap) - gap;
  }
  return {
    width: wheelsRight + frame,
    height: ch + 2 * frame,
    cells,
    row: { left: frame, top: frame, right: rowRight, bottom: frame + ch },
    wheelsRight,
  };
}

function windowSize(digits: number): { width: number; height: number } {
  return { width: digits * (CELL_W + GAP) + GAP, height: CELL_H + 2 * GAP };
}

/** Where a point of the (flat) window image, `width`×`height`, lands in the photo. */
function project(camera: Camera, size: { width: number; height: number }, px: number, py: number): Point {
  const { width, height } = size;
  const s = camera.scale ?? 1;
  const u = px - width / 2;
  const v = (py - height / 2) * (1 + (camera.perspective * u) / (width / 2));
  const t = (camera.tilt * Math.PI) / 180;
  return [
    camera.centre[0] + s * u * Math.cos(t) - s * v * Math.sin(t),
    camera.centre[1] + s * u * Math.sin(t) + s * v * Math.cos(t),
  ];
}

const round1 = (p: Point): Point => [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];

/** The window's four corners (top-left, top-right, bottom-right, bottom-left) in the photo, as ImageMagick is told them. */
function windowCorners(camera: Camera, size: { width: number; height: number }): [Point, Point, Point, Point] {
  const { width, height } = size;
  return [
    [0, 0],
    [width, 0],
    [width, height],
    [0, height],
  ].map(([x, y]) => round1(project(camera, size, x as number, y as number))) as [Point, Point, Point, Point];
}

/**
 * The perspective transform ImageMagick draws with (`-distort Perspective` through four point
 * pairs): where any point of the flat window lands in the photo.
 */
function homography(src: Point[], dst: Point[]): (p: Point) => Point {
  // Eight equations a..h: X = (a x + b y + c) / (g x + h y + 1), Y = (d x + e y + f) / (g x + h y + 1).
  const rows: number[][] = [];
  src.forEach(([x, y], i) => {
    const [X, Y] = dst[i] as Point;
    rows.push([x, y, 1, 0, 0, 0, -x * X, -y * X, X], [0, 0, 0, x, y, 1, -x * Y, -y * Y, Y]);
  });
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++)
      if (Math.abs((rows[r] as number[])[c] as number) > Math.abs((rows[p] as number[])[c] as number)) p = r;
    [rows[c], rows[p]] = [rows[p] as number[], rows[c] as number[]];
    const pivot = rows[c] as number[];
    for (let r = 0; r < 8; r++) {
      const row = rows[r] as number[];
      if (r === c) continue;
      const f = (row[c] as number) / (pivot[c] as number);
      for (let k = c; k <= 8; k++) row[k] = (row[k] as number) - f * (pivot[k] as number);
    }
  }
  const [a, b, c, d, e, f, g, h] = rows.map((row, i) => (row[8] as number) / (row[i] as number)) as number[];
  return ([x, y]) => {
    const w = (g as number) * x + (h as number) * y + 1;
    return [
      ((a as number) * x + (b as number) * y + (c as number)) / w,
      ((d as number) * x + (e as number) * y + (f as number)) / w,
    ];
  };
}

/** Maps a point of the flat window image into the photo, exactly as the window is drawn. */
function cameraTransform(camera: Camera, size: { width: number; height: number }): (p: Point) => Point {
  const { width, height } = size;
  return homography(
    [
      [0, 0],
      [width, 0],
      [width, height],
      [0, height],
    ],
    windowCorners(camera, size),
  );
}

/** The profile that locates the row of wheels (inside the window's frame) in photos from this camera (the classic look). */
export function profileFor(camera: Camera, digits: number): MeterProfile {
  const { width, height } = windowSize(digits);
  const corners = [
    [GAP, GAP],
    [width - GAP, GAP],
    [width - GAP, height - GAP],
    [GAP, height - GAP],
  ].map(([x, y]) => round1(project(camera, { width, height }, x as number, y as number))) as [
    Point,
    Point,
    Point,
    Point,
  ];
  // Glare darkens whole patches of the inverted band: ink has to stand out more than on the default.
  // The typeface is the one the wheels are drawn in, by the name ImageMagick knows it by.
  return { corners, invert: true, digits, inkContrast: 0.3, typeface: TYPEFACE };
}

/** The profile of a meter of this look: the row of integer wheels' corners as drawn, invert, digits, inkContrast, typeface. */
export function lookProfile(look: MeterLook, camera: Camera, digits: number): MeterProfile {
  if (look.formulaCorners)
    return {
      ...profileFor(camera, digits),
      invert: look.invert,
      inkContrast: look.inkContrast,
      typeface: look.wheels.font.name,
    };
  const lay = layout(look, digits);
  const toPhoto = cameraTransform(camera, lay);
  const { left, top, right, bottom } = lay.row;
  const corners = (
    [
      [left, top],
      [right, top],
      [right, bottom],
      [left, bottom],
    ] as Point[]
  ).map((p) => round1(toPhoto(p))) as [Point, Point, Point, Point];
  const tenthsDial = subDialIn(look, camera, digits);
  return {
    corners,
    invert: look.invert,
    digits,
    inkContrast: look.inkContrast,
    typeface: look.wheels.font.name,
    ...(tenthsDial ? { tenthsDial } : {}),
  };
}

/** The whole counter window's corners in the photo (decimal wheels and frame included), as drawn. */
export function windowOutline(look: MeterLook, camera: Camera, digits: number): [Point, Point, Point, Point] {
  return windowCorners(camera, layout(look, digits));
}

/** Where a point given in pixels of the drawn window lands in the photo. */
export function windowPoint(look: MeterLook, camera: Camera, digits: number, p: Point): Point {
  return cameraTransform(camera, layout(look, digits))(p);
}

/** Where the small pointer dial (if the look has one) lands in the photo: its centre and radius. */
export function subDialIn(
  look: MeterLook,
  camera: Camera,
  digits: number,
): { centre: Point; radius: number } | undefined {
  const dial = look.plate?.subDial;
  if (!dial) return undefined;
  const lay = layout(look, digits);
  const toPhoto = cameraTransform(camera, lay);
  const [ax, ay] = ANCHORS[dial.from];
  const at: Point = [ax * lay.width + dial.at[0], ay * lay.height + dial.at[1]];
  const centre = toPhoto(at);
  const rim = toPhoto([at[0], at[1] - dial.radius]);
  return { centre: round1(centre), radius: Math.round(Math.hypot(rim[0] - centre[0], rim[1] - centre[1]) * 10) / 10 };
}

/** The corners of everything drawn around the window (the label plate, or the window without one), for fitting a meter into the photo. */
export function meterOutline(look: MeterLook, camera: Camera, digits: number): Point[] {
  const lay = layout(look, digits);
  const m = look.plate?.margin ?? 0;
  const toPhoto = cameraTransform(camera, lay);
  return (
    [
      [-m, -m],
      [lay.width + m, -m],
      [lay.width + m, lay.height + m],
      [-m, lay.height + m],
    ] as Point[]
  ).map(toPhoto);
}

/** The digits a wheel shows: `turn` moves the digit up and out while the next one comes in from below. */
function wheelArgs(look: MeterLook, x: number, digit: string, turn: number, fill: string, ink: string): string[] {
  const { height, width, text } = look.wheels;
  const top = look.window.frame;
  const shift = Math.round(turn * height);
  const next = String((Number(digit) + 1) % 10);
  const args = ["-fill", fill, "-draw", `rectangle ${x},${top} ${x + width},${top + height}`];
  args.push("-fill", ink, "-annotate", `+${x + text[0]}+${top + text[1] - shift}`, digit);
  if (shift > 0) args.push("-annotate", `+${x + text[0]}+${top + text[1] - shift + height}`, next);
  return args;
}

/** The flat counter window, as ImageMagick arguments that leave it as the current image. */
function windowArgs(look: MeterLook, reading: string, decimals: string, turn: number): string[] {
  const lay = layout(look, reading.length);
  const { width, height } = lay;
  const { frame } = look.window;
  const { wheels } = look;
  const args = [
    "-size",
    `${width}x${height}`,
    `xc:${look.window.fill}`,
    "-font",
    wheels.font.file,
    "-pointsize",
    String(wheels.pointsize),
    "-gravity",
    "NorthWest",
  ];
  if (look.window.well)
    args.push(
      "-fill",
      look.window.well,
      "-draw",
      `rectangle ${frame},${frame} ${lay.wheelsRight},${frame + wheels.height}`,
    );
  const all = reading + decimals;
  const last = all.length - 1;
  [...all].forEach((digit, i) => {
    // A wheel turns with the last one only while every wheel to its right goes from 9 to 0.
    const carries = i === last || [...all.slice(i + 1)].every((d) => d === "9");
    const { fill, ink } = i >= reading.length && look.decimals ? look.decimals : wheels;
    args.push(...wheelArgs(look, lay.cells[i] as number, digit, carries ? turn : 0, fill, ink));
  });
  // Paint over whatever a turned wheel drew outside its cells.
  args.push(
    "-fill",
    look.window.fill,
    "-draw",
    `rectangle 0,0 ${width},${frame - 1}`,
    "-draw",
    `rectangle 0,${frame + wheels.height + 1} ${width},${height}`,
  );
  const sep = look.window.separator;
  if (sep) {
    args.push("-fill", sep.fill);
    for (let i = 1; i < lay.cells.length; i++) {
      const from = (lay.cells[i - 1] as number) + wheels.width + 1;
      const to = (lay.cells[i] as number) - 1;
      const x = Math.round((from + to - sep.width + 1) / 2);
      args.push("-draw", `rectangle ${x},${frame} ${x + sep.width - 1},${frame + wheels.height}`);
    }
  }
  if (look.window.shade !== undefined && look.window.shade < 1) {
    // Wheels are cylinders: darker towards their top and bottom edges.
    const w = lay.wheelsRight - frame + 1;
    const h = wheels.height + 1;
    args.push(
      "(",
      "-size",
      `1x${h}`,
      "gradient:white-black",
      "-function",
      "Polynomial",
      "-4,4,0",
      "-evaluate",
      "Pow",
      "0.5",
      "+level",
      `${Math.round(look.window.shade * 100)}%,100%`,
      "-scale",
      `${w}x${h}!`,
      ")",
      "-geometry",
      `+${frame}+${frame}`,
      "-compose",
      "multiply",
      "-composite",
      "-compose",
      "over",
      "+geometry",
    );
  }
  return args;
}

const ANCHORS: Record<Anchor, [number, number]> = {
  "top-left": [0, 0],
  "top-right": [1, 0],
  "bottom-left": [0, 1],
  "bottom-right": [1, 1],
};

/** The labels and small dial on the plate around the window (the window's top-left at margin, margin). */
function plateArgs(look: MeterLook, lay: Layout, turn: number): string[] {
  const plate = look.plate;
  if (!plate) return [];
  const m = plate.margin;
  const place = (from: Anchor, at: Point): Point => {
    const [ax, ay] = ANCHORS[from];
    return [m + ax * lay.width + at[0], m + ay * lay.height + at[1]];
  };
  const args: string[] = ["-gravity", "NorthWest", "-stroke", "none"];
  for (const label of plate.labels) {
    const [x, y] = place(label.from, label.at);
    args.push(
      "-font",
      label.font,
      "-pointsize",
      String(label.pointsize),
      "-fill",
      label.fill,
      "-annotate",
      `+${Math.round(x)}+${Math.round(y)}`,
      label.text,
    );
  }
  const dial = plate.subDial;
  if (dial) {
    const [cx, cy] = place(dial.from, dial.at);
    const r = dial.radius;
    const at = (angle: number, radius: number) => {
      const a = (angle * Math.PI) / 180;
      return `${(cx + radius * Math.sin(a)).toFixed(1)},${(cy - radius * Math.cos(a)).toFixed(1)}`;
    };
    args.push(
      "-fill",
      dial.face,
      "-stroke",
      dial.ring,
      "-strokewidth",
      String(Math.max(2, r / 12)),
      "-draw",
      `circle ${cx},${cy} ${cx},${cy - r}`,
    );
    args.push("-strokewidth", String(Math.max(1, r / 20)));
    for (let k = 0; k < 10; k++) args.push("-draw", `line ${at(k * 36, r * 0.78)} ${at(k * 36, r * 0.95)}`);
    // One revolution per digit of the last wheel: the pointer shows how far it has turned.
    args.push(
      "-stroke",
      dial.pointer,
      "-strokewidth",
      String(Math.max(2, r / 9)),
      "-draw",
      `line ${at(turn * 360 + 180, r * 0.2)} ${at(turn * 360, r * 0.8)}`,
    );
    args.push("-stroke", "none", "-fill", dial.ring, "-draw", `circle ${cx},${cy} ${cx},${cy - r / 8}`);
  }
  return args;
}

/** A band of glare on the dial's glass (so it ends at the dial's rim), drawn a quarter size (soft edges cheaply) and scaled up. */
function stripeArgs(stripe: Stripe, dialCentre: Point, dialRadius: number): string[] {
  const q = 4;
  const a = (stripe.angle * Math.PI) / 180;
  const [dx, dy] = [Math.cos(a), Math.sin(a)];
  const [nx, ny] = [-dy, dx];
  const [cx, cy] = [stripe.through[0] / q, stripe.through[1] / q];
  const len = (PHOTO_W + PHOTO_H) / q;
  const half = stripe.width / 2 / q;
  const pts = [
    [cx - dx * len + nx * half, cy - dy * len + ny * half],
    [cx + dx * len + nx * half, cy + dy * len + ny * half],
    [cx + dx * len - nx * half, cy + dy * len - ny * half],
    [cx - dx * len - nx * half, cy - dy * len - ny * half],
  ].map(([x, y]) => `${(x as number).toFixed(1)},${(y as number).toFixed(1)}`);
  const alpha = Math.round(Math.min(1, Math.max(0, stripe.strength)) * 255)
    .toString(16)
    .padStart(2, "0");
  const [dcx, dcy, r] = [dialCentre[0] / q, dialCentre[1] / q, dialRadius / q].map((n) => n.toFixed(1));
  const size = `${PHOTO_W / q}x${PHOTO_H / q}`;
  return [
    "(",
    "-size",
    size,
    "xc:#ffffff00",
    "-stroke",
    "none",
    "-fill",
    `#ffffff${alpha}`,
    "-draw",
    `polygon ${pts.join(" ")}`,
    "-channel",
    "A",
    "-blur",
    `0x${Math.max(1, half / 2).toFixed(1)}`,
    "+channel",
    "(",
    "-size",
    size,
    "xc:none",
    "-fill",
    "white",
    "-draw",
    `circle ${dcx},${dcy} ${dcx},${(Number(dcy) - Number(r)).toFixed(1)}`,
    ")",
    "-compose",
    "DstIn",
    "-composite",
    "-resize",
    `${PHOTO_W}x${PHOTO_H}!`,
    ")",
    "+geometry",
    "-compose",
    "screen",
    "-composite",
    "-compose",
    "over",
  ];
}

export function drawMeterPhoto(file: string, spec: MeterPhotoSpec): void {
  const look = spec.look ?? CLASSIC_LOOK;
  const base = spec.camera ?? DEFAULT_CAMERA;
  const shake = spec.shake ?? { x: 0, y: 0, tilt: 0 };
  const camera: Camera = {
    ...base,
    tilt: base.tilt + shake.tilt,
    centre: [base.centre[0] + shake.x, base.centre[1] + shake.y],
  };
  const digits = spec.reading.length;
  const decimals = look.decimals ? (spec.decimals ?? "0".repeat(look.decimals.count)) : "";
  if (decimals.length !== (look.decimals?.count ?? 0) || !/^\d*$/.test(decimals + spec.reading)) {
    throw new Error(
      `a reading of digits and ${look.decimals?.count ?? 0} decimal digits, not "${spec.reading}" and "${decimals}"`,
    );
  }
  const lay = layout(look, digits);
  const { width, height } = lay;
  const m = look.plate?.margin ?? 0;
  const mapping = windowCorners(camera, lay)
    .map((to, k) => {
      const [x, y] = ANCHORS[(["top-left", "top-right", "bottom-right", "bottom-left"] as const)[k] as Anchor];
      return `${m + x * width},${m + y * height} ${to.join(",")}`;
    })
    .join("  ");
  const s = camera.scale ?? 1;
  const dialCentre =
    look.dial.centre ??
    round1(
      windowPoint(look, camera, digits, [
        width / 2 + (look.dial.offset?.[0] ?? 0),
        height / 2 + (look.dial.offset?.[1] ?? 0),
      ]),
    );
  // A dial that moves with the camera is at least wide enough for the window it holds.
  const dialRadius = look.dial.centre
    ? look.dial.radius
    : Math.round(Math.max(look.dial.radius, width / 2 + 60) * s * 10) / 10;
  const counter = look.plate
    ? [
        "-size",
        `${width + 2 * m}x${height + 2 * m}`,
        "xc:none",
        "(",
        ...windowArgs(look, spec.reading, decimals, spec.turn ?? 0),
        ")",
        "-geometry",
        `+${m}+${m}`,
        "-compose",
        "over",
        "-composite",
        "+geometry",
        ...plateArgs(look, lay, spec.turn ?? 0),
      ]
    : windowArgs(look, spec.reading, decimals, spec.turn ?? 0);
  const args = [
    "-seed",
    String(spec.seed),
    "-size",
    `${PHOTO_W}x${PHOTO_H}`,
    `xc:${look.background}`,
    "-fill",
    look.dial.fill,
    "-draw",
    `circle ${dialCentre[0]},${dialCentre[1]} ${dialCentre[0]},${dialCentre[1] - dialRadius}`,
    "(",
    ...counter,
    "-alpha",
    "set",
    "-virtual-pixel",
    "transparent",
    "-background",
    "none",
    "-define",
    `distort:viewport=${PHOTO_W}x${PHOTO_H}+0+0`,
    "-distort",
    "Perspective",
    mapping,
    ")",
    "-compose",
    "over",
    "-composite",
    "-alpha",
    "off",
  ];
  if (spec.light !== undefined && spec.light !== 1) args.push("-evaluate", "Multiply", String(spec.light));
  if (spec.glare) {
    const r = look.glareRadius;
    const at = spec.glare.map((c) => Math.round(c - r));
    const offset = at.map((c) => (c < 0 ? String(c) : `+${c}`)).join("");
    args.push(
      "(",
      "-size",
      `${2 * r}x${2 * r}`,
      "radial-gradient:#ffffffd0-#ffffff00",
      ")",
      "-geometry",
      offset,
      "-compose",
      "screen",
      "-composite",
      "-compose",
      "over",
    );
  }
  for (const stripe of spec.stripes ?? []) args.push(...stripeArgs(stripe, dialCentre, dialRadius));
  args.push(
    "-attenuate",
    String(spec.noise ?? 0.35),
    "+noise",
    "Gaussian",
    "-blur",
    `0x${spec.blur ?? 1.1}`,
    "-quality",
    String(spec.quality ?? 82),
    file,
  );
  execFileSync("convert", args);
}
