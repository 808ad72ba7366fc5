/**
 * What happens to a job as its tasks finish or as a client acts on it: onAllTasksComplete,
 * onTaskFailure with the tasks' exit conditions, terminate, disable/enable, delete, and the
 * job's own wall-clock limit.
 */
import { inBackground, type Log } from "./background";
import { durationMs } from "./durations";
import { endsJob } from "./job-manager";
import { setLongTimeout, type LongTimer } from "./long-timer";
import type { Job, JobState, Task } from "./model";
import type { Scheduler } from "./scheduler";
import { BatchState, key, now, transition } from "./state";

export type DisableTasks = "requeue" | "terminate" | "wait";

export const setJobState = (job: Job, state: JobState): void => transition(job, state);

/** Job actions a failed task asks for, as Batch resolves exit conditions. */
function jobActionFor(task: Task): "none" | "disable" | "terminate" {
  const exit = task.executionInfo.exitCode;
  const conditions = task.exitConditions;
  const byCode =
    exit === undefined ? undefined : conditions?.exitCodes?.find((c) => c.code === exit)?.exitOptions.jobAction;
  return byCode ?? conditions?.default?.jobAction ?? "terminate";
}

export class JobRules {
  private readonly wallClockTimers = new Map<string, LongTimer>();
  /** Jobs whose deletion runs now: a second DELETE meanwhile does not start another. */
  private readonly deleting = new Set<Job>();

  constructor(
    private readonly state: BatchState,
    private readonly scheduler: Scheduler,
    private readonly log: Log,
  ) {}

  /** Terminates the job without waiting (a timer or a task's end asks for it, not a client). */
  private terminateLater(job: Job, reason: string): void {
    inBackground(this.terminate(job, reason), `job ${job.id}: terminate (${reason})`, this.log);
  }

  jobAdded(job: Job): void {
    this.armWallClock(job);
    this.checkAllComplete(job);
  }

  /**
   * (Re)starts the job's wall-clock limit, measured from its creation as Batch measures it; a
   * patch or update of the job's constraints calls this again so the new limit applies.
   */
  armWallClock(job: Job): void {
    this.clearTimer(job);
    const limit = durationMs(job.constraints?.maxWallClockTime ?? "") ?? Infinity;
    if (!Number.isFinite(limit)) return;
    const left = Math.max(0, limit - (Date.now() - Date.parse(job.creationTime)));
    const timer = setLongTimeout(() => this.terminateLater(job, "MaxWallClockTimeExpiry"), left);
    this.wallClockTimers.set(key(job.id), timer);
  }

  taskCompleted(job: Job, task: Task): void {
    if (task.executionInfo.result === "failure" && job.onTaskFailure === "performexitoptionsjobaction") {
      const action = jobActionFor(task);
      if (action === "terminate") return this.terminateLater(job, "TaskFailed");
      if (action === "disable")
        return inBackground(this.disable(job, "wait"), `job ${job.id}: disable (TaskFailed)`, this.log);
    }
    if (endsJob(job, task)) return this.terminateLater(job, "JMComplete");
    this.checkAllComplete(job);
  }

  /** With onAllTasksComplete=terminatejob, a job whose tasks are all completed ends (an empty job too, as on Batch). */
  checkAllComplete(job: Job): void {
    if (job.onAllTasksComplete !== "terminatejob" || job.state !== "active") return;
    for (const t of this.state.jobTasks(job.id).all.values()) if (t.state !== "completed") return;
    this.terminateLater(job, "AllTasksComplete");
  }

  async terminate(job: Job, reason: string): Promise<void> {
    if (job.state === "completed" || job.state === "terminating" || job.state === "deleting") return;
    setJobState(job, "terminating");
    this.clearTimer(job);
    this.state.jobTasks(job.id).queue.clear();
    const stops = this.scheduler.runningTasks(job).map((t) => this.scheduler.stop(job, t, "terminate"));
    await Promise.all([...stops, this.scheduler.prepRelease.endPreparations(job)]);
    // The job stays terminating until its release tasks have run on the nodes it prepared.
    await this.scheduler.prepRelease.release(job);
    job.executionInfo.endTime = now();
    job.executionInfo.terminateReason = reason;
    setJobState(job, "completed");
  }

  async disable(job: Job, disableTasks: DisableTasks): Promise<void> {
    setJobState(job, "disabling");
    if (disableTasks !== "wait") {
      await Promise.all(this.scheduler.runningTasks(job).map((t) => this.scheduler.stop(job, t, disableTasks)));
    }
    // With "wait", the job stays disabling until its running tasks finish, as on Batch: a client
    // that waits for "disabled" must be able to rely on nothing of the job running any more.
    while (job.state === "disabling" && this.scheduler.runningTasks(job).length > 0)
      await new Promise((r) => setTimeout(r, 50));
    if (job.state === "disabling") setJobState(job, "disabled");
  }

  enable(job: Job): void {
    setJobState(job, "enabling");
    setJobState(job, "active");
    const jt = this.state.jobTasks(job.id);
    for (const t of jt.all.values()) if (t.state === "active") jt.queue.add(key(t.id));
    this.scheduler.kick();
    this.checkAllComplete(job);
  }

  /**
   * Stops the job's tasks, waits for them, removes the job's files and forgets the job. A job
   * whose files could not be removed stays deleting with the reason in executionInfo.schedulingError;
   * a DELETE again tries again.
   */
  async delete(job: Job): Promise<void> {
    if (this.deleting.has(job)) return;
    this.deleting.add(job);
    try {
      setJobState(job, "deleting");
      this.clearTimer(job);
      this.state.jobTasks(job.id).queue.clear();
      const stops = this.scheduler.runningTasks(job).map((t) => this.scheduler.stop(job, t, "delete"));
      await Promise.all([...stops, this.scheduler.prepRelease.endPreparations(job)]);
      if (job.previousState !== "completed") await this.scheduler.prepRelease.release(job);
      // Batch deletes the files of a deleted job's tasks whatever their retention time.
      const failure = await this.scheduler.discardJobFiles(job);
      if (failure !== undefined) {
        job.executionInfo.schedulingError = { category: "servererror", code: "JobFilesNotRemoved", message: failure };
        return;
      }
      if (this.state.jobs.get(key(job.id)) === job) {
        this.state.jobs.delete(key(job.id));
        this.state.tasks.delete(key(job.id));
        this.scheduler.prepRelease.forget(job);
      }
    } finally {
      this.deleting.delete(job);
    }
  }

  private clearTimer(job: Job): void {
    this.wallClockTimers.get(key(job.id))?.clear();
    this.wallClockTimers.delete(key(job.id));
  }
}
