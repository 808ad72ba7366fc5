/**
 * What changed in the service's state since it was last written, so that a write costs what
 * changed rather than everything: with 10,000 tasks a whole snapshot per added collection took
 * 20 s of 21 to submit them. Tasks are compared by ETag (every task change issues one), and a
 * multi-instance task's subtasks by their stamp (they change without the task's ETag); pools
 * (whose node counts and allocation state change without one), their nodes, jobs and the
 * application registry are few and compared whole.
 */
import type { ComputeNode, Job, JobSchedule, Pool, SubtaskInformation, Task } from "./model";
import { BatchState, key } from "./state";
import type { StateSnapshot } from "./state-snapshot";

export type StateChange =
  | { pool: Pool; nodes: ComputeNode[] }
  | { poolGone: string }
  | { job: Job }
  | { jobGone: string }
  /**
   * A multi-instance task's subtasks go with every record of it: replaying one replaces the task,
   * and its subtasks are kept by the task. Absent in lines written before they were kept.
   */
  | { jobKey: string; task: Task; subtasks?: SubtaskInformation[] }
  | { jobKey: string; taskGone: string }
  | { jobSchedule: JobSchedule }
  | { jobScheduleGone: string }
  | { applications: StateSnapshot["applications"] }
  | { injectedBadNodes: number };

interface Written {
  pools: Map<string, string>;
  jobs: Map<string, string>;
  /** job key → task key → ETag written (and the stamp of a multi-instance task's subtasks) */
  tasks: Map<string, Map<string, string>>;
  jobSchedules: Map<string, string>;
  applications: string;
  injectedBadNodes: number;
}

const nothingWritten = (): Written => ({
  pools: new Map(),
  jobs: new Map(),
  tasks: new Map(),
  jobSchedules: new Map(),
  applications: "[]",
  injectedBadNodes: 0,
});

export class ChangeTracker {
  private written = nothingWritten();

  /** Everything in the state counts as written (a snapshot of it has just been). */
  rememberAll(state: BatchState, applications: StateSnapshot["applications"]): void {
    this.written = nothingWritten();
    this.diff(state, applications).commit();
  }

  /** The changes since the last commit; commit once they are on disk. */
  diff(state: BatchState, applications: StateSnapshot["applications"]): { changes: StateChange[]; commit(): void } {
    const changes: StateChange[] = [];
    const next: Written = {
      pools: new Map(),
      jobs: new Map(),
      tasks: new Map(),
      jobSchedules: new Map(),
      applications: JSON.stringify(applications),
      injectedBadNodes: state.injectedBadNodes,
    };
    for (const [poolKey, pool] of state.pools) {
      const record = { pool, nodes: [...state.poolNodes(pool.id).values()] };
      const text = JSON.stringify(record);
      next.pools.set(poolKey, text);
      if (this.written.pools.get(poolKey) !== text) changes.push(record);
    }
    for (const poolKey of this.written.pools.keys()) if (!state.pools.has(poolKey)) changes.push({ poolGone: poolKey });
    for (const [jobKey, job] of state.jobs) {
      const text = JSON.stringify(job);
      next.jobs.set(jobKey, text);
      if (this.written.jobs.get(jobKey) !== text) changes.push({ job });
      const writtenTasks = this.written.tasks.get(jobKey);
      const etags = new Map<string, string>();
      const tasks = state.jobTasks(job.id).all;
      for (const [taskKey, task] of tasks) {
        const kept = state.subtasks.record(task);
        const mark = kept ? `${task.eTag} ${kept.stamp}` : task.eTag;
        etags.set(taskKey, mark);
        if (writtenTasks?.get(taskKey) !== mark)
          changes.push({ jobKey, task, ...(kept ? { subtasks: kept.subtasks } : {}) });
      }
      for (const taskKey of writtenTasks?.keys() ?? [])
        if (!tasks.has(taskKey)) changes.push({ jobKey, taskGone: taskKey });
      next.tasks.set(jobKey, etags);
    }
    for (const jobKey of this.written.jobs.keys()) if (!state.jobs.has(jobKey)) changes.push({ jobGone: jobKey });
    // Few, and their nextRunTime changes without an ETag: compared whole, as pools are.
    for (const [scheduleKey, jobSchedule] of state.jobSchedules) {
      const text = JSON.stringify(jobSchedule);
      next.jobSchedules.set(scheduleKey, text);
      if (this.written.jobSchedules.get(scheduleKey) !== text) changes.push({ jobSchedule });
    }
    for (const scheduleKey of this.written.jobSchedules.keys())
      if (!state.jobSchedules.has(scheduleKey)) changes.push({ jobScheduleGone: scheduleKey });
    if (next.applications !== this.written.applications) changes.push({ applications });
    if (next.injectedBadNodes !== this.written.injectedBadNodes)
      changes.push({ injectedBadNodes: next.injectedBadNodes });
    return { changes, commit: () => (this.written = next) };
  }
}

/** Applies changes read back from disk, in the order they were made. */
export function applyChanges(
  state: BatchState,
  changes: readonly StateChange[],
  restoreApplications: (apps: StateSnapshot["applications"]) => void,
): void {
  for (const change of changes) {
    if ("nodes" in change) {
      state.pools.set(key(change.pool.id), change.pool);
      const nodes = state.poolNodes(change.pool.id);
      nodes.clear();
      for (const node of change.nodes) nodes.set(node.id, node);
    } else if ("poolGone" in change) {
      state.pools.delete(change.poolGone);
      state.nodes.delete(change.poolGone);
    } else if ("job" in change) {
      state.jobs.set(key(change.job.id), change.job);
    } else if ("jobGone" in change) {
      state.jobs.delete(change.jobGone);
      state.tasks.delete(change.jobGone);
    } else if ("task" in change) {
      state.jobTasks(change.jobKey).all.set(key(change.task.id), change.task);
      if (change.subtasks) state.subtasks.set(change.task, change.subtasks);
    } else if ("taskGone" in change) {
      state.tasks.get(change.jobKey)?.all.delete(change.taskGone);
    } else if ("jobSchedule" in change) {
      state.jobSchedules.set(key(change.jobSchedule.id), change.jobSchedule);
    } else if ("jobScheduleGone" in change) {
      state.jobSchedules.delete(change.jobScheduleGone);
    } else if ("injectedBadNodes" in change) {
      state.injectedBadNodes = change.injectedBadNodes;
    } else {
      restoreApplications(change.applications);
    }
  }
}
