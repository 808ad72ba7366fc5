/** Tasks: add, add collection, list, get, update, delete, terminate, reactivate. */
import { BatchError, batchError, exists, invalidProperty, notSupportedLocally } from "../errors";
import { userIdentityOf } from "../azure-defaults";
import { UNLIMITED } from "../durations";
import type { Route } from "../http";
import type { Job, Task, TaskBody } from "../model";
import { changed, checkConditions, created, entityReply, listReply } from "../replies";
import { setTaskState } from "../scheduler";
import { key, newETag, now, touch } from "../state";
import { checkTaskIdFree } from "../job-prep-release";
import { checkDependencies } from "../task-dependencies";
import { checkOutputFiles, checkResourceFiles } from "../task-file-rules";
import { checkProperties } from "../request-properties";
import { asBody, optionalDuration, optionalInt, requireId, requireString, type Body } from "../validate";
import { checkMultiInstanceSettings } from "../multi-instance";
import type { Services } from "./services";

export const MAX_TASKS_PER_COLLECTION = 100;
/** Batch's limit on an add-collection body. */
export const MAX_COLLECTION_BYTES = 1024 * 1024;

function acceptsTasks(job: Job): void {
  if (job.state === "completed") throw batchError("JobCompleted");
  if (job.state === "terminating") throw batchError("JobBeingTerminated");
  if (job.state === "deleting") throw batchError("JobBeingDeleted");
}

export function newTask(s: Services, job: Job, raw: unknown): Task {
  const body = asBody(raw);
  const id = requireId(body);
  checkTaskIdFree(job, id);
  requireString(body, "commandLine");
  checkProperties(body, "task add");
  checkResourceFiles(body);
  checkOutputFiles(body);
  checkDependencies(job, body);
  const c = (body.constraints as Body | undefined) ?? {};
  const maxWallClockTime = optionalDuration(c, "maxWallClockTime");
  const retentionTime = optionalDuration(c, "retentionTime");
  for (const ref of (body.applicationPackageReferences as TaskBody["applicationPackageReferences"]) ?? []) {
    s.state.applicationPackage(ref.applicationId, ref.version);
  }
  const pool = job.poolInfo.poolId === undefined ? undefined : s.state.pools.get(key(job.poolInfo.poolId));
  const multiInstanceSettings = checkMultiInstanceSettings(body);
  const requiredSlots = optionalInt(body, "requiredSlots", 1, 256) ?? 1;
  if (pool && requiredSlots > pool.taskSlotsPerNode)
    throw invalidProperty("requiredSlots", requiredSlots, `the pool's nodes have ${pool.taskSlotsPerNode} task slots`);
  const t = now();
  return {
    ...(body as unknown as TaskBody),
    id,
    url: `${job.url}/tasks/${id}`,
    eTag: newETag(),
    lastModified: t,
    creationTime: t,
    state: "active",
    stateTransitionTime: t,
    requiredSlots,
    userIdentity: userIdentityOf(body),
    ...(multiInstanceSettings ? { multiInstanceSettings } : {}),
    constraints: {
      maxWallClockTime: maxWallClockTime ?? UNLIMITED,
      retentionTime: retentionTime ?? "P7D",
      maxTaskRetryCount: optionalInt(c, "maxTaskRetryCount", -1, 100) ?? job.constraints?.maxTaskRetryCount ?? 0,
    },
    executionInfo: { retryCount: 0, requeueCount: 0 },
  };
}

type CollectionResult =
  | { status: "success"; taskId: string; eTag: string; lastModified: string; location: string }
  | {
      status: "clienterror" | "servererror";
      taskId: string;
      error: { code: string; message: { lang: "en-US"; value: string }; values?: { key: string; value: string }[] };
    };

