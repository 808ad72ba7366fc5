/**
 * What is in --input, entry by entry: the photo files to read, and every entry left out with the
 * reason, so that nothing in the folder vanishes without a line.
 *
 * Walked with readdir rather than a glob library: a glob answers "which paths match", and quietly
 * drops what it cannot or will not enter (unreadable folders, links it does not follow, FIFOs);
 * here each of those is an answer the operator must see.
 *
 * Rules (README, "What --input reads"):
 * - dot files and dot folders are left out (cameras and tools write their caches there);
 * - a link is followed when its target is inside the input; one that leads out of it only with
 *   `followSymlinks`; broken links and link loops are reported, never followed;
 * - a link to a folder inside the input is not walked: its photos are listed under the folder's
 *   own path, so a loop back to a parent cannot happen and no photo is listed twice;
 * - a file reached by two paths (a link to a photo in the input) is one photo, under the path
 *   that is not a link (or the first name, when every path is one);
 * - an entry that cannot be read (permissions, I/O) is reported as not read (an error row in the results); the rest go on.
 */
import type { Dirent, Stats } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { PHOTO_EXTENSIONS } from "../shared/photo-files";

export type IgnoredKind =
  | "not a photo"
  | "dot file"
  | "dot folder"
  | "broken link"
  | "symlink loop"
  | "link leaves the input folder"
  | "not a regular file"
  | "listed under another path";

export interface IgnoredEntry {
  /** Path relative to the input, `/` separators; a folder ends in `/`. */
  name: string;
  kind: IgnoredKind;
  /** The kind, with what the operator needs to act on it (a link's target, the other path). */
  reason: string;
}

export interface NotReadEntry {
  name: string;
  reason: string;
}

export interface ListedFile {
  name: string;
  /** The real path (links resolved): what is read, and what makes two names one photo. */
  file: string;
}

export interface InputListing {
  files: ListedFile[];
  ignored: IgnoredEntry[];
  notRead: NotReadEntry[];
}

export interface ListingOptions {
  /** Follow links whose target is outside the input folder (off: such links are reported and left out). */
  followSymlinks?: boolean;
}

