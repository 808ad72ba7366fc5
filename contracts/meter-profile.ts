/**
 * A meter profile: where a meter model (or a fixed camera) shows its counter, and how to read it.
 * Passed to the job with `--profile FILE` and to every task; the worker reads the whole photo
 * when there is none.
 */

/** A point in pixels of the photo as displayed: [x, y]. */
export type Point = [number, number];

export interface MeterProfile {
  /** The counter window, in pixels of the photo as displayed (EXIF orientation applied). */
  crop?: { x: number; y: number; width: number; height: number };
  /**
   * Instead of `crop` and `rotate`: the counter window's four corners in the photo (top-left,
   * top-right, bottom-right, bottom-left, as the digits read), which also undoes a camera that
   * looks at the meter from an angle (perspective). The window becomes a rectangle as wide and
   * high as its longer sides.
   */
  corners?: [Point, Point, Point, Point];
  /** Degrees to rotate the crop so the digits run level (ImageMagick's sense: positive = clockwise). */
  rotate?: number;
  /** After rotating, keep this many pixels of height around the centre (the row of digits). */
  bandHeight?: number;
  /** ...and this many pixels of width (the crop's width by default): trims the window's edges, which read as a "1". */
  bandWidth?: number;
  /** Shift of that band from the centre, in pixels (positive: right and down). */
  bandOffset?: { x: number; y: number };
  /** Light digits on a dark background (most counter wheels): negate before reading. */
  invert?: boolean;
  /** Integer digits on the counter, leading zeros included (e.g. 5 for `00530`). */
  digits?: number;
  /** Height in pixels the band is scaled to before Tesseract reads it. */
  scaleHeight?: number;
  /** Below this confidence (0..1) a reading is `unreadable` instead of a number nobody should trust. */
  minConfidence?: number;
  /**
   * A wheel caught between two digits reads as the lower one. A digit sitting lower than the
   * other wheels' digits by more than this (in digit heights) is still coming in from below, so
   * the wheel reads as the digit before it; by less, the wheel counts as on that digit. Only
   * used with `digits` and a located counter (`crop` or `corners`), where each wheel is read on
   * its own.
   */
  turnThreshold?: number;
  /**
   * How much darker than its surroundings (a share, 0..1) a pixel must be to count as a digit's
   * ink, on the inverted band. Higher ignores more glare and shadow, lower keeps more of faint or
   * thin digits. Only used where each wheel is read on its own.
   */
  inkContrast?: number;
  /**
   * The typeface of the counter's digits (a font ImageMagick knows by name, or a font file on the
   * node). A wheel caught between two digits is read by the shapes of the digits the batch shows
   * whole; digits the batch has not shown are drawn in this typeface. Without it, such a wheel
   * in a batch that has not shown every digit needs Tesseract to read both its pieces.
   */
  typeface?: string;
  /**
   * The most the meter can advance in a day, in units of its integer reading (e.g. 20 for a meter
   * that counts m³ and never passes 20 m³ a day). The series check (photos of one meter over time,
   * checked where all of a job's records are together) refuses a reading that rises faster than
   * this from the one before it, beyond one unit for the integer part; a manifest's
   * `maxRatePerDay` column overrides it per meter. Without it, readings need only not go down.
   */
  maxRatePerDay?: number;
}

/** True when the profile says where the counter is (otherwise the whole photo is searched). */
export function locatesCounter(profile: MeterProfile | undefined): boolean {
  return Boolean(profile?.crop || profile?.corners);
}

/**
 * True when the profile cuts a pixel-exact band itself (band size or offset, or a scale), as
 * profiles tuned before the worker located counters did; such a band is read as it is cut.
 */
export function tunedBand(profile: MeterProfile | undefined): boolean {
  return Boolean(profile && (profile.bandWidth !== undefined || profile.bandHeight !== undefined || profile.bandOffset !== undefined || profile.scaleHeight !== undefined));
}

export const PROFILE_DEFAULTS = { scaleHeight: 96, minConfidence: 0.6, turnThreshold: 0.095, inkContrast: 0.2 } as const;

