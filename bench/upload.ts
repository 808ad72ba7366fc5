/**
 * Upload: the dispatcher's uploader against one BlockBlobClient.uploadFile after another, into
 * Azurite, on the same photos; then the dispatcher's upload again, which must send no photo bytes.
 */
import { BlobServiceClient } from "@azure/storage-blob";
import path from "node:path";
import { startAzurite } from "../local/azurite";
import { missingParts } from "./parts";
import type { PhotoSet } from "./photos";
import { interleave, medianRate, ratio, type Contender, type Sample } from "./stats";

export interface UploadResult {
  status: "measured" | "partial";
  reason?: string;
  photos: number;
  bytes: number;
  samples: Sample[];
  medians: Record<string, number>;
  ratios: { vsSequential: number | null };
  secondRunBytesSent: number | null;
}

async function sequential(service: BlobServiceClient, container: string, photos: string[]): Promise<number> {
  const c = service.getContainerClient(container);
  await c.createIfNotExists();
  for (const p of photos) await c.getBlockBlobClient(path.basename(p)).uploadFile(p);
  return photos.length;
}

export async function benchUpload(root: string, set: PhotoSet, reps: number, log: (l: string) => void): Promise<UploadResult> {
  const { statSync } = await import("node:fs");
  const bytes = set.photos.reduce((n, p) => n + statSync(p).size, 0);
  const azurite = await startAzurite();
  try {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const contenders: Contender[] = [{ name: "sequential", run: async (rep) => ({ units: await sequential(service, `seq-${rep}`, set.photos) }) }];
    const missing = missingParts(root, ["tasks/upload.ts"]);
    // The dispatcher's uploader is added here once tasks/upload.ts exists (see docs/performance.md).
    const samples = await interleave(contenders, reps, log);
    const medians = { sequential: medianRate(samples, "sequential") };
    return {
      status: "partial",
      reason: missing ? `dispatcher upload ${missing.reason}; only the sequential baseline was measured` : "tasks/upload.ts exists but the bench does not drive it yet",
      photos: set.photos.length,
      bytes,
      samples,
      medians,
      ratios: { vsSequential: ratio(Number.NaN, medians.sequential) },
      secondRunBytesSent: null,
    };
  } finally {
    await azurite.stop();
  }
}
