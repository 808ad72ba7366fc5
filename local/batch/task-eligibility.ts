/**
 * Whether a queued task may be placed on a node now, beyond free slots: its dependencies are
 * satisfied, and a job manager task, which Batch starts before the job's other tasks, has started.
 */
import type { Job, Task } from "./model";
import type { BatchState } from "./state";
import { key } from "./state";
import { dependencyStatus } from "./task-dependencies";

export function mayStartNow(state: BatchState, job: Job, task: Task): boolean {
  if (dependencyStatus(state, job, task) !== "ready") return false;
  const managerId = job.jobManagerTask?.id;
  if (managerId === undefined || key(managerId) === key(task.id)) return true;
  const manager = state.jobTasks(job.id).all.get(key(managerId));
  return manager === undefined || manager.state === "running" || manager.state === "completed";
}
