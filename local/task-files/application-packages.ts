import { chmod, mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { resolveInside } from "./local-paths";
import { TaskFileError, userError } from "./types";

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Zip "version made by" host 3 = Unix: only then do the upper external attributes hold a file mode. */
const HOST_UNIX = 3;
/** A file without a Unix mode in the zip gets what `unzip` gives it under the usual umask. */
const DEFAULT_MODE = 0o644;

/** Installs in progress in this process, by target directory: a second caller awaits the first. */
const installing = new Map<string, Promise<string>>();

/** Fails the entry's stream if the data does not match the CRC-32 in the zip (yauzl checks sizes, not CRCs). */
class Crc32Check extends Transform {
  private crc = 0;

  constructor(
    private readonly expected: number,
    private readonly name: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.crc >>> 0 === this.expected >>> 0 ? null : new Error(`CRC-32 mismatch in ${this.name}`));
  }
}

function unixMode(entry: Entry): number | undefined {
  return entry.versionMadeBy >> 8 === HOST_UNIX ? (entry.externalFileAttributes >>> 16) & 0xffff : undefined;
}

async function extractEntry(zip: ZipFile, entry: Entry, targetDir: string): Promise<void> {
  const destination = resolveInside(targetDir, entry.fileName);
  if (destination === undefined)
    throw new Error(`entry ${entry.fileName} would be written outside the package directory`);
  const mode = unixMode(entry);
  const type = mode === undefined ? 0 : mode & S_IFMT;
  if (type === S_IFLNK)
    throw new Error(`entry ${entry.fileName} is a symbolic link, which the local service does not unpack`);
  if (entry.fileName.endsWith("/") || type === S_IFDIR) {
    await mkdir(destination, { recursive: true });
    return;
  }
  await mkdir(path.dirname(destination), { recursive: true });
  const content = await zip.openReadStreamPromise(entry);
  await pipeline(content, new Crc32Check(entry.crc32, entry.fileName), createWriteStream(destination));
  // Keep the permission bits the zip carries (the exec bit above all), never set-id bits; the owner keeps
  // read/write so that the node can clean the package up.
  const permissions = mode === undefined || (mode & 0o777) === 0 ? DEFAULT_MODE : (mode & 0o777) | 0o600;
  await chmod(destination, permissions);
}

async function extractZip(zipPath: string, targetDir: string): Promise<void> {
  const zip = await yauzl.openPromise(zipPath, { strictFileNames: true, validateEntrySizes: true });
  try {
    for await (const entry of zip.eachEntry()) await extractEntry(zip, entry, targetDir);
  } finally {
    zip.close();
  }
}

function packageError(applicationId: string, version: string, reason: string, cause?: unknown): TaskFileError {
  return userError(
    "ApplicationPackageError",
    "An error occurred when trying to deploy a required application package",
    { ApplicationId: applicationId, Version: version, Reason: reason },
    cause,
  );
}

async function exists(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * Unpacks into a private directory beside the target and renames it into place, so that the target
 * either does not exist or is complete, also when another process installs the same package at once.
 */
async function installOnce(zipPath: string, target: string, applicationId: string, version: string): Promise<string> {
  if (await exists(target)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  const partial = await mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.partial-`));
  try {
    await extractZip(zipPath, partial);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw packageError(applicationId, version, error instanceof Error ? error.message : String(error), error);
  }
  try {
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    const code = (error as { code?: unknown }).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && (await exists(target))) return target;
    throw packageError(applicationId, version, `could not move the package into ${target}`, error);
  }
  return target;
}

/**
 * Unzips an application package zip into <nodeAppsDir>/<appId>#<version>/ once per node (idempotent,
 * safe when several tasks ask at once — a second caller awaits the first), returns that directory (the
 * value of AZ_BATCH_APP_PACKAGE_<app>_<ver>). A corrupt or unsafe zip throws TaskFileError
 * (ApplicationPackageError).
 */
export async function installApplicationPackage(
  zipPath: string,
  nodeAppsDir: string,
  applicationId: string,
  version: string,
): Promise<string> {
  const directoryName = `${applicationId}#${version}`;
  const target = resolveInside(nodeAppsDir, directoryName);
  if (!applicationId || !version || directoryName.includes("/") || target === undefined) {
    throw packageError(applicationId, version, "the application id and version must be non-empty and contain no '/'");
  }
  const pending = installing.get(target);
  if (pending) return pending;
  const install = installOnce(zipPath, target, applicationId, version).finally(() => installing.delete(target));
  installing.set(target, install);
  return install;
}
