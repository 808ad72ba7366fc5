import { BlobClient, ContainerClient } from "@azure/storage-blob";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import pLimit from "p-limit";
import {
  authFor,
  autoStorageContainerUrl,
  describeStorageError,
  isAccessDenied,
  redactSas,
  serviceKey,
  type StorageFailure,
} from "./blob-access";
import path from "node:path";
import { realPathInside, resolveInside } from "./local-paths";
import { StallWatchdog } from "./stall-watchdog";
import { userError, type ResourceFile, type StorageAccess, type TaskFileError } from "./types";
import { writeLocalFile } from "./write-local-file";

/** Batch applies 0770 to a resource file on Linux when fileMode is not given. */
export const DEFAULT_FILE_MODE = 0o770;
/** Downloads in flight at once for one task: enough to overlap round trips, few enough for 2 cores. */
const DOWNLOAD_CONCURRENCY = 8;
/** A download with no progress for this long fails with BlobDownloadTimedOut instead of holding the task forever. */
export const DEFAULT_STALL_TIMEOUT_MS = 5 * 60_000;

/** Optional settings (added to the agreed interface; callers may omit them). */
export interface DownloadOptions {
  /** Fail a download that receives nothing for this long (ms); Infinity disables it. Default 5 minutes. */
  stallTimeoutMs?: number;
}

interface Download {
  /** Where it comes from, without any SAS (for failure details). */
  source: string;
  target: string;
  mode: number;
  open(signal: AbortSignal): Promise<Readable>;
}

/**
 * Checks one resource file as the Batch REST layer would, so a bad one fails the task with a clear
 * record even if it slipped past validation. Returns the file mode to apply.
 */
export function validateResourceFile(file: ResourceFile, workingDir: string): number {
  const sources = (["autoStorageContainerName", "storageContainerUrl", "httpUrl"] as const).filter(
    (key) => file[key] !== undefined && file[key] !== "",
  );
  if (sources.length !== 1) {
    throw userError(
      "InvalidPropertyValue",
      "A resource file must specify exactly one of autoStorageContainerName, storageContainerUrl and httpUrl",
      {
        PropertyName: "resourceFiles",
        Reason: sources.length === 0 ? "none of them is given" : `${sources.join(" and ")} are given together`,
      },
    );
  }
  if (file.httpUrl !== undefined) {
    if (!file.filePath) {
      throw userError(
        "MissingRequiredProperty",
        "A resource file with httpUrl needs filePath (the path of the file to download to)",
        { PropertyName: "filePath", HttpUrl: redactSas(file.httpUrl) },
      );
    }
    if (file.blobPrefix !== undefined) {
      throw userError(
        "InvalidPropertyValue",
        "blobPrefix is valid only with autoStorageContainerName or storageContainerUrl",
        { PropertyName: "blobPrefix" },
      );
    }
  }
  for (const url of [file.httpUrl, file.storageContainerUrl]) {
    if (url !== undefined && !URL.canParse(url)) {
      throw userError("InvalidPropertyValue", "The resource file URL is not a valid URL", {
        PropertyName: file.httpUrl !== undefined ? "httpUrl" : "storageContainerUrl",
      });
    }
  }
  if (file.filePath && resolveInside(workingDir, file.filePath) === undefined) {
    throw userError(
      "InvalidPropertyValue",
      "The resource file's filePath must be relative and cannot break out of the task's working directory (for example by using '..')",
      {
        PropertyName: "filePath",
        PropertyValue: file.filePath,
      },
    );
  }
  if (file.fileMode === undefined) return DEFAULT_FILE_MODE;
  if (!/^[0-7]{3,4}$/.test(file.fileMode)) {
    throw userError("InvalidPropertyValue", "fileMode must be a file permission mode in octal format, such as 0755", {
      PropertyName: "fileMode",
      PropertyValue: file.fileMode,
    });
  }
  return parseInt(file.fileMode, 8);
}

