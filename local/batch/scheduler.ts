/**
 * Places active tasks on free node slots (spread or pack, job priority first, maxParallelTasks
 * honoured) and runs each through Batch's task states: preparing (resource files, application
 * packages) → running (the process) → completed (output files, exit code, failure info), with
 * retries and requeues counted in executionInfo.
 */
import { swappedForLink } from "../task-files/local-paths";
import { makeDirectory } from "../task-files/make-directory";
import { TaskFileError, userError, type TaskFailureInfo } from "../task-files/types";
import { describeError, inBackground } from "./background";
import type { ServiceConfig, TaskFileOps } from "./context";
import { durationMs } from "./durations";
import type { Fleet, InstalledPackage } from "./fleet";
import type { JobPrepRelease } from "./job-prep-release";
import type { JobRules } from "./job-rules";
import { setLongTimeout, type LongTimer } from "./long-timer";
import type { ComputeNode, Job, Pool, Task, TaskState } from "./model";
import { InstanceGroup, placeInstances } from "./multi-instance";
import { nodeDiskFault } from "./node-health";
import { bootedState, isBooted } from "./node-states";
import { jobDir, nodeDirs, taskDirs, type TaskDirs } from "./node-layout";
import { runProcess, type ProcessOutcome, type RunningProcess } from "./process-runner";
import type { ProcessSlots } from "./process-slots";
import { removeFiles } from "./remove-files";
import { mayStartNow } from "./task-eligibility";
import { jobProcessEnvironment, processFailure } from "./task-process";
import { BatchState, key, now, transition } from "./state";

/**
 * Why a running task is being stopped, which decides the state it ends in. `recover`: its node
 * went bad under it, so it goes back to the queue counted neither as a retry nor as a requeue
 * (see leftBadNode).
 */
export type StopIntent = "terminate" | "requeue" | "delete" | "recover";

interface Execution {
  node: ComputeNode;
  pool: Pool;
  intent?: StopIntent;
  process?: RunningProcess;
  /** Settles once the task is off the node: its process ended, its slot given back. */
  done?: Promise<void>;
  /** A multi-instance task's instances; `node` is its primary's. */
  group?: InstanceGroup;
}

const ENDED_BY_USER: TaskFailureInfo = {
  category: "usererror",
  code: "TaskEnded",
  message: "Task Was Ended by User Request",
};

export const setTaskState = (task: Task, state: TaskState): void => transition(task, state);

export class Scheduler {
  private readonly executions = new Map<string, Execution>();
  private readonly runningPerJob = new Map<string, number>();
  private pending = false;
  private closed = false;
  /** Timers that remove completed tasks' directories when their retentionTime is over. */
  private readonly retention = new Map<string, LongTimer>();
  rules!: JobRules;
  prepRelease!: JobPrepRelease;

  constructor(
    private readonly state: BatchState,
    private readonly config: ServiceConfig,
    private readonly files: TaskFileOps,
    private readonly fleet: Fleet,
    private readonly slots: ProcessSlots,
  ) {}

