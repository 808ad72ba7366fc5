/** Jobs: add, get, list, patch, update, delete, terminate, disable/enable, task counts. */
import { inBackground } from "../background";
import { UNLIMITED } from "../durations";
import { batchError, exists, invalidProperty, missingProperty, notSupportedLocally } from "../errors";
import { setJobState, type DisableTasks } from "../job-rules";
import type { Route } from "../http";
import type { Job, JobBody, OnAllTasksComplete, Task, TaskCounts } from "../model";
import { changed, checkConditions, created, entityReply, listReply } from "../replies";
import { key, newETag, now, touch } from "../state";
import { checkProperties } from "../request-properties";
import { asBody, optionalEnum, optionalInt, requireId, type Body } from "../validate";
import { optionalDuration } from "../validate";
import type { Services } from "./services";
import { newTask } from "./tasks";
import { checkPrepRelease } from "../job-prep-release";
import { managerTaskBody } from "../job-manager";

const ON_ALL = ["noaction", "terminatejob"] as const;
const ON_FAILURE = ["noaction", "performexitoptionsjobaction"] as const;

function poolInfoOf(body: Body): Job["poolInfo"] {
  const info = body.poolInfo as Body | undefined;
  if (info === undefined || info === null) throw missingProperty("poolInfo");
  if (info.autoPoolSpecification !== undefined)
    throw notSupportedLocally("auto pools (poolInfo.autoPoolSpecification)");
  if (typeof info.poolId !== "string" || info.poolId === "")
    throw invalidProperty("poolInfo.poolId", info.poolId, "must name a pool");
  return { poolId: info.poolId };
}

/** The job's constraints with Azure's defaults for what the body leaves out. */
function constraintsOf(body: Body): NonNullable<Job["constraints"]> {
  const c = (body.constraints as Body | undefined) ?? {};
  return {
    maxWallClockTime: optionalDuration(c, "maxWallClockTime") ?? UNLIMITED,
    maxTaskRetryCount: optionalInt(c, "maxTaskRetryCount", -1, 100) ?? 0,
  };
}

/** Once terminatejob, always terminatejob: Batch refuses to go back to noaction. */
function setOnAllTasksComplete(job: Job, value: OnAllTasksComplete): void {
  if (job.onAllTasksComplete === "terminatejob" && value === "noaction") {
    throw invalidProperty("onAllTasksComplete", value, "cannot change from terminatejob to noaction");
  }
  job.onAllTasksComplete = value;
}

function editable(job: Job): void {
  if (job.state === "completed") throw batchError("JobCompleted");
  if (job.state === "deleting") throw batchError("JobBeingDeleted");
  if (job.state === "terminating") throw batchError("JobBeingTerminated");
}

export function taskCounts(s: Services, job: Job): { taskCounts: TaskCounts; taskSlotCounts: TaskCounts } {
  const counts: TaskCounts = { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 };
  const slots: TaskCounts = { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 };
  for (const t of s.state.jobTasks(job.id).all.values()) {
    const bucket = t.state === "preparing" ? "running" : t.state;
    counts[bucket] += 1;
    slots[bucket] += t.requiredSlots;
    if (t.state === "completed") {
      const result = t.executionInfo.result === "success" ? "succeeded" : "failed";
      counts[result] += 1;
      slots[result] += t.requiredSlots;
    }
  }
  return { taskCounts: counts, taskSlotCounts: slots };
}

/**
 * A job from an add-job body (or a job schedule's jobSpecification), checked, not yet added;
 * the caller has checked the body's properties against its operation's.
 */
export function newJob(s: Services, id: string, body: Body): Job {
  const poolInfo = poolInfoOf(body);
  checkPrepRelease(body);
  const t = now();
  return {
    ...(body as unknown as JobBody),
    id,
    url: `${s.config.baseUrl()}/jobs/${id}`,
    eTag: newETag(),
    lastModified: t,
    creationTime: t,
    state: "active",
    stateTransitionTime: t,
    priority: optionalInt(body, "priority", -1000, 1000) ?? 0,
    maxParallelTasks: optionalInt(body, "maxParallelTasks", -1, 10000) ?? -1,
    constraints: constraintsOf(body),
    poolInfo,
    onAllTasksComplete: optionalEnum(body, "onAllTasksComplete", ON_ALL) ?? "noaction",
    onTaskFailure: optionalEnum(body, "onTaskFailure", ON_FAILURE) ?? "noaction",
    usesTaskDependencies: body.usesTaskDependencies === true,
    allowTaskPreemption: body.allowTaskPreemption === true,
    executionInfo: { startTime: t, poolId: poolInfo.poolId },
  };
}

/** Adds the job, with its job manager task (already checked) queued first. */
export function addJob(s: Services, job: Job, manager?: Task): void {
  s.state.jobs.set(key(job.id), job);
  const tasks = s.state.jobTasks(job.id);
  if (manager) {
    tasks.all.set(key(manager.id), manager);
    s.scheduler.enqueue(job, manager);
  }
  s.rules.jobAdded(job);
}

