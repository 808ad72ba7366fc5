/**
 * A meter profile: where a meter model (or a fixed camera) shows its counter, and how to read it.
 * Passed to the job with `--profile FILE` and to every task; the worker reads the whole photo
 * when there is none.
 */
// zod/mini: the worker bundles this module, and mini's functions bundle to a tenth of zod's methods.
import * as z from "zod/mini";
import { problemLines } from "./schema-problems";

const POSITIVE_INTEGER = "must be a positive integer";
const PIXELS_FROM_ZERO = "must be an integer ≥ 0";
const FONT = "must be a font name or font file";
const WHOLE_PIXELS = "must be whole pixels (an integer)";

/** A point in pixels of the photo as displayed: [x, y]. */
const coordinateSchema = z.number("must be a number of pixels ≥ 0").check(z.minimum(0));
const pointSchema = z.tuple([coordinateSchema, coordinateSchema], {
  error: "must be an [x, y] point (two numbers ≥ 0)",
});
export type Point = z.infer<typeof pointSchema>;

export const meterProfileSchema = z
  .strictObject(
    {
      /** The counter window, in pixels of the photo as displayed (EXIF orientation applied). */
      crop: z.optional(
        z.object(
          {
            x: z.int(PIXELS_FROM_ZERO).check(z.minimum(0)),
            y: z.int(PIXELS_FROM_ZERO).check(z.minimum(0)),
            width: z.int(POSITIVE_INTEGER).check(z.minimum(1)),
            height: z.int(POSITIVE_INTEGER).check(z.minimum(1)),
          },
          "must be an object {x, y, width, height}",
        ),
      ),
      /**
       * Instead of `crop` and `rotate`: the counter window's four corners in the photo (top-left,
       * top-right, bottom-right, bottom-left, as the digits read), which also undoes a camera that
       * looks at the meter from an angle (perspective). The window becomes a rectangle as wide and
       * high as its longer sides.
       */
      corners: z.optional(
        z.tuple(
          [pointSchema, pointSchema, pointSchema, pointSchema],
          "must be four [x, y] points (top-left, top-right, bottom-right, bottom-left)",
        ),
      ),
      /** Degrees to rotate the crop so the digits run level (ImageMagick's sense: positive = clockwise). */
      rotate: z.optional(z.number("must be degrees between -360 and 360").check(z.minimum(-360), z.maximum(360))),
      /** After rotating, keep this many pixels of height around the centre (the row of digits). */
      bandHeight: z.optional(z.int(POSITIVE_INTEGER).check(z.minimum(1))),
      /** ...and this many pixels of width (the crop's width by default): trims the window's edges, which read as a "1". */
      bandWidth: z.optional(z.int(POSITIVE_INTEGER).check(z.minimum(1))),
      /** Shift of that band from the centre, in pixels (positive: right and down). */
      bandOffset: z.optional(
        z.object({ x: z.int(WHOLE_PIXELS), y: z.int(WHOLE_PIXELS) }, "must be {x, y} in whole pixels"),
      ),
      /** Light digits on a dark background (most counter wheels): negate before reading. */
      invert: z.optional(z.boolean("must be true or false")),
      /** Integer digits on the counter, leading zeros included (e.g. 5 for `00530`). */
      digits: z.optional(z.int("must be an integer from 1 to 12").check(z.minimum(1), z.maximum(12))),
      /** Height in pixels the band is scaled to before Tesseract reads it. */
      scaleHeight: z.optional(z.int("must be an integer from 1 to 1000").check(z.minimum(1), z.maximum(1000))),
      /** Below this confidence (0..1) a reading is `unreadable` instead of a number nobody should trust. */
      minConfidence: z.optional(z.number("must be between 0 and 1").check(z.minimum(0), z.maximum(1))),
      /**
       * A wheel caught between two digits reads as the lower one. A digit sitting lower than the
       * other wheels' digits by more than this (in digit heights) is still coming in from below, so
       * the wheel reads as the digit before it; by less, the wheel counts as on that digit. Only
       * used with `digits` and a located counter (`crop` or `corners`), where each wheel is read on
       * its own.
       */
      turnThreshold: z.optional(z.number("must be between 0 and 1 (digit heights)").check(z.gt(0), z.lt(1))),
      /**
       * The pointer dial the last integer wheel turns with, one revolution per digit (a water
       * meter's ×0.1 dial), in pixels of the photo as displayed: the centre of its pointer's hub
       * and the radius of its ring of figures. Where the last wheel's digit sits almost square, its
       * place cannot say whether the digit has just arrived or is still coming in; the pointer
       * (found by its red) says it: near 0, arrived; near 9, still coming in. Only for a wheel that
       * turns on with the dial (not one that jumps at its 0), and only where each wheel is read on
       * its own.
       */
      tenthsDial: z.optional(
        z.object(
          {
            centre: pointSchema,
            radius: z.number("must be a radius in pixels, 4 or more").check(z.minimum(4)),
          },
          "must be {centre: [x, y], radius}",
        ),
      ),
      /**
       * How much darker than its surroundings (a share, 0..1) a pixel must be to count as a digit's
       * ink, on the inverted band. Higher ignores more glare and shadow, lower keeps more of faint or
       * thin digits. Only used where each wheel is read on its own.
       */
      inkContrast: z.optional(z.number("must be from 0 to below 1").check(z.minimum(0), z.lt(1))),
      /**
       * The typeface of the counter's digits (a font ImageMagick knows by name, or a font file on the
       * node). A wheel caught between two digits is read by the shapes of the digits the batch shows
       * whole; digits the batch has not shown are drawn in this typeface. Without it, such a wheel
       * in a batch that has not shown every digit needs Tesseract to read both its pieces.
       */
      typeface: z.optional(z.string(FONT).check(z.refine((name) => name.trim() !== ""))),
      /**
       * The most the meter can advance in a day, in units of its integer reading (e.g. 20 for a meter
       * that counts m³ and never passes 20 m³ a day). The series check (photos of one meter over time,
       * checked where all of a job's records are together) refuses a reading that rises faster than
       * this from the one before it, beyond one unit for the integer part; a manifest's
       * `maxRatePerDay` column overrides it per meter. Without it, readings need only not go down.
       */
      maxRatePerDay: z.optional(z.number("must be a number above 0 (units of the reading per day)").check(z.gt(0))),
    },
    "a meter profile must be a JSON object",
  )
  .check(
    z.refine((profile) => profile.crop === undefined || profile.corners === undefined, {
      error: "give crop or corners, not both",
      // Said alongside the fields' own problems, not only once they are fixed.
      when: (payload) => typeof payload.value === "object" && payload.value !== null,
    }),
  );