  /** Asks for a scheduling pass; many asks in one tick give one pass. */
  kick(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.schedule();
    });
  }

  /**
   * No task starts from now on (the service is stopping). Without this, each task killed on the
   * way down freed a slot that the next queued task took, and that process outlived the service.
   */
  close(): void {
    this.closed = true;
    for (const timer of this.retention.values()) timer.clear();
    this.retention.clear();
  }

  enqueue(job: Job, task: Task): void {
    this.state.jobTasks(job.id).queue.add(key(task.id));
    this.kick();
  }

  private schedule(): void {
    if (this.closed) return;
    const jobs = [...this.state.jobs.values()]
      .filter((j) => j.state === "active")
      .sort((a, b) => b.priority - a.priority);
    for (const job of jobs) {
      const pool = job.poolInfo.poolId === undefined ? undefined : this.state.pools.get(key(job.poolInfo.poolId));
      if (!pool || pool.state !== "active") continue;
      const queue = this.state.jobTasks(job.id).queue;
      for (const taskKey of queue) {
        const running = this.runningPerJob.get(key(job.id)) ?? 0;
        if (job.maxParallelTasks !== -1 && running >= job.maxParallelTasks) break;
        const task = this.state.jobTasks(job.id).all.get(taskKey);
        if (!task || task.state !== "active") {
          queue.delete(taskKey);
          continue;
        }
        // A task waiting on others keeps its place in the queue; those behind it may start.
        if (!mayStartNow(this.state, job, task)) continue;
        const allowed = (n: ComputeNode) => !this.prepRelease.refusesNode(job, n);
        if (task.multiInstanceSettings) {
          // One that cannot start yet does not hold back the tasks behind it.
          const nodes = placeInstances(
            pool,
            task,
            (n) => this.fits(pool, n, 1) && allowed(n),
            this.state.poolNodes(pool.id).values(),
          );
          if (!nodes) continue;
          if (!this.acquireSlots(nodes.length)) return;
          queue.delete(taskKey);
          this.start(job, pool, nodes[0]!, task, nodes.slice(1));
          continue;
        }
        const node = this.pickNode(pool, task.requiredSlots, allowed);
        if (!node) break;
        if (!this.slots.tryAcquire()) return;
        queue.delete(taskKey);
        this.start(job, pool, node, task);
      }
    }
  }

  /** A process slot per instance of a multi-instance task, or none. */
  private acquireSlots(count: number): boolean {
    for (let i = 0; i < count; i++) {
      if (this.slots.tryAcquire()) continue;
      for (let j = 0; j < i; j++) this.slots.release();
      return false;
    }
    return true;
  }

  private fits(pool: Pool, node: ComputeNode, slots: number): boolean {
    return (
      (node.state === "idle" || node.state === "running") &&
      node.schedulingState === "enabled" &&
      node.runningTaskSlotsCount + slots <= pool.taskSlotsPerNode
    );
  }

  private pickNode(pool: Pool, slots: number, allowed: (node: ComputeNode) => boolean): ComputeNode | undefined {
    let best: ComputeNode | undefined;
    for (const node of this.state.poolNodes(pool.id).values()) {
      if (!this.fits(pool, node, slots) || !allowed(node)) continue;
      const better =
        !best ||
        (pool.taskSchedulingPolicy.nodeFillType === "spread"
          ? node.runningTaskSlotsCount < best.runningTaskSlotsCount
          : node.runningTaskSlotsCount > best.runningTaskSlotsCount);
      if (better) best = node;
    }
    return best;
  }

  private occupy(job: Job, node: ComputeNode, task: Task, delta: 1 | -1): void {
    node.runningTasksCount += delta;
    node.runningTaskSlotsCount += delta * task.requiredSlots;
    this.runningPerJob.set(key(job.id), (this.runningPerJob.get(key(job.id)) ?? 0) + delta);
    if (isBooted(node.state)) this.fleet.setState(node, bootedState(node));
  }

  private start(job: Job, pool: Pool, node: ComputeNode, task: Task, subtaskNodes: ComputeNode[] = []): void {
    const execution: Execution = { node, pool };
    const execKey = `${key(job.id)}/${key(task.id)}`;
    // A reactivated task runs again: the files of its last run are no longer due for removal.
    this.retention.get(execKey)?.clear();
    this.retention.delete(execKey);
    this.executions.set(execKey, execution);
    this.fleet.serviceLog.record(node.id, `task ${job.id}/${task.id} started`);
    this.occupy(job, node, task, 1);
    const dirs = taskDirs(this.fleet.dirs(pool, node), job.id, task.id);
    task.nodeInfo = {
      affinityId: node.affinityId,
      nodeUrl: node.url,
      poolId: pool.id,
      nodeId: node.id,
      taskRootDirectory: `workitems/${job.id}/job-1/${task.id}`,
      taskRootDirectoryUrl: `${node.url}/files/workitems/${job.id}/job-1/${task.id}`,
    };
    if (task.multiInstanceSettings) execution.group = this.instanceGroup(job, pool, task, [node, ...subtaskNodes]);
    for (const other of subtaskNodes) this.occupy(job, other, task, 1);
    setTaskState(task, "preparing");
    execution.done = this.run(job, pool, node, task, dirs, execution, execKey);
    inBackground(execution.done, `task ${job.id}/${task.id}`, this.config.log);
  }

  private instanceGroup(job: Job, pool: Pool, task: Task, nodes: ComputeNode[]): InstanceGroup {
    const instances = nodes.map((node) => ({
      node,
      pool,
      dirs: taskDirs(this.fleet.dirs(pool, node), job.id, task.id),
    }));
    return new InstanceGroup(task, instances, {
      files: this.files,
      storage: this.config.storage,
      timeoutMs: durationMs(task.constraints.maxWallClockTime) ?? Infinity,
      records: this.state.subtasks,
      environmentOn: (instance, extra) =>
        jobProcessEnvironment(this.config, this.fleet, {
          pool,
          node: instance.node,
          jobId: job.id,
          taskId: task.id,
          dirs: instance.dirs,
          packages: this.fleet.packages.get(instance.node.id) ?? [],
          settings: [...extra, ...(job.commonEnvironmentSettings ?? []), ...(task.environmentSettings ?? [])],
        }),
    });
  }

  /** Fails the task (as `code`) if its task or working directory has been replaced by a link to elsewhere. */
  private async refuseSwappedDirs(dirs: TaskDirs, code: string): Promise<void> {
    for (const dir of [dirs.taskDir, dirs.workingDir]) {
      if (await swappedForLink(this.config.dataDir, dir))
        throw userError(code, "The task's directory has been replaced by a link", { FilePath: dir });
    }
  }

  /** One run of a task on a node; a failure its own outcome does not explain ends it as an internal error. */
  private async run(
    job: Job,
    pool: Pool,
    node: ComputeNode,
    task: Task,
    dirs: TaskDirs,
    ex: Execution,
    execKey: string,
  ): Promise<void> {
    try {
      await this.execute(job, pool, node, task, dirs, ex);
    } catch (err) {
      if (!ex.intent && (await this.leftBadNode(job, pool, node, task))) return;
      this.config.log(`task ${job.id}/${task.id}: internal error: ${describeError(err)}`);
      this.complete(job, task, {
        result: "failure",
        failureInfo: { category: "servererror", code: "InternalError", message: (err as Error).message },
      });
    } finally {
      this.executions.delete(execKey);
      this.fleet.serviceLog.record(
        node.id,
        `task ${job.id}/${task.id} off the node: ${task.state}${task.executionInfo.result ? ` (${task.executionInfo.result})` : ""}`,
      );
      ex.group?.finish(task.state === "completed" && task.executionInfo.result === "success" ? "success" : "failure");
      for (const other of ex.group?.nodes.slice(1) ?? []) {
        this.occupy(job, other, task, -1);
        this.slots.release();
      }
      this.occupy(job, node, task, -1);
      node.totalTasksRun += 1;
      if (task.state === "completed" && task.executionInfo.result === "success") node.totalTasksSucceeded += 1;
      this.slots.release();
      this.kick();
    }
  }

  private async execute(
    job: Job,
    pool: Pool,
    node: ComputeNode,
    task: Task,
    dirs: TaskDirs,
    ex: Execution,
  ): Promise<void> {
    const packages: InstalledPackage[] = [...(this.fleet.packages.get(node.id) ?? [])];
    // The task stays preparing while the job's preparation task runs on the node, as on Batch.
    const prepared = await this.prepRelease.prepare(job, pool, node);
    if (ex.intent) return this.stopped(job, task, ex.intent);
    if (!prepared) return this.backToQueue(job, task);
    try {
      await makeDirectory(dirs.workingDir).catch((err: unknown) => {
        throw userError(
          "ResourceDirectoryCreateFailed",
          "The node could not create the task's working directory",
          { FilePath: dirs.workingDir, Reason: (err as Error).message },
          err,
        );
      });
      // The working directory survives a retry, and so would a link that an attempt put in its place.
      await this.refuseSwappedDirs(dirs, "ResourceDirectoryCreateFailed");
      await this.files.downloadResourceFiles(task.resourceFiles ?? [], dirs.workingDir, this.config.storage);
      for (const ref of task.applicationPackageReferences ?? []) {
        const pkg = this.state.applicationPackage(ref.applicationId, ref.version);
        const dir = await this.files.installApplicationPackage(
          pkg.zipPath,
          this.fleet.dirs(pool, node).applications,
          pkg.id,
          pkg.version,
        );
        packages.push({ applicationId: pkg.id, version: pkg.version, dir, isDefault: ref.version === undefined });
      }
      await ex.group?.prepare();
    } catch (err) {
      if (!(err instanceof TaskFileError)) throw err;
      if (ex.intent) return this.stopped(job, task, ex.intent);
      if (await this.leftBadNode(job, pool, node, task)) return;
      return this.complete(job, task, { result: "failure", failureInfo: err.failureInfo });
    }
    if (ex.intent) return this.stopped(job, task, ex.intent);

    setTaskState(task, "running");
    task.executionInfo.startTime = now();
    const env = jobProcessEnvironment(this.config, this.fleet, {
      pool,
      node,
      jobId: job.id,
      taskId: task.id,
      dirs,
      packages,
      settings: [
        ...this.prepRelease.environment(job, pool, node),
        ...(ex.group?.settingsFor(0) ?? []),
        ...(job.commonEnvironmentSettings ?? []),
        ...(task.environmentSettings ?? []),
      ],
    });
    // A multi-instance task's command waits for every instance's coordination command to succeed.
    const coordinationFailure = await ex.group?.coordinate();
    let outcome: ProcessOutcome;
    if (coordinationFailure) outcome = coordinationFailure.outcome;
    else if (ex.intent) return this.stopped(job, task, ex.intent);
    else {
      const process = runProcess({
        commandLine: task.commandLine,
        taskDir: dirs.taskDir,
        workingDir: dirs.workingDir,
        env,
        timeoutMs: durationMs(task.constraints.maxWallClockTime) ?? Infinity,
      });
      ex.process = process;
      outcome = await process.done;
    }
    if (ex.intent) return this.stopped(job, task, ex.intent);

    let failureInfo = processFailure(outcome);
    try {
      // The process may have swapped its directories for links: nothing is read or logged through them.
      if (task.outputFiles?.length) await this.refuseSwappedDirs(dirs, "FileUploadMiscError");
      await this.files.uploadOutputFiles(
        task.outputFiles ?? [],
        dirs.workingDir,
        failureInfo ? "failure" : "success",
        this.config.storage,
        { environment: env },
      );
    } catch (err) {
      if (!(err instanceof TaskFileError)) throw err;
      failureInfo ??= err.failureInfo;
    }
    if (failureInfo && (await this.leftBadNode(job, pool, node, task))) return;
    const retries = task.constraints.maxTaskRetryCount;
    // Batch retries the process for a failure exit code only, not for a failed upload or a wall-clock kill.
    const canRetry = failureInfo?.code === "FailureExitCode";
    if (canRetry && (retries === -1 || task.executionInfo.retryCount < retries)) {
      task.executionInfo.retryCount += 1;
      task.executionInfo.lastRetryTime = now();
      this.backToQueue(job, task);
      return;
    }
    this.complete(job, task, { exitCode: outcome.exitCode, result: failureInfo ? "failure" : "success", failureInfo });
  }

  /** The task waits for a node again, as if it had not started. */
  private backToQueue(job: Job, task: Task): void {
    delete task.nodeInfo;
    setTaskState(task, "active");
    this.enqueue(job, task);
  }

  /**
   * After a failure: if the node's own disk is at fault, the node becomes unusable (no task is
   * placed on it again) and the task goes back to the queue for a healthy node. Batch does the
   * same for a task whose node it recovers, and such a run is "independent of and not counted
   * against the maxTaskRetryCount" (BatchTask, REST reference), so neither retryCount nor
   * requeueCount (which counts user requests) changes. Runs while the task still holds its slot,
   * so no other task is placed on the node before it is marked.
   */
  private async leftBadNode(job: Job, pool: Pool, node: ComputeNode, task: Task): Promise<boolean> {
    // A node on its way out is not probed: the probe would remake the folders its removal deletes.
    // One already found bad is not probed again: a task failing there failed for the same cause.
    if (node.state !== "idle" && node.state !== "running" && node.state !== "unusable") return false;
    if (node.state !== "unusable") {
      const fault = await nodeDiskFault(this.fleet.dirs(pool, node));
      if (!fault) return false;
      this.config.log(
        `node ${node.id}: unusable (${fault.code}: ${fault.errorDetails?.map((d) => d.value).join(": ")}); task ${job.id}/${task.id} goes to another node`,
      );
      this.fleet.markUnusable(node, fault);
    }
    this.recover(job, task);
    return true;
  }

  /** Back to the queue for another node, as if it had not started there. */
  private recover(job: Job, task: Task): void {
    delete task.executionInfo.startTime;
    this.backToQueue(job, task);
  }

  private stopped(job: Job, task: Task, intent: StopIntent): void {
    if (intent === "delete") return;
    if (intent === "requeue") return this.requeue(job, task);
    if (intent === "recover") return this.recover(job, task);
    this.complete(job, task, { result: "failure", failureInfo: ENDED_BY_USER });
  }

  /** The task goes back to the queue to run again from the start, its requeue counted (not a retry). */
  requeue(job: Job, task: Task): void {
    task.executionInfo.requeueCount += 1;
    task.executionInfo.lastRequeueTime = now();
    this.recover(job, task);
  }

  complete(
    job: Job,
    task: Task,
    end: { exitCode?: number; result: "success" | "failure"; failureInfo?: TaskFailureInfo },
  ): void {
    const info = task.executionInfo;
    info.endTime = now();
    info.result = end.result;
    if (end.exitCode !== undefined) info.exitCode = end.exitCode;
    if (end.failureInfo) info.failureInfo = end.failureInfo;
    else delete info.failureInfo;
    setTaskState(task, "completed");
    this.retainFiles(job, task);
    this.rules.taskCompleted(job, task);
    // Its dependents may start now, also when it ended without running (terminated while queued).
    this.kick();
  }

  /**
   * Schedules removal of a completed task's directory once its retentionTime, counted from the
   * task's end, is over (at once if it already is), as a node agent does.
   */
  retainFiles(job: Job, task: Task): void {
    const ms = durationMs(task.constraints.retentionTime) ?? Infinity;
    const endTime = task.executionInfo.endTime;
    if (!task.nodeInfo || endTime === undefined || !Number.isFinite(ms) || this.closed) return;
    // A failure is logged by the removal; the task's record stays as it was, files or not.
    const timer = setLongTimeout(
      () => inBackground(this.discardFiles(job, task), `task ${job.id}/${task.id}: retention`, this.config.log),
      Math.max(0, Date.parse(endTime) + ms - Date.now()),
    );
    this.retention.set(`${key(job.id)}/${key(task.id)}`, timer);
  }

  /** A task whose files its deletion could not remove stays, ended (its process was stopped), saying why. */
  keepUndeleted(job: Job, task: Task, why: string): void {
    if (task.state !== "completed")
      this.complete(job, task, {
        result: "failure",
        failureInfo: { category: "servererror", code: "TaskFilesNotRemoved", message: why },
      });
  }

  private forgetRetention(job: Job, task: Task): void {
    const execKey = `${key(job.id)}/${key(task.id)}`;
    this.retention.get(execKey)?.clear();
    this.retention.delete(execKey);
  }

  /**
   * Deletes a task's directory on the node it ran on: its retention is over, or it was deleted.
   * The task must be stopped first. Resolves with why the files could not be removed, if they could not.
   */
  async discardFiles(job: Job, task: Task): Promise<string | undefined> {
    this.forgetRetention(job, task);
    // A multi-instance task has files on each of its subtasks' nodes too.
    const places = [task.nodeInfo, ...this.state.subtasks.of(task).map((sub) => sub.nodeInfo)].filter(
      (info) => info !== undefined,
    );
    const removals = places.map((info) =>
      removeFiles(
        taskDirs(nodeDirs(this.config.dataDir, info.poolId, info.nodeId), job.id, task.id).taskDir,
        `task ${job.id}/${task.id}`,
        this.config.log,
      ),
    );
    const failures = (await Promise.all(removals)).filter((why) => why !== undefined);
    return failures.length > 0 ? failures.join("; ") : undefined;
  }

  /**
   * Deletes a job's folder on every node (a deleted job's, whatever its tasks' retention), once
   * its tasks are stopped. Resolves with why some files could not be removed, if they could not.
   */
  async discardJobFiles(job: Job): Promise<string | undefined> {
    for (const task of this.state.jobTasks(job.id).all.values()) this.forgetRetention(job, task);
    const removals: Promise<string | undefined>[] = [];
    for (const [poolKey, nodes] of this.state.nodes) {
      const pool = this.state.pools.get(poolKey);
      if (!pool) continue;
      for (const node of nodes.values())
        removals.push(
          removeFiles(jobDir(this.fleet.dirs(pool, node), job.id), `job ${job.id} on node ${node.id}`, this.config.log),
        );
    }
    const failures = (await Promise.all(removals)).filter((why) => why !== undefined);
    return failures.length > 0 ? failures.join("; ") : undefined;
  }

  /**
   * Stops a task wherever it is: queued ones leave the queue at once, preparing and running ones
   * are killed and end as the intent says. Resolves once the task is no longer on a node.
   */
  async stop(job: Job, task: Task, intent: StopIntent): Promise<void> {
    const execKey = `${key(job.id)}/${key(task.id)}`;
    const ex = this.executions.get(execKey);
    if (!ex) {
      this.state.jobTasks(job.id).queue.delete(key(task.id));
      if (intent === "terminate" && task.state === "active")
        this.complete(job, task, { result: "failure", failureInfo: ENDED_BY_USER });
      return;
    }
    ex.intent = intent;
    ex.process?.kill();
    ex.group?.kill();
    await ex.done;
  }

  /** Tasks of this job now preparing or running on a node. */
  runningTasks(job: Job): Task[] {
    return [...this.state.jobTasks(job.id).all.values()].filter(
      (t) => t.state === "preparing" || t.state === "running",
    );
  }

  /** Settles once every task now on the node is off it; the caller keeps new ones off (the node takes no tasks). */
  async settledOn(node: ComputeNode): Promise<void> {
    await Promise.all([...this.executions.values()].flatMap((ex) => (ex.node === node && ex.done ? [ex.done] : [])));
  }

  /** Tasks running on one node (to requeue or terminate them when the node leaves). */
  tasksOn(node: ComputeNode): { job: Job; task: Task }[] {
    const out: { job: Job; task: Task }[] = [];
    for (const [execKey, ex] of this.executions) {
      if (ex.node !== node && !ex.group?.nodes.includes(node)) continue;
      const [jobKey, taskKey] = execKey.split("/") as [string, string];
      const job = this.state.jobs.get(jobKey);
      const task = job && this.state.jobTasks(job.id).all.get(taskKey);
      if (job && task) out.push({ job, task });
    }
    return out;
  }
}
