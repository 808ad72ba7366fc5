/**
 * Task submission: tasks as the dispatcher builds them (10 photos each, the planner's smallest
 * task), added to the local Batch service by the dispatcher's submitter (add-collection, several
 * calls in flight) against one `task.add` call per task (what `az batch task create` in a loop
 * does, timed on a subset and compared per task). Then the submitter's job is listed page by page.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalCloud } from "../local";
import { addTasks } from "../tasks/submit";
import { batchClient, countTasks, idleJob, registerBenchPackage } from "./local-batch";
import { dispatcherTasks, syntheticBlobNames } from "./ocr-tasks";
import { interleave, medianRate, ratio, type Contender, type Sample } from "./stats";

const exec = promisify(execFile);
const AZ = "/usr/bin/az";

export interface SubmissionResult {
  status: "measured";
  tasks: number;
  oneByOneTasks: number;
  /** Tasks added with one `az batch task create` process each (0 when the Azure CLI is missing). */
  azLoopTasks: number;
  photosPerTask: number;
  samples: Sample[];
  medians: Record<string, number>;
  /** vsOneByOne: against one SDK call per task in this process; vsAzLoop: against the Azure CLI in a loop. */
  ratios: { vsOneByOne: number | null; vsAzLoop: number | null };
  listing: { maxResults: number; counted: number; pages: number; expected: number }[];
}

const PHOTOS_PER_TASK = 10;
const AZ_LOOP_TASKS = 6;

export async function benchSubmission(
  tasks: number,
  reps: number,
  log: (l: string) => void,
): Promise<SubmissionResult> {
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
    const azLoopTasks = existsSync(AZ) ? AZ_LOOP_TASKS : 0;
    if (azLoopTasks > 0) {
      const azConfig = await mkdtemp(path.join(tmpdir(), "bench-az-"));
      // The variables `npm run local` prints, as an operator would export them; no login needed.
      const env = {
        ...process.env,
        AZURE_CONFIG_DIR: azConfig,
        AZURE_CORE_COLLECT_TELEMETRY: "0",
        AZURE_CORE_ONLY_SHOW_ERRORS: "1",
        AZURE_BATCH_ENDPOINT: cloud.batchEndpoint,
        AZURE_BATCH_ACCOUNT: cloud.batchAccountName,
        AZURE_BATCH_ACCESS_KEY: cloud.batchAccountKey,
      };
      contenders.push({
        name: "azLoop",
        run: async (rep) => {
          const jobId = `az-loop-${rep}`;
          await idleJob(client, `pool-az-${rep}`, jobId);
          for (const [i, task] of bodies(jobId).slice(0, azLoopTasks).entries()) {
            const file = path.join(azConfig, `task-${rep}-${i}.json`);
            await writeFile(file, JSON.stringify(task));
            await exec(AZ, ["batch", "task", "create", "--job-id", jobId, "--json-file", file, "-o", "none"], { env });
          }
          return { units: azLoopTasks };
        },
      });
    }
    const samples = await interleave(contenders, reps, log);
    const listing: SubmissionResult["listing"] = [];
    for (const maxResults of [1000, 333]) {
      const counted = await countTasks(client, "submitter-0", maxResults);
      listing.push({ maxResults, counted: counted.count, pages: counted.pages, expected: tasks });
      log(
        `  listing with maxresults=${maxResults}: ${counted.count} tasks in ${counted.pages} pages (expected ${tasks})`,
      );
    }
    const medians = {
      oneByOne: medianRate(samples, "oneByOne"),
      submitter: medianRate(samples, "submitter"),
      azLoop: medianRate(samples, "azLoop"),
    };
    return {
      status: "measured",
      tasks,
      oneByOneTasks,
      azLoopTasks,
      photosPerTask: PHOTOS_PER_TASK,
      samples,
      medians,
      ratios: {
        vsOneByOne: ratio(medians.submitter, medians.oneByOne),
        vsAzLoop: ratio(medians.submitter, medians.azLoop),
      },
      listing,
    };
  } finally {
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
