/**
 * Task submission: tasks as the dispatcher builds them (10 photos each, the planner's smallest
 * task), added to the local Batch service by the dispatcher's submitter (add-collection, several
 * calls in flight) against one `task.add` call per task (what `az batch task create` in a loop
 * does, timed on a subset and compared per task). Then the submitter's job is listed page by page.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalCloud } from "../local";
import { addTasks } from "../tasks/submit";
import { batchClient, countTasks, idleJob, registerBenchPackage } from "./local-batch";
import { dispatcherTasks, syntheticBlobNames } from "./ocr-tasks";
import { interleave, medianRate, ratio, type Contender, type Sample } from "./stats";

export interface SubmissionResult {
  status: "measured";
  tasks: number;
  oneByOneTasks: number;
  photosPerTask: number;
  samples: Sample[];
  medians: Record<string, number>;
  ratios: { vsOneByOne: number | null };
  listing: { maxResults: number; counted: number; pages: number; expected: number }[];
}

const PHOTOS_PER_TASK = 10;

export async function benchSubmission(tasks: number, reps: number, log: (l: string) => void): Promise<SubmissionResult> {
  const oneByOneTasks = Math.min(tasks, 500);
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-batch-"));
  const cloud = await startLocalCloud({ dataDir, inMemoryStorage: true });
  try {
    await registerBenchPackage(cloud);
    const client = batchClient(cloud);
    const blobs = syntheticBlobNames(tasks * PHOTOS_PER_TASK);
    const bodies = (jobId: string) => dispatcherTasks(jobId, blobs, { capacity: 1, imagesPerTask: PHOTOS_PER_TASK });
    const contenders: Contender[] = [
      {
        name: "oneByOne",
        run: async (rep) => {
          const jobId = `one-by-one-${rep}`;
          await idleJob(client, `pool-one-${rep}`, jobId);
          for (const task of bodies(jobId).slice(0, oneByOneTasks)) await client.task.add(jobId, task);
          return { units: oneByOneTasks };
        },
      },
      {
        name: "submitter",
        run: async (rep) => {
          const jobId = `submitter-${rep}`;
          await idleJob(client, `pool-sub-${rep}`, jobId);
          const r = await addTasks(client, jobId, bodies(jobId));
          if (r.added !== tasks) throw new Error(`the submitter added ${r.added} of ${tasks} tasks`);
          return { units: r.added, extra: { calls: r.calls, retries: r.retries } };
        },
      },
    ];
    const samples = await interleave(contenders, reps, log);
    const listing: SubmissionResult["listing"] = [];
    for (const maxResults of [1000, 333]) {
      const counted = await countTasks(client, "submitter-0", maxResults);
      listing.push({ maxResults, counted: counted.count, pages: counted.pages, expected: tasks });
      log(`  listing with maxresults=${maxResults}: ${counted.count} tasks in ${counted.pages} pages (expected ${tasks})`);
    }
    const medians = { oneByOne: medianRate(samples, "oneByOne"), submitter: medianRate(samples, "submitter") };
    return {
      status: "measured",
      tasks,
      oneByOneTasks,
      photosPerTask: PHOTOS_PER_TASK,
      samples,
      medians,
      ratios: { vsOneByOne: ratio(medians.submitter, medians.oneByOne) },
      listing,
    };
  } finally {
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
