/**
 * Whether a profile's counter window lies on the photo at all. ImageMagick cuts a window that
 * lies outside the photo down to nothing (or a sliver), and every photo then read as
 * "unreadable" with exit 0, as if the photos were bad; it is the profile that is.
 */
import type { MeterProfile } from "../contracts/meter-profile";
import { PROFILE_ERROR } from "../contracts/record-errors";

/** A window with less of its area than this on the photo is taken for a mistake, not a rough crop. */
const MIN_SHARE_INSIDE = 0.5;

/** Why the profile's window does not fit a photo of this size (as displayed), or undefined if it does. */
export function windowOffPhoto(profile: MeterProfile | undefined, width: number, height: number): string | undefined {
  const window = profile?.crop ?? cornersBox(profile?.corners);
  if (!window) return undefined;
  const inside =
    Math.max(0, Math.min(window.x + window.width, width) - Math.max(window.x, 0)) *
    Math.max(0, Math.min(window.y + window.height, height) - Math.max(window.y, 0));
  const share = inside / Math.max(1, window.width * window.height);
  if (share >= MIN_SHARE_INSIDE) return undefined;
  const what = profile?.crop
    ? `crop ${window.width}x${window.height}+${window.x}+${window.y}`
    : `corners' box ${window.width}x${window.height}+${window.x}+${window.y}`;
  const where = share === 0 ? "lies outside" : `lies mostly outside (${Math.round(share * 100)} % inside)`;
  return `${PROFILE_ERROR} the profile's ${what} ${where} the photo (${width}x${height} as displayed): fix the profile's window for photos of this size`;
}

function cornersBox(
  corners: MeterProfile["corners"],
): { x: number; y: number; width: number; height: number } | undefined {
  if (!corners) return undefined;
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  const [x, y] = [Math.min(...xs), Math.min(...ys)];
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}
