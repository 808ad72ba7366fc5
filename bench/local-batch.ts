/** Clients and fixtures for bench sections that drive the local Batch service. */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ZipFile } from "yazl";
import type { LocalCloud } from "../local";
import { createWriteStream } from "node:fs";

export function batchClient(cloud: LocalCloud): BatchServiceClient {
  return new BatchServiceClient(
    new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
    cloud.batchEndpoint,
  );
}

/** A pool with no nodes and a job on it: tasks are accepted and stay queued, nothing runs. */
export async function idleJob(client: BatchServiceClient, poolId: string, jobId: string): Promise<void> {
  await client.pool.add({
    id: poolId,
    vmSize: "Standard_D2s_v5",
    targetDedicatedNodes: 0,
    virtualMachineConfiguration: {
      imageReference: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
      nodeAgentSKUId: "batch.node.ubuntu 24.04",
    },
  });
  await client.job.add({ id: jobId, poolInfo: { poolId } });
}

/** Counts a job's tasks by following list pages of `maxResults`, as a client with 10,000 tasks must. */
export async function countTasks(
  client: BatchServiceClient,
  jobId: string,
  maxResults: number,
): Promise<{ count: number; pages: number }> {
  let page = await client.task.list(jobId, { taskListOptions: { maxResults, select: "id" } });
  let count = page.length;
  let pages = 1;
  while (page.odatanextLink) {
    page = await client.task.listNext(page.odatanextLink);
    count += page.length;
    pages += 1;
  }
  return { count, pages };
}

/** The application package the dispatcher's task bodies name (`ocrworker` version `bench`): Batch refuses tasks naming an unknown one. */
export async function registerBenchPackage(cloud: LocalCloud): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "bench-pkg-"));
  try {
    const zipPath = path.join(dir, "bench.zip");
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from("// the submission benchmarks never run their tasks\n"), "worker.js");
    zip.end();
    await new Promise<void>((resolve, reject) =>
      zip.outputStream.pipe(createWriteStream(zipPath)).on("close", resolve).on("error", reject),
    );
    await cloud.registerApplicationPackage("ocrworker", "bench", zipPath);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