export function taskRoutes(s: Services): Route[] {
  const base = () => s.config.baseUrl();

  const insert = (job: Job, task: Task) => {
    const tasks = s.state.jobTasks(job.id);
    if (tasks.all.has(key(task.id))) throw exists("task");
    tasks.all.set(key(task.id), task);
    if (job.state === "active") s.scheduler.enqueue(job, task);
  };

  const taskOf = (req: { params: Record<string, string> }) => {
    const job = s.state.job(req.params.jobId!);
    return { job, task: s.state.task(job.id, req.params.taskId!) };
  };

  return [
    {
      method: "POST",
      pattern: "/jobs/{jobId}/tasks",
      handler: (req) => {
        const job = s.state.job(req.params.jobId!);
        acceptsTasks(job);
        const task = newTask(s, job, req.body);
        insert(job, task);
        return created(task.url, task);
      },
    },
    {
      method: "POST",
      pattern: "/jobs/{jobId}/addtaskcollection",
      maxBody: MAX_COLLECTION_BYTES,
      handler: (req) => {
        const job = s.state.job(req.params.jobId!);
        acceptsTasks(job);
        const value = asBody(req.body).value;
        if (!Array.isArray(value)) throw invalidProperty("value", value, "must be a list of tasks");
        if (value.length > MAX_TASKS_PER_COLLECTION) {
          throw batchError("TooManyTasksInCollection", { MaxTaskCount: String(MAX_TASKS_PER_COLLECTION) });
        }
        const results: CollectionResult[] = value.map((raw: unknown) => {
          const taskId = typeof (raw as Body | null)?.id === "string" ? ((raw as Body).id as string) : "";
          try {
            const task = newTask(s, job, raw);
            insert(job, task);
            return { status: "success", taskId, eTag: task.eTag, lastModified: task.lastModified, location: task.url };
          } catch (err) {
            if (!(err instanceof BatchError)) throw err;
            const error = {
              code: err.code,
              message: { lang: "en-US" as const, value: err.message },
              ...(err.values.length ? { values: err.values } : {}),
            };
            return { status: err.status >= 500 ? "servererror" : "clienterror", taskId, error };
          }
        });
        return { status: 200, body: { "odata.metadata": `${base()}/$metadata#taskaddresult`, value: results } };
      },
    },
    {
      method: "GET",
      pattern: "/jobs/{jobId}/tasks",
      handler: (req) =>
        listReply(base(), "tasks", s.state.jobTasks(s.state.job(req.params.jobId!).id).all.values(), req),
    },
    {
      method: "GET",
      pattern: "/jobs/{jobId}/tasks/{taskId}",
      handler: (req) => entityReply(base(), "tasks", taskOf(req).task, req),
    },
    {
      method: "PUT",
      pattern: "/jobs/{jobId}/tasks/{taskId}",
      handler: (req) => {
        const { task } = taskOf(req);
        checkConditions(req, task, false);
        if (task.state === "completed") throw batchError("TaskCompleted");
        const body = asBody(req.body);
        checkProperties(body, "task update");
        const c = (body.constraints as Body | undefined) ?? {};
        task.constraints = {
          maxWallClockTime: optionalDuration(c, "maxWallClockTime") ?? UNLIMITED,
          retentionTime: optionalDuration(c, "retentionTime") ?? "P7D",
          maxTaskRetryCount: optionalInt(c, "maxTaskRetryCount", -1, 100) ?? 0,
        };
        touch(task);
        return changed(200, task.url, task);
      },
    },
    {
      method: "DELETE",
      pattern: "/jobs/{jobId}/tasks/{taskId}",
      handler: async (req) => {
        const { job, task } = taskOf(req);
        checkConditions(req, task, false);
        await s.scheduler.stop(job, task, "delete");
        // Batch deletes a deleted task's files whatever its retention time.
        const failure = await s.scheduler.discardFiles(job, task);
        if (failure !== undefined) {
          s.scheduler.keepUndeleted(job, task, failure);
          throw batchError("TaskFilesNotRemoved", { Reason: failure });
        }
        s.state.jobTasks(job.id).all.delete(key(task.id));
        s.rules.checkAllComplete(job);
        return { status: 200, headers: { DataServiceId: task.url } };
      },
    },
    {
      method: "POST",
      pattern: "/jobs/{jobId}/tasks/{taskId}/terminate",
      handler: async (req) => {
        const { job, task } = taskOf(req);
        checkConditions(req, task, false);
        if (task.state !== "completed") await s.scheduler.stop(job, task, "terminate");
        return changed(204, task.url, task);
      },
    },
    {
      method: "POST",
      pattern: "/jobs/{jobId}/tasks/{taskId}/reactivate",
      handler: (req) => {
        const { job, task } = taskOf(req);
        checkConditions(req, task, false);
        acceptsTasks(job);
        if (task.state !== "completed") throw batchError("TaskNotCompleted");
        if (task.executionInfo.result === "success") throw batchError("TaskSucceeded");
        task.executionInfo = { retryCount: 0, requeueCount: 0 };
        delete task.nodeInfo;
        setTaskState(task, "active");
        if (job.state === "active") s.scheduler.enqueue(job, task);
        return changed(204, task.url, task);
      },
    },
    {
      method: "GET",
      pattern: "/jobs/{jobId}/tasks/{taskId}/subtasksinfo",
      handler: (req) => {
        const { task } = taskOf(req);
        return {
          status: 200,
          body: { "odata.metadata": `${base()}/$metadata#subtaskinformations`, value: s.state.subtasks.of(task) },
        };
      },
    },
    {
      method: "POST",
      pattern: "/jobs/{jobId}/tasks/{taskId}/subtasks",
      handler: () => {
        throw notSupportedLocally("subtasks");
      },
    },
  ];
}