function blobFailure(source: string, target: string, failure: StorageFailure): TaskFileError {
  const details = {
    BlobSource: source,
    FilePath: target,
    HttpStatusCode: failure.status?.toString(),
    StorageErrorCode: failure.storageCode,
    Reason: failure.message,
  };
  if (isAccessDenied(failure.status))
    return userError("BlobAccessDenied", "Access for one of the specified Azure Blob(s) is denied", details);
  if (failure.status === 404)
    return userError("BlobNotFound", "One of the specified Azure Blob(s) is not found", details);
  return userError(
    "BlobDownloadMiscError",
    "Miscellaneous error encountered while downloading one of the specified Azure Blob(s)",
    details,
  );
}

function containerFailure(source: string, failure: StorageFailure): TaskFileError {
  const details = {
    ContainerSource: source,
    HttpStatusCode: failure.status?.toString(),
    StorageErrorCode: failure.storageCode,
    Reason: failure.message,
  };
  if (isAccessDenied(failure.status))
    return userError(
      "ResourceContainerAccessDenied",
      "Access for one of the specified Azure Blob container(s) is denied",
      details,
    );
  return userError(
    "ResourceContainerListMiscError",
    "Miscellaneous error encountered while listing one of the specified Azure Blob container(s)",
    details,
  );
}

