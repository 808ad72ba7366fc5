/**
 * Scale of the dispatcher: time and peak RSS to plan and submit growing numbers of photos (no OCR:
 * the tasks point at content-addressed blob names and wait on a pool with no nodes), each size in
 * a fresh process so that RSS is the dispatcher's own. Time should grow linearly; RSS stay bounded.
 * Then planning alone at the largest size and ten times it: its peak RSS should not grow with the count,
 * and neither should its live heap (weighed in separate runs, since collecting on demand changes RSS).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startLocalCloud } from "../local";
import { batchClient, idleJob, registerBenchPackage } from "./local-batch";
import type { ScaleMode, ScaleSample } from "./scale-child";

const exec = promisify(execFile);

export interface ScaleResult {
  status: "measured";
  /** Task slots the planner was told the pool has (the dev stack at its 4-node maximum, 2 slots each). */
  capacity: number;
  samples: ScaleSample[];
  largest: ScaleSample;
  /** Seconds per 1,000 photos at the largest size over that at the smallest: 1 is perfectly linear. */
  linearity: number | null;
  /** Planning alone (nothing sent), at the largest size and ten times it. */
  planOnly: ScaleSample[];
  /** Peak RSS planning ten times the photos over that at the largest size: 1 is no growth at all. */
  planRssGrowth: number | null;
  /** The same planning, weighing the live heap after full collections. */
  planLive: ScaleSample[];
  /** Largest live heap planning ten times the photos over that at the largest size. */
  planLiveGrowth: number | null;
}

const CAPACITY = 8;

export async function benchScale(root: string, largest: number, log: (l: string) => void): Promise<ScaleResult> {
  const sizes = [...new Set([Math.max(1, Math.round(largest / 10)), Math.max(1, Math.round(largest / 2)), largest])];
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-scale-"));
  const cloud = await startLocalCloud({ dataDir, inMemoryStorage: true });
  try {
    await registerBenchPackage(cloud);
    const client = batchClient(cloud);
    const child = async (mode: ScaleMode, photos: number, jobId: string): Promise<ScaleSample> => {
      const { stdout } = await exec(
        path.join(root, "node_modules", ".bin", "tsx"),
        [path.join(root, "bench", "scale-child.ts"), mode, String(photos), jobId, String(CAPACITY)],
        {
          env: {
            ...process.env,
            BENCH_BATCH_ENDPOINT: cloud.batchEndpoint,
            BENCH_BATCH_ACCOUNT: cloud.batchAccountName,
            BENCH_BATCH_KEY: cloud.batchAccountKey,
          },
          maxBuffer: 1 << 20,
        },
      );
      return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as ScaleSample;
    };
    const samples: ScaleSample[] = [];
    for (const [i, photos] of sizes.entries()) {
      const jobId = `scale-${i}`;
      await idleJob(client, `scale-pool-${i}`, jobId);
      const sample = await child("submit", photos, jobId);
      samples.push(sample);
      log(
        `  ${photos} photos -> ${sample.tasks} tasks: plan ${sample.planSeconds.toFixed(2)} s, submit ${sample.submitSeconds.toFixed(2)} s in ${sample.calls} calls, peak RSS ${sample.maxRssMB.toFixed(0)} MB`,
      );
    }
    const planOnly: ScaleSample[] = [];
    for (const photos of [largest, largest * 10]) {
      const sample = await child("plan", photos, "scale-plan");
      planOnly.push(sample);
      log(
        `  ${photos} photos planned (not sent) -> ${sample.tasks} tasks in ${sample.calls} chunks: ${sample.planSeconds.toFixed(2)} s, peak RSS ${sample.maxRssMB.toFixed(0)} MB`,
      );
    }
    const planLive: ScaleSample[] = [];
    for (const photos of [largest, largest * 10]) {
      const sample = await child("live", photos, "scale-plan");
      planLive.push(sample);
      log(
        `  ${photos} photos planned, live heap after full collections at most ${sample.maxLiveHeapMB?.toFixed(1)} MB`,
      );
    }
    const perK = (s: ScaleSample) => ((s.planSeconds + s.submitSeconds) / s.photos) * 1000;
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    return {
      status: "measured",
      capacity: CAPACITY,
      samples,
      largest: last,
      linearity: samples.length > 1 ? perK(last) / perK(first) : null,
      planOnly,
      planRssGrowth: planOnly[1]!.maxRssMB / planOnly[0]!.maxRssMB,
      planLive,
      planLiveGrowth: (planLive[1]!.maxLiveHeapMB ?? NaN) / (planLive[0]!.maxLiveHeapMB ?? NaN),
    };
  } finally {
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
