import { ContainerClient } from "@azure/storage-blob";
import fg from "fast-glob";
import { appendFile, stat } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import { authFor, describeStorageError, redactSas } from "./blob-access";
import { realPathInside, toBlobName } from "./local-paths";
import { TaskFileError, userError, type OutputFile, type StorageAccess } from "./types";
import { uploadSettings, type UploadSettings } from "./upload-headers";

/** Files uploading at once for one task; each file also uploads at most this many blocks at a time. */
const FILE_CONCURRENCY = 4;
const BLOCK_CONCURRENCY = 2;

/** Batch writes its upload log next to stdout.txt, in the task directory (the working directory's parent). */
export const UPLOAD_LOG = "fileuploadout.txt";
export const UPLOAD_ERROR_LOG = "fileuploaderr.txt";

interface Upload {
  localPath: string;
  blobName: string;
  container: ContainerClient;
  settings: UploadSettings;
}

/** Optional context from the task runner (added to the agreed interface; callers may omit it). */
export interface UploadContext {
  /**
   * The task's environment (AZ_BATCH_* variables and its environmentSettings). Batch expands $VAR and
   * ${VAR} in filePattern before matching on Linux; a variable not in here is left as written.
   */
  environment?: Readonly<Record<string, string | undefined>>;
}

export interface PatternMatch {
  localPath: string;
  /** The blob name the file gets, before the destination path. */
  relativeName: string;
}

export function expandEnvironment(pattern: string, environment: UploadContext["environment"] = {}): string {
  return pattern.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (written, braced?: string, bare?: string) => {
      const value = environment[(braced ?? bare) as string];
      return value ?? written;
    },
  );
}

export function conditionMatches(condition: string, outcome: "success" | "failure"): boolean {
  switch (condition.toLowerCase()) {
    case "taskcompletion":
      return true;
    case "tasksuccess":
      return outcome === "success";
    case "taskfailure":
      return outcome === "failure";
    default:
      throw userError("FileUploadMiscError", "An output file has an unknown upload condition", {
        UploadCondition: condition,
      });
  }
}

/**
 * The real path of a file or directory a pattern names, refused when it lies outside the task
 * directory: the task may have linked anything into its directories, or a `$VAR` may name any path.
 */
async function insideTaskDir(workingDir: string, localPath: string, pattern: string): Promise<string> {
  const taskDir = path.dirname(path.resolve(workingDir));
  const real = await realPathInside(taskDir, path.relative(taskDir, localPath));
  if (real === undefined)
    throw userError("FileUploadMiscError", "An output file pattern leads outside the task directory", {
      FilePattern: pattern,
      FilePath: localPath,
    });
  return real;
}

/**
 * Splits a pattern at its first segment with a wildcard: the fixed part names a directory (relative to
 * the working directory, so "../" reaches the task directory), the rest is globbed under it, and matches
 * keep their path relative to the fixed part. Without a wildcard the pattern names one file. Nothing
 * outside the task directory is listed or matched, and links are not followed while globbing.
 */
export async function expandPattern(
  pattern: string,
  workingDir: string,
): Promise<{ hasWildcards: boolean; matches: PatternMatch[] }> {
  const segments = pattern.split("/");
  const firstDynamic = segments.findIndex((segment) => segment !== "" && fg.isDynamicPattern(segment));
  if (firstDynamic === -1) {
    const localPath = path.resolve(workingDir, pattern);
    const stats = await stat(localPath).catch(() => undefined);
    if (!stats?.isFile()) return { hasWildcards: false, matches: [] };
    return {
      hasWildcards: false,
      matches: [
        { localPath: await insideTaskDir(workingDir, localPath, pattern), relativeName: path.basename(localPath) },
      ],
    };
  }
  const fixed = segments.slice(0, firstDynamic).join("/");
  const base = await insideTaskDir(
    workingDir,
    path.resolve(workingDir, fixed === "" && pattern.startsWith("/") ? "/" : fixed),
    pattern,
  );
  const rest = segments.slice(firstDynamic).join("/");
  // dot: false is Batch's rule: a name starting with "." matches only a pattern that spells the dot.
  // Links are not descended (one to "/" would walk the machine); a link to a file is uploaded as
  // Batch would, from its real path, if that is inside the task directory.
  const entries = await fg(rest, {
    cwd: base,
    dot: false,
    onlyFiles: false,
    followSymbolicLinks: false,
    unique: true,
    objectMode: true,
  });
  const matches: PatternMatch[] = [];
  for (const entry of entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const localPath = path.join(base, entry.path);
    const linkedFile = entry.dirent.isSymbolicLink() && (await stat(localPath).catch(() => undefined))?.isFile();
    if (entry.dirent.isFile()) matches.push({ localPath, relativeName: toBlobName(entry.path) });
    else if (linkedFile)
      matches.push({
        localPath: await insideTaskDir(workingDir, localPath, pattern),
        relativeName: toBlobName(entry.path),
      });
  }
  return { hasWildcards: true, matches };
}

