/**
 * Upload: the dispatcher's uploader (photos hashed, one listing, bounded parallel uploads under
 * content-addressed names) against one BlockBlobClient.uploadFile after another, into Azurite, on
 * the same photos; then the dispatcher's upload again, which must send no photo bytes. Azurite
 * sits behind a proxy adding a delay to every request: on loopback a request costs ~3 ms, so
 * without it there is no round trip for parallel uploads to overlap, unlike on Azure Storage.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { startAzurite } from "../local/azurite";
import { startLatencyProxy, type LatencyProxy } from "./latency-proxy";
import { findPhotos } from "../tasks/photos";
import { uploadPhotos } from "../tasks/upload";
import type { PhotoSet } from "./photos";
import { interleave, medianRate, ratio, type Contender, type Sample } from "./stats";

export interface UploadResult {
  status: "measured";
  photos: number;
  bytes: number;
  /** Added to every request to Azurite (0: no proxy, Azurite on loopback as it is). */
  latencyMs: number;
  samples: Sample[];
  medians: Record<string, number>;
  ratios: { vsSequential: number | null };
  /** Photo bytes the second run of the dispatcher's upload sent (the goal is 0). */
  secondRunBytesSent: number;
  secondRunSkipped: number;
}

async function sequential(service: BlobServiceClient, container: string, photos: string[]): Promise<number> {
  const c = service.getContainerClient(container);
  await c.createIfNotExists();
  for (const p of photos) await c.getBlockBlobClient(path.basename(p)).uploadFile(p);
  return photos.length;
}

/** What `npm run ocr` does before planning: find and hash the photos, then upload what is missing. */
async function dispatcherUpload(
  service: BlobServiceClient,
  container: string,
  dir: string,
): Promise<{ sent: number; skipped: number; bytes: number }> {
  const c = service.getContainerClient(container);
  await c.createIfNotExists();
  const { photos } = await findPhotos(dir);
  const r = await uploadPhotos(c, photos);
  return { sent: r.uploaded, skipped: r.skipped, bytes: r.bytesSent };
}

export async function benchUpload(
  set: PhotoSet,
  reps: number,
  latencyMs: number,
  log: (l: string) => void,
): Promise<UploadResult> {
  const bytes = set.photos.reduce((n, p) => n + statSync(p).size, 0);
  const azurite = await startAzurite();
  let proxy: LatencyProxy | undefined;
  try {
    let endpoint = azurite.blobEndpoint;
    if (latencyMs > 0) {
      proxy = await startLatencyProxy(azurite.blobEndpoint, { latencyMs });
      // Shared-key signatures cover the path, not the host, so only the origin changes.
      endpoint = new URL(new URL(azurite.blobEndpoint).pathname, proxy.origin).toString();
      log(`  Azurite behind a proxy adding ${latencyMs} ms to every request`);
    } else log("  Azurite on loopback, no added latency");
    const service = new BlobServiceClient(
      endpoint,
      new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
    );
    // Requests each run made, so the figures show what the delay was paid on.
    const counted = async (units: () => Promise<number>) => {
      const before = proxy?.requests ?? 0;
      const n = await units();
      return proxy ? { units: n, extra: { requests: proxy.requests - before } } : { units: n };
    };
    const contenders: Contender[] = [
      { name: "sequential", run: (rep) => counted(() => sequential(service, `seq-${rep}`, set.photos)) },
      {
        name: "dispatcher",
        run: (rep) =>
          counted(async () => {
            const r = await dispatcherUpload(service, `disp-${rep}`, set.dir);
            if (r.sent !== set.photos.length)
              throw new Error(`the dispatcher sent ${r.sent} of ${set.photos.length} photos into an empty container`);
            return r.sent;
          }),
      },
    ];
    const samples = await interleave(contenders, reps, log);
    const second = await dispatcherUpload(service, "disp-0", set.dir);
    log(
      `  second upload into the same container: ${second.sent} sent, ${second.skipped} already there, ${second.bytes} bytes`,
    );
    const medians = { sequential: medianRate(samples, "sequential"), dispatcher: medianRate(samples, "dispatcher") };
    return {
      status: "measured",
      photos: set.photos.length,
      bytes,
      latencyMs,
      samples,
      medians,
      ratios: { vsSequential: ratio(medians.dispatcher, medians.sequential) },
      secondRunBytesSent: second.bytes,
      secondRunSkipped: second.skipped,
    };
  } finally {
    await proxy?.close();
    await azurite.stop();
  }
}
