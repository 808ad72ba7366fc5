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
  return relativePath.split(path.sep).join("/").replace(/^(\.\/)+/, "");
}
