/**
 * The job's manifest: which photos (by name and blob) the job covers and how they were split into
 * tasks. Written to the results container before any task is added, so a resumed run uses the very
 * same plan even if the pool's size changed, and collection can account for every photo.
 */
import type { ContainerClient } from "@azure/storage-blob";
import { ifFound } from "./if-found";
import type { PlannedTask } from "./plan";

export const MANIFEST_SCHEMA = "batch-ocr/manifest@1" as const;

export interface ManifestPhoto {
  name: string;
  blobName: string;
  size: number;
}

export interface JobManifest {
  schema: typeof MANIFEST_SCHEMA;
  jobId: string;
  createdAt: string;
  /** Task slots the pool offered when the job was planned. */
  capacity: number;
  /** SHA-256 of the meter profile JSON, or null when none was given. */
  profileSha256: string | null;
  photos: ManifestPhoto[];
  tasks: PlannedTask[];
}

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
  let value: Partial<JobManifest>;
  try {
    value = JSON.parse(text) as Partial<JobManifest>;
  } catch (err) {
    throw new ManifestError(`${source} is not JSON: ${(err as Error).message}`);
  }
  if (value.schema !== MANIFEST_SCHEMA) throw new ManifestError(`${source}: unknown manifest schema ${JSON.stringify(value.schema)}`);
  const isString = (v: unknown) => typeof v === "string" && v !== "";
  const photosOk = Array.isArray(value.photos) && value.photos.every((p) => isString(p?.name) && isString(p?.blobName) && Number.isFinite(p?.size));
  const tasksOk = Array.isArray(value.tasks) && value.tasks.every((t) => isString(t?.id) && Array.isArray(t?.blobs) && t.blobs.every(isString));
  if (!isString(value.jobId) || !Number.isInteger(value.capacity) || !photosOk || !tasksOk) throw new ManifestError(`${source}: malformed manifest`);
  return value as JobManifest;
}

export async function writeManifest(results: ContainerClient, manifest: JobManifest): Promise<void> {
  const body = JSON.stringify(manifest);
  await results.getBlockBlobClient(manifestBlobName(manifest.jobId)).upload(body, Buffer.byteLength(body), {
    blobHTTPHeaders: { blobContentType: "application/json" },
  });
}

/** Why a resumed run cannot continue a job planned for other photos (or another profile), or undefined when it can. */
export function resumeMismatch(manifest: JobManifest, photos: readonly ManifestPhoto[], profileSha256: string | null): string | undefined {
  const key = (p: ManifestPhoto) => `${p.name}\u0000${p.blobName}`;
  const before = new Set(manifest.photos.map(key));
  const now = new Set(photos.map(key));
  const added = [...now].filter((k) => !before.has(k)).length;
  const removed = [...before].filter((k) => !now.has(k)).length;
  if (added || removed) {
    return `job ${manifest.jobId} was started for a different set of photos (${added} new or changed, ${removed} missing); use a new --job-id`;
  }
  if (manifest.profileSha256 !== profileSha256) return `job ${manifest.jobId} was started with a different meter profile; use a new --job-id`;
  return undefined;
}
