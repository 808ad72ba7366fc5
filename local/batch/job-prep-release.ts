/**
 * A job's preparation and release tasks, run per node as Batch runs them: the preparation task
 * before the job's first task on a node (that task stays preparing meanwhile and, with
 * waitForSuccess, runs only once it succeeded; a node where it failed runs none of the job's
 * tasks), and the release task on every node that prepared for the job once the job ends. Both
 * are reported by GET /jobs/{id}/jobpreparationandreleasetaskstatus.
 */
import { TaskFileError, userError, type TaskFailureInfo } from "../task-files/types";
import type { Log } from "./background";
import type { ServiceConfig, TaskFileOps } from "./context";
import { durationMs } from "./durations";
import { batchError, invalidProperty, missingProperty } from "./errors";
import type { Fleet } from "./fleet";
import type { ComputeNode, Job, JobPreparationTask, NameValue, Pool } from "./model";
import { taskDirs, type TaskDirs } from "./node-layout";
import { runProcess, type ProcessOutcome, type RunningProcess } from "./process-runner";
import type { ProcessSlots } from "./process-slots";
import { key, now } from "./state";
import { jobProcessEnvironment, processFailure } from "./task-process";
import { makeDirectory } from "../task-files/make-directory";
import type { Body } from "./validate";

export const DEFAULT_PREPARATION_ID = "jobpreparation";
export const DEFAULT_RELEASE_ID = "jobrelease";
/** Batch's default and ceiling for a release task's maxWallClockTime. */
const RELEASE_WALL_CLOCK_MS = 15 * 60 * 1000;

/** One run of a preparation or release task on one node, named as Batch names its fields. */
export interface SpecialTaskExecutionInfo {
  state: "running" | "completed";
  startTime: string;
  endTime?: string;
  taskRootDirectory: string;
  taskRootDirectoryUrl: string;
  exitCode?: number;
  result?: "success" | "failure";
  failureInfo?: TaskFailureInfo;
  retryCount?: number;
  lastRetryTime?: string;
}

export interface PrepReleaseStatus {
  poolId: string;
  nodeId: string;
  nodeUrl: string;
  jobPreparationTaskExecutionInfo?: SpecialTaskExecutionInfo;
  jobReleaseTaskExecutionInfo?: SpecialTaskExecutionInfo;
}

interface NodeRecord {
  status: PrepReleaseStatus;
  pool: Pool;
  node: ComputeNode;
  /** Settles true once the preparation task succeeded on the node, false once it failed for good. */
  preparation?: Promise<boolean>;
}

const preparationIdOf = (job: Job): string => job.jobPreparationTask?.id ?? DEFAULT_PREPARATION_ID;
const releaseIdOf = (job: Job): string => job.jobReleaseTask?.id ?? DEFAULT_RELEASE_ID;

/** Refuses preparation and release tasks Batch would refuse at job add, and fills in their ids. */
export function checkPrepRelease(body: Body): void {
  const prep = body.jobPreparationTask as Body | undefined;
  const release = body.jobReleaseTask as Body | undefined;
  for (const [name, task] of [
    ["jobPreparationTask", prep],
    ["jobReleaseTask", release],
  ] as const) {
    if (task === undefined) continue;
    if (task === null || typeof task !== "object") throw invalidProperty(name, task, "must be an object");
    if (typeof task.commandLine !== "string" || task.commandLine === "") throw missingProperty(`${name}.commandLine`);
  }
  if (release && !prep)
    throw invalidProperty("jobReleaseTask", release, "a job release task needs a job preparation task");
  if (prep) prep.id ??= DEFAULT_PREPARATION_ID;
  if (release) release.id ??= DEFAULT_RELEASE_ID;
  if (prep && release && key(String(prep.id)) === key(String(release.id)))
    throw invalidProperty("jobReleaseTask.id", release.id, "must differ from the job preparation task's id");
}

/** A task may not take the id of the job's preparation or release task (Batch's 409s). */
export function checkTaskIdFree(job: Job, taskId: string): void {
  if (job.jobPreparationTask && key(taskId) === key(preparationIdOf(job))) {
    throw batchError("TaskIdSameAsJobPreparationTask");
  }
  if (job.jobReleaseTask && key(taskId) === key(releaseIdOf(job))) throw batchError("TaskIdSameAsJobReleaseTask");
}

interface RunSpec {
  commandLine: string;
  resourceFiles: JobPreparationTask["resourceFiles"];
  settings: NameValue[];
  timeoutMs: number;
  maxRetries: number;
}

export class JobPrepRelease {
  /** job key → node id → what ran there. */
  private readonly records = new Map<string, Map<string, NodeRecord>>();
  /** Processes running now, per job key, so a job's end or the service's stop can end them. */
  private readonly running = new Map<string, Set<RunningProcess>>();
  private closed = false;
  /** Jobs whose end has come: a preparation task of theirs that has not started yet does not start. */
  private readonly ended = new Set<string>();