/**
 * A meter profile: where a meter model (or a fixed camera) shows its counter, and how to read it.
 * Fields the profile leaves out keep their meaning (no `scaleHeight` means the worker sizes the
 * band itself), so defaults are not filled in here but taken from PROFILE_DEFAULTS where read.
 */
export type MeterProfile = z.infer<typeof meterProfileSchema>;

/** True when the profile says where the counter is (otherwise the whole photo is searched). */
export function locatesCounter(profile: MeterProfile | undefined): boolean {
  return Boolean(profile?.crop || profile?.corners);
}

/**
 * True when the profile cuts a pixel-exact band itself (band size or offset, or a scale), as
 * profiles tuned before the worker located counters did; such a band is read as it is cut.
 */
export function tunedBand(profile: MeterProfile | undefined): boolean {
  return Boolean(
    profile &&
    (profile.bandWidth !== undefined ||
      profile.bandHeight !== undefined ||
      profile.bandOffset !== undefined ||
      profile.scaleHeight !== undefined),
  );
}

export const PROFILE_DEFAULTS = {
  scaleHeight: 96,
  minConfidence: 0.6,
  turnThreshold: 0.095,
  inkContrast: 0.2,
} as const;

export class MeterProfileError extends Error {
  override name = "MeterProfileError";
}

/**
 * Validates parsed JSON as a profile; `source` names the file in every message. Returns the value
 * as given, key order included: the dispatcher hashes the profile to recognise it on a resume.
 */
export function parseMeterProfile(value: unknown, source: string): MeterProfile {
  const checked = meterProfileSchema.safeParse(value);
  if (!checked.success) throw new MeterProfileError(`${source}: ${problemLines(checked.error.issues).join("; ")}`);
  return value as MeterProfile;
}
