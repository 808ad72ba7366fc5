/**
 * Where to look for the counter, from what the profile says (a rough crop, its rotation, the
 * window's corners, or nothing: the whole photo), and where it was found, in the photo's pixels.
 */
import type { MeterProfile, Point } from "../contracts/meter-profile";
import { locateCounter, type Located, type LocateResult } from "./locate";
import type { GrayImage } from "./pgm";
import { rotated } from "./resample";

/** Skew searched for around the profile's rotation (it is rough: within ±10° of the truth). */
export const PROFILE_SKEW = 16;
/** Skew searched for without a profile: a camera held roughly level, or a meter mounted askew. */
export const FREE_SKEW = 40;

/** Share of the corners' box added on every side of it to search. */
const CORNERS_MARGIN = 0.15;

/** The part of the photo ImageMagick cuts out for the search: the crop, the corners' box, or all. */
export function searchRegion(
  profile: MeterProfile | undefined,
): { x: number; y: number; width: number; height: number } | undefined {
  if (profile?.crop) return profile.crop;
  if (profile?.corners) {
    // Corners drawn tight round the wheels: the search needs the window's edges and a little of
    // what lies around them to tell a digit from a frame.
    const xs = profile.corners.map((p) => p[0]);
    const ys = profile.corners.map((p) => p[1]);
    const [left, right, top, bottom] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const [mx, my] = [CORNERS_MARGIN * (right - left), CORNERS_MARGIN * (bottom - top)];
    const x = Math.max(0, Math.floor(left - mx));
    const y = Math.max(0, Math.floor(top - my));
    return { x, y, width: Math.ceil(right + mx) - x + 1, height: Math.ceil(bottom + my) - y + 1 };
  }
  return undefined;
}

/** The rotation that levels the profile's window (ImageMagick's sense: clockwise positive). */
export function roughRotation(profile: MeterProfile | undefined): number {
  if (profile?.corners) {
    const [tl, tr] = profile.corners as [Point, Point, Point, Point];
    return (-Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI;
  }
  return profile?.rotate ?? 0;
}

export interface Where {
  /** Pixels of the region ImageMagick cut out, at `scale` of the photo's. */
  region: GrayImage;
  /** How much redder than grey each pixel is, where the region came in colour. */
  red?: GrayImage;
  /** The region's top-left corner in the photo. */
  origin: { x: number; y: number };
  scale: number;
}

/** Finds the counter in the region; the located band's corners come back in photo pixels. */
export function findCounter(where: Where, profile: MeterProfile | undefined): LocateResult {
  const angle = roughRotation(profile);
  const view = angle
    ? rotated(where.region, angle)
    : { image: where.region, toSource: (x: number, y: number): [number, number] => [x, y] };
  const result = locateCounter(view.image, {
    red: angle ? undefined : where.red,
    invert: profile?.invert,
    digits: profile?.digits,
    maxSkew: profile && (profile.crop || profile.corners) ? PROFILE_SKEW : FREE_SKEW,
    wholePhoto: !(profile?.crop || profile?.corners),
  });
  if (!result.ok) return result;
  const toPhoto = ([x, y]: [number, number]): [number, number] => {
    const [rx, ry] = view.toSource(x, y);
    return [
      Math.round((rx / where.scale + where.origin.x) * 10) / 10,
      Math.round((ry / where.scale + where.origin.y) * 10) / 10,
    ];
  };
  const located: Located = {
    ...result.located,
    corners: result.located.corners.map(toPhoto) as Located["corners"],
    skew: Math.round((result.located.skew - angle) * 10) / 10,
  };
  return { ok: true, located };
}
