/**
 * Task submission: tasks added to the local Batch service by the dispatcher's submitter against
 * one `task.add` call per task (what `az batch task create` in a loop does), timed on a subset.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalCloud } from "../local";
import { batchClient, countTasks, idleJob } from "./local-batch";
import { missingParts } from "./parts";
import { interleave, medianRate, ratio, type Contender, type Sample } from "./stats";

export interface SubmissionResult {
  status: "measured" | "partial";
  reason?: string;
  tasks: number;
  oneByOneTasks: number;
  samples: Sample[];
  medians: Record<string, number>;
  ratios: { vsOneByOne: number | null };
  listing: { maxResults: number; counted: number; pages: number; expected: number }[];
}

const LIST_PAGE = 1000;

export async function benchSubmission(root: string, tasks: number, reps: number, log: (l: string) => void): Promise<SubmissionResult> {
  const oneByOneTasks = Math.min(tasks, 500);
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-batch-"));
  const cloud = await startLocalCloud({ dataDir });
  try {
    const client = batchClient(cloud);
    const listing: SubmissionResult["listing"] = [];
    const contenders: Contender[] = [
      {
        name: "oneByOne",
        run: async (rep) => {
          const jobId = `one-by-one-${rep}`;
          await idleJob(client, `pool-one-${rep}`, jobId);
          for (let i = 0; i < oneByOneTasks; i++) await client.task.add(jobId, { id: `t${i}`, commandLine: "/bin/true" });
          return { units: oneByOneTasks };
        },
      },
    ];
    const submitter = missingParts(root, ["tasks/submit.ts"]);
    // The dispatcher's submitter joins as a contender once tasks/submit.ts exists.
    const samples = await interleave(contenders, reps, log);
    const counted = await countTasks(client, "one-by-one-0", Math.min(LIST_PAGE, Math.max(1, Math.floor(oneByOneTasks / 3))));
    listing.push({ maxResults: Math.min(LIST_PAGE, Math.max(1, Math.floor(oneByOneTasks / 3))), counted: counted.count, pages: counted.pages, expected: oneByOneTasks });
    const medians = { oneByOne: medianRate(samples, "oneByOne") };
    return {
      status: "partial",
      reason: submitter ? `dispatcher submitter ${submitter.reason}; only one call per task was measured` : "tasks/submit.ts exists but the bench does not drive it yet",
      tasks,
      oneByOneTasks,
      samples,
      medians,
      ratios: { vsOneByOne: ratio(Number.NaN, medians.oneByOne) },
      listing,
    };
  } finally {
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