export function jobRoutes(s: Services): Route[] {
  const base = () => s.config.baseUrl();
  const jobOf = (req: { params: Record<string, string> }) => s.state.job(req.params.jobId!);

  const apply = (job: Job, body: Body, replace: boolean) => {
    if (replace || "priority" in body) job.priority = optionalInt(body, "priority", -1000, 1000) ?? 0;
    if (replace || "maxParallelTasks" in body)
      job.maxParallelTasks = optionalInt(body, "maxParallelTasks", -1, 10000) ?? -1;
    if (replace || "constraints" in body) {
      job.constraints = constraintsOf(body);
      s.rules.armWallClock(job);
    }
    if (replace || "allowTaskPreemption" in body) job.allowTaskPreemption = body.allowTaskPreemption === true;
    if (replace || "metadata" in body) job.metadata = (body.metadata as Job["metadata"]) ?? [];
    if ("poolInfo" in body) {
      if (job.state !== "disabled" && job.poolInfo.poolId !== poolInfoOf(body).poolId) {
        throw batchError("OperationInvalidForCurrentState", {
          Reason: "The pool of a job can only change while the job is disabled.",
        });
      }
      job.poolInfo = poolInfoOf(body);
    }
    if (replace || "onAllTasksComplete" in body)
      setOnAllTasksComplete(job, optionalEnum(body, "onAllTasksComplete", ON_ALL) ?? "noaction");
    touch(job);
    s.rules.checkAllComplete(job);
    s.scheduler.kick();
  };

  return [
    {
      method: "POST",
      pattern: "/jobs",
      handler: (req) => {
        const body = asBody(req.body);
        const id = requireId(body);
        checkProperties(body, "job add");
        const job = newJob(s, id, body);
        if (s.state.jobs.has(key(id))) throw exists("job");
        const pool = s.state.pools.get(key(job.poolInfo.poolId ?? ""));
        const manager =
          body.jobManagerTask === undefined ? undefined : newTask(s, job, managerTaskBody(body.jobManagerTask, pool));
        addJob(s, job, manager);
        return created(job.url, job);
      },
    },
    { method: "GET", pattern: "/jobs", handler: (req) => listReply(base(), "jobs", s.state.jobs.values(), req) },
    { method: "GET", pattern: "/jobs/{jobId}", handler: (req) => entityReply(base(), "jobs", jobOf(req), req) },
    {
      method: "PATCH",
      pattern: "/jobs/{jobId}",
      handler: (req) => {
        const job = jobOf(req);
        checkConditions(req, job, false);
        editable(job);
        const body = asBody(req.body);
        checkProperties(body, "job patch");
        apply(job, body, false);
        return changed(200, job.url, job);
      },
    },
    {
      method: "PUT",
      pattern: "/jobs/{jobId}",
      handler: (req) => {
        const job = jobOf(req);
        checkConditions(req, job, false);
        editable(job);
        const body = asBody(req.body);
        checkProperties(body, "job update");
        poolInfoOf(body);
        apply(job, body, true);
        return changed(200, job.url, job);
      },
    },
    {
      method: "DELETE",
      pattern: "/jobs/{jobId}",
      handler: (req) => {
        const job = jobOf(req);
        checkConditions(req, job, false);
        inBackground(s.rules.delete(job), `job ${job.id}: delete`, s.config.log);
        return changed(202, job.url);
      },
    },
    {
      method: "POST",
      pattern: "/jobs/{jobId}/terminate",
      handler: (req) => {
        const job = jobOf(req);
        checkConditions(req, job, false);
        editable(job);
        if (req.body !== undefined) checkProperties(asBody(req.body), "job terminate");
        const reason =
          req.body && typeof (req.body as Body).terminateReason === "string"
            ? ((req.body as Body).terminateReason as string)
            : "UserTerminate";
        inBackground(s.rules.terminate(job, reason), `job ${job.id}: terminate`, s.config.log);
        return changed(202, job.url, job);
      },
    },
    {
      method: "POST",
      pattern: "/jobs/{jobId}/disable",
      handler: (req) => {
        const job = jobOf(req);
        checkConditions(req, job, false);
        editable(job);
        if (job.state !== "active") throw batchError("JobNotActive");
        checkProperties(asBody(req.body), "job disable");
        const option = optionalEnum(asBody(req.body), "disableTasks", ["requeue", "terminate", "wait"] as const);
        if (!option) throw invalidProperty("disableTasks", undefined, "must be requeue, terminate or wait");
        inBackground(s.rules.disable(job, option as DisableTasks), `job ${job.id}: disable`, s.config.log);
        return changed(202, job.url, job);
      },
    },
    {
      method: "POST",
      pattern: "/jobs/{jobId}/enable",
      handler: (req) => {
        const job = jobOf(req);
        checkConditions(req, job, false);
        editable(job);
        if (job.state !== "disabled" && job.state !== "disabling") throw batchError("JobNotDisabled");
        if (job.state === "disabling") setJobState(job, "disabled");
        s.rules.enable(job);
        return changed(202, job.url, job);
      },
    },
    {
      method: "GET",
      pattern: "/jobs/{jobId}/taskcounts",
      handler: (req) => ({
        status: 200,
        body: { "odata.metadata": `${base()}/$metadata#taskcountsresult/@Element`, ...taskCounts(s, jobOf(req)) },
      }),
    },
    {
      method: "GET",
      pattern: "/jobs/{jobId}/stats",
      handler: () => {
        throw notSupportedLocally("job statistics");
      },
    },
  ];
}
