/**
 * Creating the job and adding its tasks. Tasks go in add-collection calls of at most 100 tasks and
 * under 1 MB, several in flight, each chunk taken from the caller's iterable only when a call is free
 * to send it (so a caller that builds task bodies lazily never holds them all); throttling and server errors are retried, a chunk the service finds
 * too large is split, and a task that already exists (a resumed run) counts as added. Reusable: the
 * bench submits through `addTasks`.
 */
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";
import { RestError } from "@azure/ms-rest-js";

/** Batch's limits for one add-collection call. */
export const MAX_TASKS_PER_CALL = 100;
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * What a chunk's body aims at: half the limit. Each call's body is held several times over while
 * it is in flight (the task objects, the SDK's serialized copy, its JSON, the request's bytes), long
 * enough for V8 to promote it all to the old generation; at 1 MB a call, 100,000 photos peaked at
 * 316 MB where half-size bodies peak at about 250 MB, in the same submit time (bench scale section).
 * A task larger than this still goes, alone, up to the limit.
 */
export const TARGET_BODY_BYTES = MAX_BODY_BYTES / 2;

export interface AddTasksOptions {
  /** Add-collection calls in flight at once. */
  concurrency?: number;
  /** Body size a chunk of several tasks is kept under (TARGET_BODY_BYTES). */
  targetBodyBytes?: number;
  /** Body size no chunk reaches, even a task alone (Batch refuses 1 MB and more). */
  maxBodyBytes?: number;
  /** Tasks the iterable will give, for progress (the iterable is read only as chunks are sent). */
  total?: number;
  /** Called after each chunk lands, with the running totals. */
  onProgress?: (done: number, total: number) => void;
}

export interface AddTasksResult {
  /** Tasks added by this run. */
  added: number;
  /** Tasks that were there already (TaskExists): added by an earlier, interrupted run. */
  existed: number;
  calls: number;
  /** Sends again of the tasks the service could not add for its own reasons (serverError); the client retries whole calls itself (tasks/retry.ts). */
  retries: number;
  /** Chunks split because the service answered RequestBodyTooLarge. */
  splits: number;
}

export class SubmitError extends Error {
  override name = "SubmitError";
}

/**
 * Groups tasks into chunks of at most 100 whose JSON body stays under the target, each chunk as it
 * fills; a task that alone is over the target goes in a chunk of its own if it is under the limit.
 */