  constructor(
    private readonly config: ServiceConfig,
    private readonly files: TaskFileOps,
    private readonly fleet: Fleet,
    private readonly slots: ProcessSlots,
    private readonly log: Log,
  ) {}

  private recordsOf(job: Job): Map<string, NodeRecord> {
    let map = this.records.get(key(job.id));
    if (!map) this.records.set(key(job.id), (map = new Map()));
    return map;
  }

  /** The status list, or Batch's 409 for a job with neither task. */
  statusList(job: Job): PrepReleaseStatus[] {
    if (!job.jobPreparationTask && !job.jobReleaseTask) {
      throw batchError("JobPreparationTaskOrReleaseTaskNotSpecified");
    }
    return [...this.recordsOf(job).values()].map((r) => r.status);
  }

  /** Whether the job's preparation task failed for good on this node, so none of its tasks go there. */
  refusesNode(job: Job, node: ComputeNode): boolean {
    if (job.jobPreparationTask?.waitForSuccess === false) return false;
    const info = this.recordsOf(job).get(node.id)?.status.jobPreparationTaskExecutionInfo;
    return info?.state === "completed" && info.result === "failure";
  }

  /** The variables Batch gives the job's tasks on a node where its preparation task ran. */
  environment(job: Job, pool: Pool, node: ComputeNode): NameValue[] {
    if (!job.jobPreparationTask) return [];
    const dirs = this.dirsOf(job, pool, node, preparationIdOf(job));
    return [
      { name: "AZ_BATCH_JOB_PREP_DIR", value: dirs.taskDir },
      { name: "AZ_BATCH_JOB_PREP_WORKING_DIR", value: dirs.workingDir },
    ];
  }

  /**
   * Runs the preparation task on the node the first time one of the job's tasks lands there.
   * Resolves whether the task may run now: with waitForSuccess (the default) only after the
   * preparation task succeeded; without, at once.
   */
  async prepare(job: Job, pool: Pool, node: ComputeNode): Promise<boolean> {
    const prep = job.jobPreparationTask;
    if (!prep) return true;
    const record = this.record(job, pool, node);
    record.preparation ??= this.runPreparation(job, pool, node, prep, record);
    if (prep.waitForSuccess === false) return true;
    return record.preparation;
  }

  private record(job: Job, pool: Pool, node: ComputeNode): NodeRecord {
    const map = this.recordsOf(job);
    let record = map.get(node.id);
    if (!record)
      map.set(node.id, (record = { pool, node, status: { poolId: pool.id, nodeId: node.id, nodeUrl: node.url } }));
    return record;
  }

  private async runPreparation(
    job: Job,
    pool: Pool,
    node: ComputeNode,
    prep: JobPreparationTask,
    record: NodeRecord,
  ): Promise<boolean> {
    const info = this.newInfo(job, node, preparationIdOf(job));
    info.retryCount = 0;
    record.status.jobPreparationTaskExecutionInfo = info;
    const spec: RunSpec = {
      commandLine: prep.commandLine,
      resourceFiles: prep.resourceFiles,
      settings: [...(job.commonEnvironmentSettings ?? []), ...(prep.environmentSettings ?? [])],
      timeoutMs: durationMs(prep.constraints?.maxWallClockTime ?? "") ?? Infinity,
      maxRetries: prep.constraints?.maxTaskRetryCount ?? 0,
    };
    return this.run(job, pool, node, preparationIdOf(job), spec, info);
  }

  /**
   * Once the job has ended: runs its release task on every node that prepared for it (after any
   * preparation still running there), and resolves when all have finished.
   */
  async release(job: Job): Promise<void> {
    const rel = job.jobReleaseTask;
    const records = [...this.recordsOf(job).values()];
    await Promise.all(records.flatMap((r) => (r.preparation ? [r.preparation] : [])));
    if (!rel) return;
    await Promise.all(
      records.map(async (r) => {
        // A node that left the pool meanwhile has nothing left to release.
        if (this.closed || r.node.state === "leavingpool" || !(await this.slots.acquire())) return;
        try {
          const info = this.newInfo(job, r.node, releaseIdOf(job));
          r.status.jobReleaseTaskExecutionInfo = info;
          const spec: RunSpec = {
            commandLine: rel.commandLine,
            resourceFiles: rel.resourceFiles,
            settings: [
              ...(job.commonEnvironmentSettings ?? []),
              ...(rel.environmentSettings ?? []),
              ...this.environment(job, r.pool, r.node),
            ],
            timeoutMs: Math.min(durationMs(rel.maxWallClockTime ?? "") ?? RELEASE_WALL_CLOCK_MS, RELEASE_WALL_CLOCK_MS),
            maxRetries: 0,
          };
          await this.run(job, r.pool, r.node, releaseIdOf(job), spec, info);
        } finally {
          this.slots.release();
        }
      }),
    );
  }