/** Any HTTP(S) URL, SAS or public: a plain GET, as a node does it; storage verifies the SAS. */
async function openHttp(url: string, source: string, target: string, signal: AbortSignal): Promise<Readable> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    throw blobFailure(source, target, {
      message:
        error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}` : String(error),
    });
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    const storageCode = response.headers.get("x-ms-error-code");
    throw blobFailure(source, target, {
      status: response.status,
      ...(storageCode ? { storageCode } : {}),
      message: `${response.status} ${response.statusText}`,
    });
  }
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}

async function openBlob(blob: BlobClient, source: string, target: string, signal: AbortSignal): Promise<Readable> {
  try {
    const response = await blob.download(0, undefined, { abortSignal: signal });
    if (!response.readableStreamBody) throw new Error("the download has no body");
    return response.readableStreamBody as Readable;
  } catch (error) {
    throw blobFailure(source, target, describeStorageError(error));
  }
}

function httpDownload(
  file: ResourceFile & { httpUrl: string },
  workingDir: string,
  mode: number,
  storage: StorageAccess,
): Download {
  const source = redactSas(file.httpUrl);
  const target = resolveInside(workingDir, file.filePath ?? "") as string;
  const auth = authFor(file.httpUrl, file.identityReference, storage);
  return {
    source,
    target,
    mode,
    open(signal) {
      if (auth.kind === "refused")
        throw userError("BlobAccessDenied", "Access for one of the specified Azure Blob(s) is denied", {
          BlobSource: source,
          Reason: auth.reason,
        });
      if (auth.kind === "service-key")
        return openBlob(new BlobClient(auth.url, auth.credential), source, target, signal);
      return openHttp(file.httpUrl, source, target, signal);
    },
  };
}

function containerFor(file: ResourceFile, storage: StorageAccess): { container: ContainerClient; source: string } {
  if (file.autoStorageContainerName !== undefined) {
    const url = autoStorageContainerUrl(file.autoStorageContainerName, storage);
    return { container: new ContainerClient(url, serviceKey(storage)), source: url };
  }
  const url = file.storageContainerUrl as string;
  const source = redactSas(url);
  const auth = authFor(url, file.identityReference, storage);
  if (auth.kind === "refused") {
    throw userError(
      "ResourceContainerAccessDenied",
      "Access for one of the specified Azure Blob container(s) is denied",
      { ContainerSource: source, Reason: auth.reason },
    );
  }
  return { container: new ContainerClient(auth.url, auth.credential), source };
}

/** Lists the container (filtered by blobPrefix) and plans one download per blob, keeping its name under filePath. */
async function containerDownloads(
  file: ResourceFile,
  workingDir: string,
  mode: number,
  storage: StorageAccess,
): Promise<Download[]> {
  const { container, source } = containerFor(file, storage);
  const directory = resolveInside(workingDir, file.filePath ?? "") as string;
  const names: string[] = [];
  try {
    for await (const blob of container.listBlobsFlat(file.blobPrefix ? { prefix: file.blobPrefix } : {})) {
      // A name ending in "/" is a directory marker, not a file.
      if (!blob.name.endsWith("/")) names.push(blob.name);
    }
  } catch (error) {
    throw containerFailure(source, describeStorageError(error));
  }
  return names.map((name) => {
    const blobSource = `${source}/${name}`;
    // Blob names may contain "..": such a blob must not land outside the working directory.
    const target = resolveInside(directory, name);
    if (target === undefined) {
      throw userError(
        "ResourceFileCreateFailed",
        "A blob name would place the file outside the task's working directory",
        { BlobSource: blobSource },
      );
    }
    return {
      source: blobSource,
      target,
      mode,
      open: (signal) => openBlob(container.getBlobClient(name), blobSource, target, signal),
    };
  });
}

/**
 * Where a download may be written: its path with links resolved, if that is still inside the
 * working directory. An earlier attempt of the task may have left a link where a directory of
 * the download was (the working directory survives a retry); the file is not written through it.
 */
async function writableTarget(workingDir: string, target: string): Promise<string> {
  const real = await realPathInside(workingDir, path.relative(workingDir, target), { followLast: false });
  if (real === undefined) {
    throw userError(
      "ResourceFileCreateFailed",
      "The resource file's path leads outside the task's working directory through a link",
      { FilePath: target },
    );
  }
  return real;
}

/**
 * Downloads a task's (or start task's) resource files into workingDir before the command runs.
 * Throws TaskFileError (usererror, Batch's code) on the first failure; downloads already started are
 * allowed to finish, none is started after it.
 */
export async function downloadResourceFiles(
  files: readonly ResourceFile[],
  workingDir: string,
  storage: StorageAccess,
  options: DownloadOptions = {},
): Promise<void> {
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const modes = files.map((file) => validateResourceFile(file, workingDir));
  const downloads: Download[] = [];
  for (const [index, file] of files.entries()) {
    const mode = modes[index] as number;
    if (file.httpUrl !== undefined)
      downloads.push(httpDownload({ ...file, httpUrl: file.httpUrl }, workingDir, mode, storage));
    else downloads.push(...(await containerDownloads(file, workingDir, mode, storage)));
  }

  // Two resource files may name the same local file: the later one wins, and the two never write at once.
  const byTarget = new Map(downloads.map((download) => [download.target, download]));
  const limit = pLimit(DOWNLOAD_CONCURRENCY);
  let failed = false;
  const results = await Promise.allSettled(
    [...byTarget.values()].map((download) =>
      limit(async () => {
        if (failed) return;
        const target = await writableTarget(workingDir, download.target);
        const watchdog = new StallWatchdog(stallTimeoutMs);
        try {
          const body = watchdog.watch(await download.open(watchdog.signal));
          await writeLocalFile(body, target, download.mode, (error) =>
            blobFailure(download.source, download.target, describeStorageError(error)),
          );
        } catch (error) {
          failed = true;
          // Whatever the abort surfaced as (fetch, SDK or stream error), the cause was the stall.
          if (watchdog.timedOut) {
            throw userError(
              "BlobDownloadTimedOut",
              "A timeout occurred when downloading one of the specified Azure Blob(s)",
              {
                BlobSource: download.source,
                FilePath: download.target,
                Reason: `no data for ${stallTimeoutMs} ms`,
              },
            );
          }
          throw error;
        } finally {
          watchdog.stop();
        }
      }),
    ),
  );
  const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure) throw failure.reason;
}