export function* chunkTasks<T>(
  tasks: Iterable<T>,
  targetBodyBytes = TARGET_BODY_BYTES,
  maxBodyBytes = Math.max(targetBodyBytes, MAX_BODY_BYTES),
): Generator<T[], void, undefined> {
  let current: T[] = [];
  let bytes = 0;
  const envelope = Buffer.byteLength('{"value":[]}');
  for (const task of tasks) {
    const size = Buffer.byteLength(JSON.stringify(task)) + 1;
    if (envelope + size >= maxBodyBytes)
      throw new SubmitError(
        `a single task is ${size} bytes, over the ${maxBodyBytes}-byte limit of an add-collection call`,
      );
    if (current.length > 0 && (current.length >= MAX_TASKS_PER_CALL || envelope + bytes + size >= targetBodyBytes)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(task);
    bytes += size;
  }
  if (current.length > 0) yield current;
}

/** The add-collection reference names RequestBodyTooLarge; the 2025-06-01 spec's resource-file notes say RequestEntityTooLarge. */
function isTooLarge(err: unknown): boolean {
  return (
    err instanceof RestError &&
    (err.statusCode === 413 || err.code === "RequestBodyTooLarge" || err.code === "RequestEntityTooLarge")
  );
}

export async function addTasks(
  client: BatchServiceClient,
  jobId: string,
  tasks: Iterable<BatchServiceModels.TaskAddParameter>,
  options: AddTasksOptions = {},
): Promise<AddTasksResult> {
  const result: AddTasksResult = { added: 0, existed: 0, calls: 0, retries: 0, splits: 0 };
  const failures: string[] = [];

  const send = async (chunk: BatchServiceModels.TaskAddParameter[]): Promise<void> => {
    let response: BatchServiceModels.TaskAddCollectionResponse;
    try {
      result.calls++;
      response = await client.task.addCollection(jobId, chunk);
    } catch (err) {
      if (isTooLarge(err) && chunk.length > 1) {
        result.splits++;
        const half = Math.ceil(chunk.length / 2);
        await send(chunk.slice(0, half));
        await send(chunk.slice(half));
        return;
      }
      if (isTooLarge(err)) {
        const task = chunk[0] as BatchServiceModels.TaskAddParameter;
        throw new SubmitError(
          `task ${task.id} alone is too large for Batch (${task.resourceFiles?.length ?? 0} resource files, ${Buffer.byteLength(JSON.stringify(task))} bytes of JSON); use a smaller --images-per-task`,
        );
      }
      throw err;
    }
    // Tasks the service could not add for its own reasons (serverError) are sent again.
    const again: BatchServiceModels.TaskAddParameter[] = [];
    const byId = new Map(chunk.map((t) => [t.id, t]));
    for (const r of response.value ?? []) {
      const status = String(r.status).toLowerCase();
      if (status === "success") result.added++;
      else if (r.error?.code === "TaskExists") result.existed++;
      else if (status === "servererror") again.push(byId.get(r.taskId) as BatchServiceModels.TaskAddParameter);
      else failures.push(`${r.taskId}: ${r.error?.code ?? r.status} ${r.error?.message?.value ?? ""}`.trim());
    }
    if (again.length > 0) {
      result.retries++;
      await send(again);
    }
  };

  const concurrency = Math.max(1, options.concurrency ?? 4);
  const inFlight = new Set<Promise<void>>();
  let failed: { error: unknown } | undefined;
  let done = 0;
  for (const chunk of chunkTasks(
    tasks,
    options.targetBodyBytes ?? Math.min(TARGET_BODY_BYTES, options.maxBodyBytes ?? MAX_BODY_BYTES),
    options.maxBodyBytes ?? MAX_BODY_BYTES,
  )) {
    const call: Promise<void> = send(chunk)
      .then(
        () => {
          done += chunk.length;
          options.onProgress?.(done, options.total ?? done);
        },
        (error: unknown) => void (failed ??= { error }),
      )
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
    // The next chunk is built only once a call is free; after a failure no more are sent.
    while (inFlight.size >= concurrency && !failed) await Promise.race(inFlight);
    if (failed) break;
  }
  await Promise.all(inFlight);
  if (failed) throw failed.error;
  if (failures.length > 0) {
    throw new SubmitError(
      `${failures.length} task(s) were refused: ${failures.slice(0, 5).join("; ")}${failures.length > 5 ? "; ..." : ""}`,
    );
  }
  return result;
}

export interface JobSpec {
  jobId: string;
  poolId: string;
  /** Shown in the portal and in `az batch job list`. */
  displayName?: string;
  /** The job ends (and any SAS URL it was given expires soon after) when this runs out. */
  maxWallClockMinutes?: number;
}

export interface EnsuredJob {
  created: boolean;
  /** The job's onAllTasksComplete: `terminatejob` means an earlier run added every task. */
  onAllTasksComplete: string;
  state: string;
}

/**
 * Creates the job so that it does not end while tasks are still being added (noaction); on a
 * resumed run the job is there already, which is fine.
 */
export async function ensureJob(client: BatchServiceClient, spec: JobSpec): Promise<EnsuredJob> {
  try {
    await client.job.add({
      id: spec.jobId,
      displayName: spec.displayName,
      poolInfo: { poolId: spec.poolId },
      onAllTasksComplete: "noaction",
      onTaskFailure: "noaction",
      constraints: spec.maxWallClockMinutes ? { maxWallClockTime: `PT${spec.maxWallClockMinutes}M` } : undefined,
      metadata: [{ name: "created-by", value: "batch-ocr dispatcher" }],
    });
    return { created: true, onAllTasksComplete: "noaction", state: "active" };
  } catch (err) {
    if (!(err instanceof RestError && err.code === "JobExists")) throw err;
  }
  const job = await client.job.get(spec.jobId);
  if (job.poolInfo?.poolId && job.poolInfo.poolId !== spec.poolId) {
    throw new SubmitError(
      `job ${spec.jobId} exists on pool ${job.poolInfo.poolId}, not ${spec.poolId}; use another --job-id`,
    );
  }
  return { created: false, onAllTasksComplete: job.onAllTasksComplete ?? "noaction", state: job.state ?? "active" };
}

/** Every task is in: let the job end itself once they all complete. */
export async function sealJob(client: BatchServiceClient, jobId: string): Promise<void> {
  await client.job.patch(jobId, { onAllTasksComplete: "terminatejob" });
}
