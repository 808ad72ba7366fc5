/**
 * Task bodies as the dispatcher makes them (tasks/task-spec.ts), for photos that need not exist:
 * the submission and scale sections measure adding tasks, not running them.
 */
import { createHash } from "node:crypto";
import type { BatchServiceModels } from "@azure/batch";
import { blobNameFor } from "../tasks/photos";
import { plannedTasks, planTasks, type PlanOptions, type PlannedTask } from "../tasks/plan";
import { buildTask } from "../tasks/task-spec";

/** Content-addressed blob names as the uploader would give `count` distinct photos. */
export function syntheticBlobNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    blobNameFor(createHash("sha256").update(`photo ${i}`).digest("hex"), `meter-${i}.jpg`),
  );
}

/**
 * `count` distinct content-addressed names made one at a time, already sorted (the digest is the
 * index in hex): a photo list of any length that costs no memory to hold.
 */
export function* sortedSyntheticBlobNames(count: number): Generator<string, void, undefined> {
  for (let i = 0; i < count; i++) yield blobNameFor(i.toString(16).padStart(64, "0"), `meter-${i}.jpg`);
}

export function dispatcherTasks(
  jobId: string,
  blobNames: readonly string[],
  plan: PlanOptions,
): BatchServiceModels.TaskAddParameter[] {
  return [...dispatcherTaskBodies(jobId, planTasks(blobNames, plan))];
}

/** Each planned task's body, built only when the consumer asks for it, as the dispatcher submits. */
export function* dispatcherTaskBodies(
  jobId: string,
  tasks: Iterable<PlannedTask>,
): Generator<BatchServiceModels.TaskAddParameter, void, undefined> {
  const storage = {
    kind: "identity" as const,
    identityResourceId:
      "/subscriptions/0/resourceGroups/bench/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool",
    imagesUrl: "http://127.0.0.1:10000/devstoreaccount1/images",
    resultsUrl: "http://127.0.0.1:10000/devstoreaccount1/results",
  };
  const context = { jobId, applicationId: "ocrworker", applicationVersion: "bench", storage, concurrency: 1 };
  for (const t of tasks) yield buildTask(t, context);
}

/** A plan streamed from names that arrive sorted and unique, for the plan-only scale measurement. */
export function streamedPlan(count: number, plan: PlanOptions): Generator<PlannedTask, void, undefined> {
  return plannedTasks(sortedSyntheticBlobNames(count), count, plan);
}
