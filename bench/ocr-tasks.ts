/**
 * Task bodies as the dispatcher makes them (tasks/task-spec.ts), for photos that need not exist:
 * the submission and scale sections measure adding tasks, not running them.
 */
import { createHash } from "node:crypto";
import type { BatchServiceModels } from "@azure/batch";
import { blobNameFor } from "../tasks/photos";
import { planTasks, type PlanOptions } from "../tasks/plan";
import { buildTask } from "../tasks/task-spec";

/** Content-addressed blob names as the uploader would give `count` distinct photos. */
export function syntheticBlobNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    blobNameFor(createHash("sha256").update(`photo ${i}`).digest("hex"), `meter-${i}.jpg`),
  );
}

export function dispatcherTasks(
  jobId: string,
  blobNames: readonly string[],
  plan: PlanOptions,
): BatchServiceModels.TaskAddParameter[] {
  const storage = {
    kind: "identity" as const,
    identityResourceId:
      "/subscriptions/0/resourceGroups/bench/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool",
    imagesUrl: "http://127.0.0.1:10000/devstoreaccount1/images",
    resultsUrl: "http://127.0.0.1:10000/devstoreaccount1/results",
  };
  return planTasks(blobNames, plan).map((t) =>
    buildTask(t, { jobId, applicationId: "ocrworker", applicationVersion: "bench", storage, concurrency: 1 }),
  );
}
