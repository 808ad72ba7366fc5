/**
 * One dispatcher-scale measurement in a process of its own, so its peak RSS is the dispatcher's
 * alone. `submit`: plan N photos into tasks as the dispatcher does (the photo list and the plan in
 * memory, task bodies built as each chunk is sent) and submit them to a job on the local Batch
 * service (a pool with no nodes, so nothing runs). `plan`: the photos arrive one at a time, already
 * sorted, and every task body is built and chunked as for a call but nothing is sent: planning
 * alone, whose memory should not grow with N. `live`: the same planning, stopping every 50 chunks
 * for a full garbage collection to weigh what is still reachable (the live heap), which is what
 * grows with N if anything is kept; its collections change the heap's own growth, so its RSS is not
 * `plan`'s and is not reported. Prints one JSON line. The parent passes the service's
 * address and its (per-start, random) key in the environment.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { planTasks } from "../tasks/plan";
import { addTasks, chunkTasks } from "../tasks/submit";
import { dispatcherTaskBodies, streamedPlan, syntheticBlobNames } from "./ocr-tasks";

export type ScaleMode = "submit" | "plan" | "live";

export interface ScaleSample {
  mode: ScaleMode;
  photos: number;
  tasks: number;
  planSeconds: number;
  submitSeconds: number;
  /** Add-collection calls made (`submit`), or the chunks that would have been sent (`plan`). */
  calls: number;
  maxRssMB: number;
  /** `live` only: the largest heap still in use right after a full collection. */
  maxLiveHeapMB?: number;
}

function seconds(from: bigint, to: bigint): number {
  return Number(to - from) / 1e9;
}

async function submit(photos: number, jobId: string, capacity: number): Promise<Omit<ScaleSample, "maxRssMB">> {
  const { BENCH_BATCH_ENDPOINT: endpoint, BENCH_BATCH_ACCOUNT: account, BENCH_BATCH_KEY: key } = process.env;
  if (!endpoint || !account || !key) throw new Error("scale-child submit needs BENCH_BATCH_* set");
  const client = new BatchServiceClient(new BatchSharedKeyCredentials(account, key), endpoint);
  const t0 = process.hrtime.bigint();
  const plan = planTasks(syntheticBlobNames(photos), { capacity });
  const t1 = process.hrtime.bigint();
  const r = await addTasks(client, jobId, dispatcherTaskBodies(jobId, plan), { total: plan.length });
  const t2 = process.hrtime.bigint();
  return {
    mode: "submit",
    photos,
    tasks: r.added,
    planSeconds: seconds(t0, t1),
    submitSeconds: seconds(t1, t2),
    calls: r.calls,
  };
}

/** V8's collector on demand without `--expose-gc` on the command line (tsx starts this process). */
function fullCollection(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function planOnly(photos: number, jobId: string, capacity: number, weighLive: boolean): Omit<ScaleSample, "maxRssMB"> {
  const gc = weighLive ? fullCollection() : undefined;
  let maxLive = 0;
  const weigh = () => {
    if (!gc) return;
    gc();
    maxLive = Math.max(maxLive, process.memoryUsage().heapUsed);
  };
  const t0 = process.hrtime.bigint();
  let tasks = 0;
  let chunks = 0;
  for (const chunk of chunkTasks(dispatcherTaskBodies(jobId, streamedPlan(photos, { capacity })))) {
    tasks += chunk.length;
    chunks++;
    if (chunks % 50 === 0) weigh();
  }
  weigh();
  const t1 = process.hrtime.bigint();
  return {
    mode: weighLive ? "live" : "plan",
    photos,
    tasks,
    planSeconds: seconds(t0, t1),
    submitSeconds: 0,
    calls: chunks,
    ...(weighLive ? { maxLiveHeapMB: maxLive / (1024 * 1024) } : {}),
  };
}

async function main(): Promise<void> {
  const [mode, photosArg, jobId = "scale", capacityArg = "8"] = process.argv.slice(2);
  const photos = Number(photosArg);
  const capacity = Number(capacityArg);
  if ((mode !== "submit" && mode !== "plan" && mode !== "live") || !Number.isInteger(photos))
    throw new Error("usage: scale-child submit|plan|live PHOTOS JOB CAPACITY");
  const measured =
    mode === "submit" ? await submit(photos, jobId, capacity) : planOnly(photos, jobId, capacity, mode === "live");
  const sample: ScaleSample = { ...measured, maxRssMB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