export class MeterProfileError extends Error {
  override name = "MeterProfileError";
}

const KEYS = new Set(["crop", "corners", "rotate", "bandHeight", "bandWidth", "bandOffset", "invert", "digits", "scaleHeight", "minConfidence", "turnThreshold", "inkContrast", "typeface", "maxRatePerDay"]);

/** Validates parsed JSON as a profile; `source` names the file in every message. */
export function parseMeterProfile(value: unknown, source: string): MeterProfile {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MeterProfileError(`${source}: a meter profile must be a JSON object`);
  }
  const p = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(p)) if (!KEYS.has(key)) problems.push(`unknown field "${key}"`);
  const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (p.crop !== undefined) {
    const c = p.crop as Record<string, unknown>;
    if (typeof c !== "object" || c === null) problems.push("crop must be an object {x, y, width, height}");
    else {
      for (const k of ["x", "y"]) if (!Number.isInteger(c[k]) || (c[k] as number) < 0) problems.push(`crop.${k} must be an integer ≥ 0`);
      for (const k of ["width", "height"]) if (!positiveInt(c[k])) problems.push(`crop.${k} must be a positive integer`);
    }
  }
  if (p.corners !== undefined) {
    const c = p.corners;
    const point = (q: unknown) => Array.isArray(q) && q.length === 2 && q.every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0);
    if (!Array.isArray(c) || c.length !== 4 || !c.every(point)) problems.push("corners must be four [x, y] points (top-left, top-right, bottom-right, bottom-left)");
    if (p.crop !== undefined) problems.push("give crop or corners, not both");
  }
  if (p.rotate !== undefined && (typeof p.rotate !== "number" || Math.abs(p.rotate) > 360)) problems.push("rotate must be degrees between -360 and 360");
  if (p.bandHeight !== undefined && !positiveInt(p.bandHeight)) problems.push("bandHeight must be a positive integer");
  if (p.bandWidth !== undefined && !positiveInt(p.bandWidth)) problems.push("bandWidth must be a positive integer");
  if (p.bandOffset !== undefined) {
    const o = p.bandOffset as Record<string, unknown>;
    if (typeof o !== "object" || o === null || !Number.isInteger(o.x) || !Number.isInteger(o.y)) problems.push("bandOffset must be {x, y} in whole pixels");
  }
  if (p.invert !== undefined && typeof p.invert !== "boolean") problems.push("invert must be true or false");
  if (p.digits !== undefined && (!positiveInt(p.digits) || (p.digits as number) > 12)) problems.push("digits must be an integer from 1 to 12");
  if (p.scaleHeight !== undefined && (!positiveInt(p.scaleHeight) || (p.scaleHeight as number) > 1000)) problems.push("scaleHeight must be an integer from 1 to 1000");
  if (p.minConfidence !== undefined && (typeof p.minConfidence !== "number" || p.minConfidence < 0 || p.minConfidence > 1)) {
    problems.push("minConfidence must be between 0 and 1");
  }
  if (p.turnThreshold !== undefined && (typeof p.turnThreshold !== "number" || p.turnThreshold <= 0 || p.turnThreshold >= 1)) {
    problems.push("turnThreshold must be between 0 and 1 (digit heights)");
  }
  if (p.inkContrast !== undefined && (typeof p.inkContrast !== "number" || p.inkContrast < 0 || p.inkContrast >= 1)) {
    problems.push("inkContrast must be from 0 to below 1");
  }
  if (p.typeface !== undefined && (typeof p.typeface !== "string" || p.typeface.trim() === "")) {
    problems.push("typeface must be a font name or font file");
  }
  if (p.maxRatePerDay !== undefined && (typeof p.maxRatePerDay !== "number" || !Number.isFinite(p.maxRatePerDay) || p.maxRatePerDay <= 0)) problems.push("maxRatePerDay must be a number above 0 (units of the reading per day)");
  if (problems.length > 0) throw new MeterProfileError(`${source}: ${problems.join("; ")}`);
  return p as MeterProfile;
}
