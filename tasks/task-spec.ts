/**
 * What one OCR task is, as Batch is told: its photos as resource files, the worker from the
 * application package, its records and its stdout/stderr uploaded to the results container,
 * and limits on retries and wall clock.
 */
import type { BatchServiceModels } from "@azure/batch";
import { appPackageEnvVar, RECORDS_FILE, WORKER_ENTRY } from "../contracts/node-setup";
import type { PlannedTask } from "./plan";
import { BLOB_PREFIX } from "./photos";

/** How a task reaches the containers: the pool's managed identity, or SAS URLs when there is none to use. */
export type TaskStorageAccess =
  | { kind: "identity"; identityResourceId: string; imagesUrl: string; resultsUrl: string }
  | { kind: "sas"; imagesUrlWithSas: string; resultsUrlWithSas: string };

export interface TaskSpecContext {
  jobId: string;
  applicationId: string;
  applicationVersion: string;
  storage: TaskStorageAccess;
  /** The meter profile JSON, or undefined for none. */
  profileJson?: string;
  /** Tesseract processes per task: one per task slot the task holds. */
  concurrency?: number;
  maxTaskRetryCount?: number;
}

/** Where the task finds its photos and writes its records, relative to its working directory. */
export const TASK_INPUT_DIR = "in";
export const TASK_OUTPUT_DIR = "out";

/** Results of a task live under `<jobId>/<taskId>/` in the results container. */
export function taskResultPath(jobId: string, taskId: string, file: string): string {
  return `${jobId}/${taskId}/${file}`;
}

/** Generous: node start-up and photo download on top of a few seconds of OCR per photo. */
export function maxWallClockMinutes(photos: number): number {
  return 15 + Math.ceil(photos / 4);
}

export function commandLine(
  ctx: Pick<TaskSpecContext, "applicationId" | "applicationVersion" | "profileJson" | "concurrency">,
): string {
  const worker = `"$${appPackageEnvVar(ctx.applicationId, ctx.applicationVersion)}/${WORKER_ENTRY}"`;
  const args = [
    `--input ${TASK_INPUT_DIR}/${BLOB_PREFIX.replace(/\/$/, "")}`,
    `--out ${TASK_OUTPUT_DIR}`,
    `--concurrency ${ctx.concurrency ?? 1}`,
  ];
  // Batch runs command lines without a shell; bash expands the package variable and writes the profile.
  const steps = ["set -e", `mkdir -p ${TASK_OUTPUT_DIR}`];
  if (ctx.profileJson !== undefined) {
    steps.push(`printf "%s" "$OCR_PROFILE" > profile.json`);
    args.unshift("--profile profile.json");
  }
  steps.push(`exec node ${worker} ${args.join(" ")}`);
  return `/bin/bash -c '${steps.join("; ")}'`;
}

export function buildTask(task: PlannedTask, ctx: TaskSpecContext): BatchServiceModels.TaskAddParameter {
  const { storage } = ctx;
  const identityReference = storage.kind === "identity" ? { resourceId: storage.identityResourceId } : undefined;
  const imagesUrl = storage.kind === "identity" ? storage.imagesUrl : storage.imagesUrlWithSas;
  const resultsUrl = storage.kind === "identity" ? storage.resultsUrl : storage.resultsUrlWithSas;
  const resourceFiles: BatchServiceModels.ResourceFile[] = task.blobs.map((blob) => ({
    storageContainerUrl: imagesUrl,
    // The full content-addressed name is a unique prefix: exactly this blob is downloaded.
    blobPrefix: blob,
    filePath: TASK_INPUT_DIR,
    ...(identityReference ? { identityReference } : {}),
  }));
  const upload = (filePattern: string, file: string): BatchServiceModels.OutputFile => ({
    filePattern,
    destination: {
      container: {
        containerUrl: resultsUrl,
        path: taskResultPath(ctx.jobId, task.id, file),
        ...(identityReference ? { identityReference } : {}),
      },
    },
    uploadOptions: { uploadCondition: "taskcompletion" },
  });
  return {
    id: task.id,
    displayName: `OCR of ${task.blobs.length} photo(s)`,
    commandLine: commandLine(ctx),
    resourceFiles,
    applicationPackageReferences: [{ applicationId: ctx.applicationId, version: ctx.applicationVersion }],
    environmentSettings: ctx.profileJson !== undefined ? [{ name: "OCR_PROFILE", value: ctx.profileJson }] : [],
    outputFiles: [
      upload(`${TASK_OUTPUT_DIR}/${RECORDS_FILE}`, RECORDS_FILE),
      upload("../stdout.txt", "stdout.txt"),
      upload("../stderr.txt", "stderr.txt"),
    ],
    constraints: {
      maxTaskRetryCount: ctx.maxTaskRetryCount ?? 2,
      maxWallClockTime: `PT${maxWallClockMinutes(task.blobs.length)}M`,
    },
  };
}