  private async track(job: Job, proc: RunningProcess): Promise<ProcessOutcome> {
    let set = this.running.get(key(job.id));
    if (!set) this.running.set(key(job.id), (set = new Set()));
    set.add(proc);
    try {
      return await proc.done;
    } finally {
      set.delete(proc);
    }
  }

  /**
   * Ends the job's preparation tasks still running (its tasks waiting on them then stop as the
   * job's end says) and resolves once they have.
   */
  async endPreparations(job: Job): Promise<void> {
    this.ended.add(key(job.id));
    const procs = [...(this.running.get(key(job.id)) ?? [])];
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.done));
  }

  /** The service is stopping: no process starts from now on, and those running are ended. */
  async close(): Promise<void> {
    this.closed = true;
    const procs = [...this.running.values()].flatMap((set) => [...set]);
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.done));
  }

  /**
   * A rebooted node runs a job's preparation task again before that job's next task there, unless
   * it succeeded and rerunOnNodeRebootAfterSuccess is false; a reimaged node always does (Batch's
   * JobPreparationTask). Only settled runs are forgotten: one still under way ends with the node.
   */
  nodeRestarted(jobs: Iterable<Job>, node: ComputeNode, reimaged: boolean): void {
    for (const job of jobs) {
      const map = this.records.get(key(job.id));
      const info = map?.get(node.id)?.status.jobPreparationTaskExecutionInfo;
      if (info?.state !== "completed") continue;
      if (!reimaged && info.result === "success" && job.jobPreparationTask?.rerunOnNodeRebootAfterSuccess === false)
        continue;
      map!.delete(node.id);
    }
  }

  /** Forgets a deleted job's records. */
  forget(job: Job): void {
    this.records.delete(key(job.id));
    this.ended.delete(key(job.id));
  }

  private dirsOf(job: Job, pool: Pool, node: ComputeNode, taskId: string): TaskDirs {
    return taskDirs(this.fleet.dirs(pool, node), job.id, taskId);
  }

  private newInfo(job: Job, node: ComputeNode, taskId: string): SpecialTaskExecutionInfo {
    const root = `workitems/${job.id}/job-1/${taskId}`;
    return {
      state: "running",
      startTime: now(),
      taskRootDirectory: root,
      taskRootDirectoryUrl: `${node.url}/files/${root}`,
    };
  }

  /** Runs one special task to success or until its retries are spent; resolves whether it succeeded. */
  private async run(
    job: Job,
    pool: Pool,
    node: ComputeNode,
    taskId: string,
    spec: RunSpec,
    info: SpecialTaskExecutionInfo,
  ): Promise<boolean> {
    const dirs = this.dirsOf(job, pool, node, taskId);
    for (;;) {
      let failureInfo: TaskFailureInfo | undefined;
      let exitCode: number | undefined;
      try {
        await makeDirectory(dirs.workingDir);
        await this.files.downloadResourceFiles(spec.resourceFiles ?? [], dirs.workingDir, this.config.storage);
        const packages = [...(this.fleet.packages.get(node.id) ?? [])];
        const env = jobProcessEnvironment(this.config, this.fleet, {
          pool,
          node,
          jobId: job.id,
          taskId,
          dirs,
          packages,
          settings: spec.settings,
        });
        if (this.closed || (this.ended.has(key(job.id)) && taskId === preparationIdOf(job)))
          throw userError("TaskEnded", "Task Was Ended by User Request", {});
        const outcome = await this.track(
          job,
          runProcess({
            commandLine: spec.commandLine,
            taskDir: dirs.taskDir,
            workingDir: dirs.workingDir,
            env,
            timeoutMs: spec.timeoutMs,
          }),
        );
        exitCode = outcome.exitCode;
        failureInfo = processFailure(outcome);
      } catch (err) {
        if (!(err instanceof TaskFileError)) {
          this.log(`job ${job.id}: ${taskId} on node ${node.id}: ${(err as Error).message}`);
          failureInfo = { category: "servererror", code: "InternalError", message: (err as Error).message };
        } else failureInfo = err.failureInfo;
      }
      const retriesLeft = !this.closed && (spec.maxRetries === -1 || (info.retryCount ?? 0) < spec.maxRetries);
      if (failureInfo?.code === "FailureExitCode" && retriesLeft) {
        info.retryCount = (info.retryCount ?? 0) + 1;
        info.lastRetryTime = now();
        continue;
      }
      Object.assign(info, { state: "completed", endTime: now(), result: failureInfo ? "failure" : "success" });
      if (exitCode !== undefined) info.exitCode = exitCode;
      if (failureInfo) info.failureInfo = failureInfo;
      return failureInfo === undefined;
    }
  }
}
