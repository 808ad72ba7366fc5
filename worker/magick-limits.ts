/**
 * The worker's own ImageMagick resource limits. The host's policy.xml refused the image bombs
 * the issue tried, but a node image with no policy, or a permissive one, would decode a 30,000
 * pixel wide photo into all the memory a node has. As environment variables they reach every
 * ImageMagick program the worker runs; ImageMagick takes the lower of these and a policy's, so
 * a stricter policy still holds. A variable set on the node wins, to tune a node size.
 */
export const MAGICK_LIMITS: Readonly<Record<string, string>> = {
  // Wider than any camera's photo, far narrower than a bomb (40 megapixels pass inspection).
  MAGICK_WIDTH_LIMIT: "16KP",
  MAGICK_HEIGHT_LIMIT: "16KP",
  // Pixels held in memory before the pixel cache goes to disk, and the memory and disk it may take.
  MAGICK_AREA_LIMIT: "128MP",
  MAGICK_MEMORY_LIMIT: "256MiB",
  MAGICK_MAP_LIMIT: "512MiB",
  MAGICK_DISK_LIMIT: "1GiB",
  // Seconds one program may run: a photo that takes longer is not one the worker can read.
  MAGICK_TIME_LIMIT: "120",
};

const IMAGEMAGICK = new Set(["convert", "identify", "magick", "mogrify", "compare", "composite", "montage"]);

/** The environment a program runs with: ImageMagick's programs get the worker's limits. */
export function programEnvironment(program: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return IMAGEMAGICK.has(program) ? { ...MAGICK_LIMITS, ...env } : env;
}