/** Batch: without wildcards `path` is the blob name; with them it is a virtual directory; absent, the root. */
export function blobNameFor(match: PatternMatch, destinationPath: string | undefined, hasWildcards: boolean): string {
  const prefix = (destinationPath ?? "").replace(/^\/+|\/+$/g, "");
  if (!hasWildcards) return prefix || match.relativeName;
  return prefix ? `${prefix}/${match.relativeName}` : match.relativeName;
}

function uploadFailure(upload: Upload, error: unknown): TaskFileError {
  if (error instanceof TaskFileError) return error;
  const failure = describeStorageError(error);
  return userError("FileUploadMiscError", "The compute node hit an unexpected error when uploading output files", {
    FilePath: upload.localPath,
    BlobUrl: redactSas(upload.container.getBlobClient(upload.blobName).url),
    HttpStatusCode: failure.status?.toString(),
    StorageErrorCode: failure.storageCode,
    Reason: failure.message,
  });
}

function destinationContainer(file: OutputFile, storage: StorageAccess): ContainerClient {
  const destination = file.destination?.container;
  if (!destination?.containerUrl || !URL.canParse(destination.containerUrl)) {
    throw userError("FileUploadMiscError", "An output file needs destination.container with a valid containerUrl", {
      FilePattern: file.filePattern,
    });
  }
  const auth = authFor(destination.containerUrl, destination.identityReference, storage);
  if (auth.kind === "refused") {
    throw userError("FileUploadMiscError", "The compute node hit an unexpected error when uploading output files", {
      ContainerUrl: redactSas(destination.containerUrl),
      Reason: auth.reason,
    });
  }
  return new ContainerClient(auth.url, auth.credential);
}

/** Plans every upload for the output files whose condition matches; a pattern that matches nothing is logged, not an error. */
async function planUploads(
  files: readonly OutputFile[],
  workingDir: string,
  outcome: "success" | "failure",
  storage: StorageAccess,
  context: UploadContext,
  log: string[],
): Promise<Upload[]> {
  const uploads: Upload[] = [];
  for (const file of files) {
    if (!conditionMatches(file.uploadOptions?.uploadCondition ?? "", outcome)) continue;
    const container = destinationContainer(file, storage);
    const settings = uploadSettings(file.destination.container?.uploadHeaders);
    const { hasWildcards, matches } = await expandPattern(
      expandEnvironment(file.filePattern, context.environment),
      workingDir,
    );
    if (matches.length === 0) log.push(`No file matches the pattern ${file.filePattern}`);
    for (const match of matches) {
      uploads.push({
        localPath: match.localPath,
        blobName: blobNameFor(match, file.destination.container?.path, hasWildcards),
        container,
        settings,
      });
    }
  }
  return uploads;
}

async function writeLogs(taskDir: string, out: string[], err: string[]): Promise<void> {
  const stamp = new Date().toISOString();
  const lines = (entries: string[]) => entries.map((entry) => `${stamp} ${entry}\n`).join("");
  // The logs are diagnostics for the user; failing to write them must not change the task's outcome.
  await appendFile(path.join(taskDir, UPLOAD_LOG), lines(out)).catch(() => undefined);
  if (err.length) await appendFile(path.join(taskDir, UPLOAD_ERROR_LOG), lines(err)).catch(() => undefined);
}

/**
 * After the process exits: uploads each output file whose uploadCondition matches the outcome. Patterns
 * are relative to workingDir ("../stdout.txt" reaches the task directory's stdout.txt, as on Batch).
 * Every planned upload is tried; then the first failure is thrown as a TaskFileError (FileUploadMiscError).
 * Returns the uploaded blob URLs (without SAS) for logging. Every attempt is also logged, as on Batch,
 * to fileuploadout.txt / fileuploaderr.txt in the task directory.
 */
export async function uploadOutputFiles(
  files: readonly OutputFile[],
  workingDir: string,
  outcome: "success" | "failure",
  storage: StorageAccess,
  context: UploadContext = {},
): Promise<{ uploaded: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const taskDir = path.dirname(path.resolve(workingDir));
  let uploads: Upload[];
  try {
    uploads = await planUploads(files, workingDir, outcome, storage, context, out);
  } catch (error) {
    const failure =
      error instanceof TaskFileError
        ? error
        : userError(
            "FileUploadMiscError",
            "The compute node hit an unexpected error when uploading output files",
            { Reason: String(error) },
            error,
          );
    err.push(failure.message);
    await writeLogs(taskDir, out, err);
    throw failure;
  }

  const limit = pLimit(FILE_CONCURRENCY);
  const results = await Promise.allSettled(
    uploads.map((upload) =>
      limit(async () => {
        const blob = upload.container.getBlockBlobClient(upload.blobName);
        try {
          await blob.uploadFile(upload.localPath, { ...upload.settings, concurrency: BLOCK_CONCURRENCY });
        } catch (error) {
          throw uploadFailure(upload, error);
        }
        const url = redactSas(blob.url);
        out.push(`Uploaded ${upload.localPath} to ${url}`);
        return url;
      }),
    ),
  );
  const uploaded = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as TaskFileError] : []));
  err.push(...failures.map((failure) => failure.message));
  if (out.length || err.length) await writeLogs(taskDir, out, err);
  if (failures[0]) throw failures[0];
  return { uploaded };
}
