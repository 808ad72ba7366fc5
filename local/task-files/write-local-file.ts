import { chmod, open, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { makeDirectory } from "./make-directory";
import { userError, type TaskFileError } from "./types";

/** Maps a failed read of the source (network, storage) to the caller's Batch failure. */
export type ReadFailure = (error: unknown) => TaskFileError;

function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Streams `source` into `target` (creating its directory) and sets its mode, failing with the codes a
 * Batch node reports: ResourceDirectoryCreateFailed, ResourceFileCreateFailed, ResourceFileWriteFailed,
 * DiskFull; a failure while reading the source is the caller's to name.
 */
export async function writeLocalFile(
  source: Readable,
  target: string,
  mode: number,
  onReadFailure: ReadFailure,
): Promise<void> {
  const details = { FilePath: target };
  try {
    await makeDirectory(path.dirname(target));
  } catch (error) {
    source.destroy();
    throw userError(
      "ResourceDirectoryCreateFailed",
      "The node could not create a directory for the task's resource files",
      { ...details, Reason: reason(error) },
      error,
    );
  }
  let handle;
  try {
    // A file left by an earlier attempt may be read-only (fileMode 0440): replace it, as a fresh download would.
    // rm unlinks a link rather than its target, and "wx" will not follow one made since.
    await rm(target, { force: true });
    handle = await open(target, "wx", mode);
  } catch (error) {
    source.destroy();
    if (isDiskFull(error))
      throw userError(
        "DiskFull",
        "There is not enough disk space on the node to download the resource files",
        details,
        error,
      );
    throw userError(
      "ResourceFileCreateFailed",
      "The node could not create a local file for a resource file",
      { ...details, Reason: reason(error) },
      error,
    );
  }
  const sink = handle.createWriteStream();
  let writeError: unknown;
  sink.once("error", (error) => (writeError = error));
  try {
    await pipeline(source, sink);
  } catch (error) {
    if (writeError === undefined) throw onReadFailure(error);
    if (isDiskFull(writeError))
      throw userError(
        "DiskFull",
        "There is not enough disk space on the node to download the resource files",
        details,
        writeError,
      );
    throw userError(
      "ResourceFileWriteFailed",
      "The node could not write a resource file",
      { ...details, Reason: reason(writeError) },
      writeError,
    );
  }
  // open() applies the mode through the umask only; Batch's fileMode is exact.
  await chmod(target, mode);
}
