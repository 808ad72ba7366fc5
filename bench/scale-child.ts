/**
 * One dispatcher-scale measurement in a process of its own, so its peak RSS is the dispatcher's
 * alone: plan N photos into tasks and submit them to a job on the local Batch service (a pool with
 * no nodes, so nothing runs). Prints one JSON line. The parent passes the service's address and
 * its (per-start, random) key in the environment.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { addTasks } from "../tasks/submit";
import { dispatcherTasks, syntheticBlobNames } from "./ocr-tasks";

export interface ScaleSample {
  photos: number;
  tasks: number;
  planSeconds: number;
  submitSeconds: number;
  calls: number;
  maxRssMB: number;
}

async function main(): Promise<void> {
  const photos = Number(process.argv[2]);
  const jobId = process.argv[3] ?? "scale";
  const capacity = Number(process.argv[4] ?? "8");
  const { BENCH_BATCH_ENDPOINT: endpoint, BENCH_BATCH_ACCOUNT: account, BENCH_BATCH_KEY: key } = process.env;
  if (!Number.isInteger(photos) || !endpoint || !account || !key)
    throw new Error("usage: scale-child PHOTOS JOB CAPACITY with BENCH_BATCH_* set");
  const client = new BatchServiceClient(new BatchSharedKeyCredentials(account, key), endpoint);
  const t0 = process.hrtime.bigint();
  const tasks = dispatcherTasks(jobId, syntheticBlobNames(photos), { capacity });
  const t1 = process.hrtime.bigint();
  const r = await addTasks(client, jobId, tasks);
  const t2 = process.hrtime.bigint();
  const sample: ScaleSample = {
    photos,
    tasks: r.added,
    planSeconds: Number(t1 - t0) / 1e9,
    submitSeconds: Number(t2 - t1) / 1e9,
    calls: r.calls,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
