/**
 * Everything the local Batch service knows, in memory: pools and their nodes, jobs and their
 * tasks (with the subtasks of multi-instance tasks), the application registry, and what injected
 * faults have spent of their budget. Ids are looked up case-insensitively and kept as written, as
 * Batch does.
 */
import { randomBytes } from "node:crypto";
import { batchError, notFound } from "./errors";
import type { ComputeNode, Job, JobSchedule, Pool, SubtaskInformation, Task } from "./model";

export const now = (): string => new Date().toISOString();

let etagCounter = 0n;
/**
 * How many changes have been made: every change to a pool, job or task issues an ETag, and a
 * node's state (nodes have no ETag) is counted too, so a state writer can tell whether anything
 * changed since it last wrote without comparing the state.
 */
export const changeCount = (): bigint => etagCounter;

/** A change no ETag marks. Without it a node preempted or gone bad while no task changed was never written. */
export function countChange(): void {
  etagCounter += 1n;
}

/** A fresh ETag in Batch's `0x8D…` form; a counter keeps two changes in one millisecond apart. */
export function newETag(): string {
  etagCounter += 1n;
  return `0x8D${(BigInt(Date.now()) * 1000n + (etagCounter % 1000n)).toString(16).toUpperCase()}`;
}

export function touch(entity: { eTag: string; lastModified: string }): void {
  entity.eTag = newETag();
  entity.lastModified = now();
}

interface Stateful<S> {
  state: S;
  stateTransitionTime: string;
  previousState?: S;
  previousStateTransitionTime?: string;
  eTag: string;
  lastModified: string;
}

/** Moves a job or task to a new state, keeping the previous one as Batch reports it. */
export function transition<S>(entity: Stateful<S>, state: S): void {
  if (entity.state === state) return;
  entity.previousState = entity.state;
  entity.previousStateTransitionTime = entity.stateTransitionTime;
  entity.state = state;
  entity.stateTransitionTime = now();
  touch(entity);
}

export const key = (id: string): string => id.toLowerCase();

export interface JobTasks {
  /** Insertion-ordered, as lists return them. */
  all: Map<string, Task>;
  /** Active tasks waiting for a slot, oldest first. */
  queue: Set<string>;
}

export interface ApplicationVersion {
  zipPath: string;
}

/**
 * The subtasks of each multi-instance task's last run, for `subtasksinfo`. They are not part of
 * the task's record (Batch serves them apart) and change without its ETag, so each change is
 * stamped for the state writer, and counted as a change.
 */
export class SubtaskRecords {
  /** Keyed by the task itself: a deleted task's subtasks go with it. */
  private readonly byTask = new WeakMap<Task, { subtasks: SubtaskInformation[]; stamp: number }>();
  private stamps = 0;

  set(task: Task, subtasks: SubtaskInformation[]): void {
    this.byTask.set(task, { subtasks, stamp: ++this.stamps });
    countChange();
  }

  /** After the task's subtasks were changed in place. */
  changed(task: Task): void {
    const record = this.byTask.get(task);
    if (record) record.stamp = ++this.stamps;
    countChange();
  }

  of(task: Task): SubtaskInformation[] {
    return this.byTask.get(task)?.subtasks ?? [];
  }

  /** Undefined for a task that has not run as a multi-instance task; the stamp differs after each change. */
  record(task: Task): Readonly<{ subtasks: SubtaskInformation[]; stamp: number }> | undefined {
    return this.byTask.get(task);
  }
}

export class BatchState {
  readonly pools = new Map<string, Pool>();
  readonly nodes = new Map<string, Map<string, ComputeNode>>();
  readonly jobs = new Map<string, Job>();
  readonly tasks = new Map<string, JobTasks>();
  readonly jobSchedules = new Map<string, JobSchedule>();
  readonly subtasks = new SubtaskRecords();
  /** applicationId (lower case) → { id as registered, versions } */
  readonly applications = new Map<string, { id: string; versions: Map<string, ApplicationVersion> }>();
  /**
   * Nodes `--faults bad-node` has spoiled in this state's life, restarts included: a budget kept
   * with the nodes it spoiled, or each start on the same data would spoil as many again.
   */
  injectedBadNodes = 0;

  pool(id: string): Pool {
    const pool = this.pools.get(key(id));
    if (!pool) throw notFound("pool");
    return pool;
  }

  poolNodes(poolId: string): Map<string, ComputeNode> {
    let nodes = this.nodes.get(key(poolId));
    if (!nodes) this.nodes.set(key(poolId), (nodes = new Map()));
    return nodes;
  }

  node(poolId: string, nodeId: string): ComputeNode {
    this.pool(poolId);
    const node = this.poolNodes(poolId).get(nodeId);
    if (!node) throw notFound("node");
    return node;
  }

  job(id: string): Job {
    const job = this.jobs.get(key(id));
    if (!job) throw notFound("job");
    return job;
  }

  jobTasks(jobId: string): JobTasks {
    let tasks = this.tasks.get(key(jobId));
    if (!tasks) this.tasks.set(key(jobId), (tasks = { all: new Map(), queue: new Set() }));
    return tasks;
  }

  task(jobId: string, taskId: string): Task {
    this.job(jobId);
    const task = this.jobTasks(jobId).all.get(key(taskId));
    if (!task) throw notFound("task");
    return task;
  }

  applicationPackage(
    applicationId: string,
    version: string | undefined,
  ): { id: string; version: string; zipPath: string } {
    const app = this.applications.get(key(applicationId));
    const chosen = version ?? (app && app.versions.size === 1 ? [...app.versions.keys()][0] : undefined);
    const pkg = chosen === undefined ? undefined : app?.versions.get(chosen);
    if (!app || chosen === undefined || !pkg) {
      throw batchError("InvalidApplicationPackageReferences", { [applicationId]: version ?? "(default version)" });
    }
    return { id: app.id, version: chosen, zipPath: pkg.zipPath };
  }
}

/** A node id in the form Batch uses (`tvmps_<64 hex>_d` for dedicated, `_p` for Spot/low-priority). */
export function newNodeId(dedicated: boolean): string {
  return `tvmps_${randomBytes(32).toString("hex")}_${dedicated ? "d" : "p"}`;
}
