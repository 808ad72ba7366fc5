/**
 * Uploads photos to the images container under content-addressed names: one listing finds what is
 * already there, the rest goes up with bounded parallelism. Reusable (the bench drives it).
 */
import type { ContainerClient } from "@azure/storage-blob";
import pLimit from "p-limit";
import type { LocalPhoto } from "./photos";
import { BLOB_PREFIX } from "./photos";
import { createProgress, formatBytes, type Progress } from "./progress";

export interface UploadResult {
  uploaded: number;
  skipped: number;
  bytesSent: number;
}

export interface UploadOptions {
  /** Photos in flight at once. */
  concurrency?: number;
  /** Progress display; none when omitted. */
  progress?: (totalFiles: number, totalBytes: number) => Progress;
}

const CONTENT_TYPES: Record<string, string> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".bmp": "image/bmp",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".heic": "image/heic",
  ".heif": "image/heif",
};

/** A progress bar over bytes, with files alongside: what the CLI shows. */
export function uploadProgressBar(_totalFiles: number, totalBytes: number): Progress {
  return createProgress({ label: "upload", total: totalBytes });
}

/** Names (and sizes) of the photos already in the container: one paged listing under the prefix. */
async function existingBlobs(container: ContainerClient): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const blob of container.listBlobsFlat({ prefix: BLOB_PREFIX })) {
    found.set(blob.name, blob.properties.contentLength ?? -1);
  }
  return found;
}

export async function uploadPhotos(
  container: ContainerClient,
  photos: LocalPhoto[],
  options: UploadOptions = {},
): Promise<UploadResult> {
  const existing = await existingBlobs(container);
  // Equal bytes under two names are one blob: upload it once.
  const unique = new Map<string, LocalPhoto>();
  for (const p of photos) if (!unique.has(p.blobName)) unique.set(p.blobName, p);
  const todo = [...unique.values()].filter((p) => existing.get(p.blobName) !== p.size);
  const result: UploadResult = { uploaded: 0, skipped: unique.size - todo.length, bytesSent: 0 };
  const totalBytes = todo.reduce((n, p) => n + p.size, 0);
  const progress = options.progress?.(todo.length, totalBytes);
  const inFlight = new Map<string, number>();
  const report = () => {
    const sent = result.bytesSent + [...inFlight.values()].reduce((a, b) => a + b, 0);
    progress?.update(sent, `${result.uploaded}/${todo.length} files, ${formatBytes(sent)}/${formatBytes(totalBytes)}`);
  };
  const limit = pLimit(options.concurrency ?? 8);
  try {
    await Promise.all(
      todo.map((photo) =>
        limit(async () => {
          const blob = container.getBlockBlobClient(photo.blobName);
          const ext = photo.blobName.slice(photo.blobName.lastIndexOf("."));
          // A blob appears only once committed, so a run killed mid-upload leaves nothing half-written.
          await blob.uploadFile(photo.file, {
            // Metadata must be ASCII: the original name is kept percent-encoded.
            metadata: { originalname: encodeURIComponent(photo.name), sha256: photo.sha256 },
            blobHTTPHeaders: { blobContentType: CONTENT_TYPES[ext] ?? "application/octet-stream" },
            onProgress: (ev) => {
              inFlight.set(photo.blobName, ev.loadedBytes);
              report();
            },
          });
          inFlight.delete(photo.blobName);
          result.uploaded++;
          result.bytesSent += photo.size;
          report();
        }),
      ),
    );
  } finally {
    progress?.stop(
      `upload: ${result.uploaded} photo(s) sent (${formatBytes(result.bytesSent)}), ${result.skipped} already there`,
    );
  }
  return result;
}
