import { lstat, realpath } from "node:fs/promises";
import path from "node:path";

/**
 * Joins a relative path onto a root and returns it only if it stays inside the root (Batch refuses a
 * filePath that breaks out of the working directory, and a blob or zip entry name must not either).
 */
export function resolveInside(root: string, relative: string): string | undefined {
  if (path.isAbsolute(relative)) return undefined;
  const base = path.resolve(root);
  const resolved = path.resolve(base, relative);
  const fromRoot = path.relative(base, resolved);
  const escapes = fromRoot === ".." || fromRoot.startsWith(`..${path.sep}`) || path.isAbsolute(fromRoot);
  return escapes ? undefined : resolved;
}

/** A path as a blob name: forward slashes, no leading "./". */
export function toBlobName(relativePath: string): string {
  return relativePath
    .split(path.sep)
    .join("/")
    .replace(/^(\.\/)+/, "");
}

const isInside = (root: string, candidate: string): boolean =>
  candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** realpath of a path whose tail may not exist yet: its deepest existing ancestor resolved, the rest as written. */
async function realPathOfExisting(target: string): Promise<string> {
  const missing: string[] = [];
  for (let at = target; ; at = path.dirname(at)) {
    try {
      return path.join(await realpath(at), ...missing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== "ENOENT" && code !== "ENOTDIR") || path.dirname(at) === at) throw error;
      missing.unshift(path.basename(at));
    }
  }
}

/**
 * The real path of `relative` under `root` (links resolved as far as the path exists) if it lies
 * inside the real path of `root`, else undefined. Tasks run as the service's user and may link
 * anywhere, so a path that is inside as written can still lead out. With `followLast: false` the
 * last component is not resolved: a link itself is the target (what a delete removes), and only
 * the directory holding it must be inside.
 */
export async function realPathInside(
  root: string,
  relative: string,
  { followLast = true } = {},
): Promise<string | undefined> {
  const lexical = resolveInside(root, relative);
  if (lexical === undefined) return undefined;
  const realRoot = await realpath(root).catch(() => undefined);
  if (realRoot === undefined) return undefined;
  const keepLast = !followLast && lexical !== path.resolve(root);
  const resolved = keepLast
    ? path.join(await realPathOfExisting(path.dirname(lexical)), path.basename(lexical))
    : await realPathOfExisting(lexical);
  return isInside(realRoot, resolved) ? resolved : undefined;
}

/**
 * The real path of `dir` if it is where it should be under `base`, with no link on the way (a
 * task can swap its own directory for a link to anywhere); else undefined.
 */
export async function realDirectoryUnder(base: string, dir: string): Promise<string | undefined> {
  const [realBase, realDir] = await Promise.all([
    realpath(base).catch(() => undefined),
    realpath(dir).catch(() => undefined),
  ]);
  if (realBase === undefined || realDir === undefined) return undefined;
  return realDir === path.join(realBase, path.relative(path.resolve(base), path.resolve(dir))) ? realDir : undefined;
}

/** Whether `dir` exists but not as itself: it, or a directory on its way from `base`, is now a link. */
export async function swappedForLink(base: string, dir: string): Promise<boolean> {
  const exists = async () => (await lstat(dir).catch(() => undefined)) !== undefined;
  if (!(await exists())) return false;
  if ((await realDirectoryUnder(base, dir)) !== undefined) return false;
  // A directory removed since the first look (its task's retention ended) has no real path either.
  return exists();
}
