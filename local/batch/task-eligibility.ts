/**
 * Whether a queued task may be placed on a node now, beyond free slots: its dependencies are
 * satisfied, and a job manager task, which Batch starts before the job's other tasks, has started.
 */
import { isJobManager } from "./job-manager";
import type { Job, Task } from "./model";
import type { BatchState } from "./state";
import { key } from "./state";
import { dependenciesMet } from "./task-dependencies";

export function mayStartNow(state: BatchState, job: Job, task: Task): boolean {
  if (!dependenciesMet(state, job, task)) return false;
  if (job.jobManagerTask === undefined || isJobManager(job, task)) return true;
  const manager = state.jobTasks(job.id).all.get(key(job.jobManagerTask.id));
  // Placed on a node is started enough: the same scheduling pass may then place the others.
  return manager === undefined || manager.state !== "active";
}