/** An fs error in words an operator reads, with the code to search for. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOENT: "no longer there",
    EIO: "input/output error",
    ELOOP: "too many levels of links",
    ENOTDIR: "not a folder any more",
    EISDIR: "a folder, not a file",
  };
  return code ? `${words[code] ?? "error"} (${code})` : String((err as Error | undefined)?.message ?? err);
}

type Resolved =
  | { kind: "file" | "folder"; real: string; viaLink: boolean }
  | { kind: "ignored"; ignored: IgnoredKind; reason: string }
  | { kind: "not read"; reason: string };

interface Candidate extends ListedFile {
  viaLink: boolean;
}

function specialKind(entry: Dirent | Stats): string | undefined {
  if (entry.isFIFO()) return "a FIFO";
  if (entry.isSocket()) return "a socket";
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return "a device";
  return undefined;
}

function isInside(root: string, real: string): boolean {
  const rel = path.relative(root, real);
  // `..x/` is a folder inside; only `..` as a whole first segment leads out.
  return rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

class Walk {
  readonly candidates: Candidate[] = [];
  readonly ignored: IgnoredEntry[] = [];
  readonly notRead: NotReadEntry[] = [];
  /** Folders outside the input that a followed link reached, by real path: each is walked once. */
  private readonly walkedOutside = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly followSymlinks: boolean,
  ) {}

  private ignore(name: string, kind: IgnoredKind, detail?: string): void {
    this.ignored.push({ name, kind, reason: detail ? `${kind}: ${detail}` : kind });
  }

  private relName(real: string): string {
    return path.relative(this.root, real).split(path.sep).join("/");
  }

  /** `ancestors`: real paths of the folders from the input down to this one, to tell a loop. */
  async folder(real: string, prefix: string, ancestors: readonly string[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(real, { withFileTypes: true });
    } catch (err) {
      this.notRead.push({
        name: prefix || "./",
        reason: `cannot list the folder: ${fsReason(err)}; the photos in it were not read`,
      });
      return;
    }
    entries.sort(byName);
    for (const entry of entries) await this.entry(real, prefix, entry, ancestors);
  }

  private async entry(folderReal: string, prefix: string, entry: Dirent, ancestors: readonly string[]): Promise<void> {
    const name = `${prefix}${entry.name}`;
    if (entry.name.startsWith(".")) {
      if (entry.isDirectory()) this.ignore(`${name}/`, "dot folder", "not read");
      else this.ignore(name, "dot file");
      return;
    }
    const resolved = await this.resolve(folderReal, entry, name, ancestors);
    if (resolved.kind === "not read") {
      this.notRead.push({ name, reason: resolved.reason });
    } else if (resolved.kind === "ignored") {
      this.ignored.push({ name, kind: resolved.ignored, reason: resolved.reason });
    } else if (resolved.kind === "folder") {
      await this.folder(resolved.real, `${name}/`, [...ancestors, resolved.real]);
    } else if (!PHOTO_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) {
      this.ignore(name, "not a photo");
    } else {
      this.candidates.push({ name, file: resolved.real, viaLink: resolved.viaLink });
    }
  }

  private async resolve(
    folderReal: string,
    entry: Dirent,
    name: string,
    ancestors: readonly string[],
  ): Promise<Resolved> {
    const at = path.join(folderReal, entry.name);
    if (!entry.isSymbolicLink()) {
      const special = specialKind(entry);
      if (special) return { kind: "ignored", ignored: "not a regular file", reason: `not a regular file: ${special}` };
      return { kind: entry.isDirectory() ? "folder" : "file", real: at, viaLink: false };
    }
    let real: string;
    try {
      real = await realpath(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT")
        return { kind: "ignored", ignored: "broken link", reason: "broken link: its target does not exist" };
      if (code === "ELOOP")
        return { kind: "ignored", ignored: "symlink loop", reason: "symlink loop: the link leads back to itself" };
      return { kind: "not read", reason: `cannot follow the link: ${fsReason(err)}` };
    }
    const inside = isInside(this.root, real);
    if (!inside && !this.followSymlinks) {
      return {
        kind: "ignored",
        ignored: "link leaves the input folder",
        reason: `link leaves the input folder (to ${real}); --follow-symlinks to follow`,
      };
    }
    let target: Stats;
    try {
      target = await stat(real);
    } catch (err) {
      return { kind: "not read", reason: `cannot read the link's target ${real}: ${fsReason(err)}` };
    }
    const special = specialKind(target);
    if (special)
      return { kind: "ignored", ignored: "not a regular file", reason: `not a regular file: a link to ${special}` };
    if (!target.isDirectory()) return { kind: "file", real, viaLink: true };
    if (ancestors.includes(real)) {
      const back = inside ? `./${this.relName(real)}` : real;
      return {
        kind: "ignored",
        ignored: "symlink loop",
        reason: `symlink loop: the link leads back to ${back.replace(/\/?$/, "/")}, which is being listed`,
      };
    }
    if (inside) {
      return {
        kind: "ignored",
        ignored: "listed under another path",
        reason: `link to the folder ${this.relName(real)}/ in the input: its photos are listed under that path`,
      };
    }
    const seen = this.walkedOutside.get(real);
    if (seen !== undefined)
      return {
        kind: "ignored",
        ignored: "listed under another path",
        reason: `link to ${real}, already listed as ${seen}`,
      };
    this.walkedOutside.set(real, `${name}/`);
    return { kind: "folder", real, viaLink: true };
  }

  /** One photo per real path: the name that is not a link wins, then the first in listing order. */
  files(): ListedFile[] {
    const byReal = new Map<string, Candidate>();
    for (const c of this.candidates) {
      const kept = byReal.get(c.file);
      if (!kept) {
        byReal.set(c.file, c);
        continue;
      }
      const [keep, drop] = kept.viaLink && !c.viaLink ? [c, kept] : [kept, c];
      byReal.set(c.file, keep);
      this.ignore(drop.name, "listed under another path", `the same file as ${keep.name}`);
    }
    return [...byReal.values()].map(({ name, file }) => ({ name, file })).sort(byName);
  }
}

/** Code-unit order, as `Array.prototype.sort` gives: the order photos had before, so a resumed manifest matches. */
export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Lists `dir` (which must be a folder) by the rules above. */
export async function listInput(dir: string, options: ListingOptions = {}): Promise<InputListing> {
  const root = await realpath(dir);
  const walk = new Walk(root, Boolean(options.followSymlinks));
  await walk.folder(root, "", [root]);
  const files = walk.files();
  return { files, ignored: walk.ignored.sort(byName), notRead: walk.notRead.sort(byName) };
}
