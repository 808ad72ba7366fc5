/**
 * The job's manifest: which photos (by name and blob) the job covers and how they were split into
 * tasks. Written to the results container before any task is added, so a resumed run uses the very
 * same plan even if the pool's size changed, and collection can account for every photo.
 */
import type { ContainerClient } from "@azure/storage-blob";
import * as z from "zod/mini";
import { quoted, versionedProblemLines } from "../contracts/schema-problems";
import { ifFound } from "./if-found";

export const MANIFEST_SCHEMA = "batch-ocr/manifest@1" as const;

const NAME = "must be a non-empty string";

function name() {
  return z.string(NAME).check(z.minLength(1));
}

const manifestPhotoSchema = z.object(
  { name: name(), blobName: name(), size: z.number("must be a size in bytes") },
  "must be {name, blobName, size}",
);
export type ManifestPhoto = z.infer<typeof manifestPhotoSchema>;

/** A task as planned (`PlannedTask`): its id and the blobs of the photos it reads. */
const manifestTaskSchema = z.object(
  { id: name(), blobs: z.array(name(), "must be a list of blob names") },
  "must be {id, blobs}",
);

const jobManifestSchema = z.object(
  {
    schema: z.literal(MANIFEST_SCHEMA, {
      error: (issue) => `is ${quoted(issue.input)}, which this version does not read (it reads ${MANIFEST_SCHEMA})`,
    }),
    jobId: name(),
    createdAt: z.string("must be an ISO 8601 time"),
    /** Task slots the pool offered when the job was planned. */
    capacity: z.int("must be a whole number of task slots"),
    /** SHA-256 of the meter profile JSON, or null when none was given. */
    profileSha256: z.nullable(z.string("must be a SHA-256 in hex, or null")),
    photos: z.array(manifestPhotoSchema, "must be a list of photos"),
    tasks: z.array(manifestTaskSchema, "must be a list of tasks"),
  },
  "must be a JSON object",
);
export type JobManifest = z.infer<typeof jobManifestSchema>;

export class ManifestError extends Error {
  override name = "ManifestError";
}

export function manifestBlobName(jobId: string): string {
  return `${jobId}/manifest.json`;
}

export async function readManifest(results: ContainerClient, jobId: string): Promise<JobManifest | undefined> {
  const body = await ifFound(results.getBlockBlobClient(manifestBlobName(jobId)).downloadToBuffer());
  if (!body) return undefined;
  return parseManifest(body.toString("utf8"), `${results.containerName}/${manifestBlobName(jobId)}`);
}

/** Checks a stored manifest's shape; a manifest this version cannot read is refused, not guessed at. */
export function parseManifest(text: string, source: string): JobManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`${source} is not JSON: ${(err as Error).message}`);
  }
  const checked = jobManifestSchema.safeParse(value);
  if (!checked.success)
    throw new ManifestError(`${source}: ${versionedProblemLines(checked.error.issues, "schema").join("; ")}`);
  return checked.data;
}

export async function writeManifest(results: ContainerClient, manifest: JobManifest): Promise<void> {
  const body = JSON.stringify(manifest);
  await results.getBlockBlobClient(manifestBlobName(manifest.jobId)).upload(body, Buffer.byteLength(body), {
    blobHTTPHeaders: { blobContentType: "application/json" },
  });
}

/** Why a resumed run cannot continue a job planned for other photos (or another profile), or undefined when it can. */
export function resumeMismatch(
  manifest: JobManifest,
  photos: readonly ManifestPhoto[],
  profileSha256: string | null,
): string | undefined {
  const key = (p: ManifestPhoto) => `${p.name}\u0000${p.blobName}`;
  const before = new Set(manifest.photos.map(key));
  const now = new Set(photos.map(key));
  const added = [...now].filter((k) => !before.has(k)).length;
  const removed = [...before].filter((k) => !now.has(k)).length;
  if (added || removed) {
    return `job ${manifest.jobId} was started for a different set of photos (${added} new or changed, ${removed} missing); use a new --job-id`;
  }
  if (manifest.profileSha256 !== profileSha256)
    return `job ${manifest.jobId} was started with a different meter profile; use a new --job-id`;
  return undefined;
}
