/**
 * A job's job manager task as Batch runs it: an ordinary task of the job, added with the job and
 * started before the job's other tasks (see task-eligibility), holding its whole node with
 * runExclusive (the default), and ending the job (terminateReason JMComplete) when it completes
 * with killJobOnCompletion (the default).
 */
import { invalidProperty, missingProperty } from "./errors";
import type { Job, Pool, Task } from "./model";
import { key } from "./state";
import type { Body } from "./validate";

/** Properties of a job manager task that describe its role, not the task Batch lists. */
const MANAGER_ONLY = ["killJobOnCompletion", "runExclusive", "allowLowPriorityNode"] as const;

/** The body of the task the job manager becomes, checked as Batch checks it at job add. */
export function managerTaskBody(raw: unknown, pool: Pool | undefined): Body {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw invalidProperty("jobManagerTask", raw, "must be an object");
  const manager = raw as Body;
  if (typeof manager.id !== "string" || manager.id === "") throw missingProperty("jobManagerTask.id");
  if (typeof manager.commandLine !== "string" || manager.commandLine === "")
    throw missingProperty("jobManagerTask.commandLine");
  const body: Body = { ...manager };
  for (const name of MANAGER_ONLY) delete body[name];
  // Exclusive use of its node: no other task runs beside it there while it runs.
  if (manager.runExclusive !== false && pool) body.requiredSlots = pool.taskSlotsPerNode;
  return body;
}

export const isJobManager = (job: Job, task: Task): boolean =>
  job.jobManagerTask !== undefined && key(job.jobManagerTask.id) === key(task.id);

/** Whether this task's completion ends its job: a job manager task with killJobOnCompletion. */
export const endsJob = (job: Job, task: Task): boolean =>
  isJobManager(job, task) && job.jobManagerTask?.killJobOnCompletion !== false;
