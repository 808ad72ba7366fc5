/**
 * Task dependencies as Batch runs them: a task with `dependsOn` (task ids and id ranges) stays
 * active until every task it depends on has completed with a dependencyAction of satisfy; a
 * dependency that completed with block keeps it waiting for good (Batch cancels no dependents).
 */
import { batchError, invalidProperty } from "./errors";
import type { ExitOptions, Job, Task } from "./model";
import type { BatchState } from "./state";
import { key } from "./state";
import type { Body } from "./validate";

export type DependencyAction = "satisfy" | "block";

export interface TaskIdRange {
  start: number;
  end: number;
}

export interface TaskDependencies {
  taskIds?: string[];
  taskIdRanges?: TaskIdRange[];
}

/** Batch's limit on the combined length of a task's `dependsOn.taskIds`. */
const MAX_TASK_IDS_CHARS = 64000;
const ACTIONS: readonly DependencyAction[] = ["satisfy", "block"];

const notSpecifiedOnJob = () => batchError("TaskDependenciesNotSpecifiedOnJob");

function exitOptionsOf(body: Body): ExitOptions[] {
  const conditions = body.exitConditions as Body | undefined;
  if (!conditions) return [];
  const ranges = (conditions.exitCodeRanges as { exitOptions?: ExitOptions }[] | undefined) ?? [];
  const codes = (conditions.exitCodes as { exitOptions?: ExitOptions }[] | undefined) ?? [];
  const single = [conditions.preProcessingError, conditions.fileUploadError, conditions.default] as (
    ExitOptions | undefined
  )[];
  return [...codes.map((c) => c.exitOptions), ...ranges.map((r) => r.exitOptions), ...single].filter(
    (o): o is ExitOptions => o !== undefined && o !== null,
  );
}

/** Refuses a dependsOn or dependencyAction the job cannot honour, as Batch does at add. */
export function checkDependencies(job: Job, body: Body): void {
  const actions = exitOptionsOf(body)
    .map((o) => o.dependencyAction)
    .filter((a) => a !== undefined);
  for (const action of actions) {
    if (!ACTIONS.includes(action as DependencyAction))
      throw invalidProperty("exitConditions.dependencyAction", action, "must be satisfy or block");
  }
  const dependsOn = body.dependsOn as Body | undefined | null;
  if (dependsOn === undefined || dependsOn === null) {
    if (actions.length > 0 && job.usesTaskDependencies !== true) throw notSpecifiedOnJob();
    return;
  }
  if (job.usesTaskDependencies !== true) throw notSpecifiedOnJob();
  const ids = dependsOn.taskIds ?? [];
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string" || id === ""))
    throw invalidProperty("dependsOn.taskIds", ids, "must be a list of task ids");
  if ((ids as string[]).some((id) => key(id) === key(String(body.id))))
    throw invalidProperty("dependsOn.taskIds", ids, "a task cannot depend on itself");
  if ((ids as string[]).join("").length > MAX_TASK_IDS_CHARS) {
    throw batchError("TaskDependencyListTooLong");
  }
  const ranges = dependsOn.taskIdRanges ?? [];
  if (!Array.isArray(ranges)) throw invalidProperty("dependsOn.taskIdRanges", ranges, "must be a list of {start, end}");
  for (const r of ranges as Body[]) {
    if (
      !Number.isInteger(r?.start) ||
      !Number.isInteger(r?.end) ||
      (r.start as number) < 0 ||
      (r.end as number) < (r.start as number)
    ) {
      throw invalidProperty("dependsOn.taskIdRanges", r, "start and end must be integers with 0 <= start <= end");
    }
  }
}

/**
 * What a completed task means for its dependents, resolved as Batch resolves exit conditions:
 * the matching exit code or range, else preProcessingError / fileUploadError for a task that
 * failed before or after its process, else `default` for any failure; satisfy for a success
 * that no condition names, block otherwise.
 */
export function dependencyActionOf(task: Task): DependencyAction {
  const info = task.executionInfo;
  const conditions = task.exitConditions as Body | undefined;
  const code = info.exitCode;
  const pick = (o: ExitOptions | undefined) => o?.dependencyAction as DependencyAction | undefined;
  const fallback =
    info.result === "success" ? "satisfy" : (pick(conditions?.default as ExitOptions | undefined) ?? "block");
  if (!conditions) return fallback;
  const failure = info.failureInfo?.code ?? "";
  if (info.result === "failure" && failure.startsWith("FileUpload"))
    return pick(conditions.fileUploadError as ExitOptions | undefined) ?? fallback;
  if (code === undefined || (info.result === "failure" && failure !== "FailureExitCode")) {
    return pick(conditions.preProcessingError as ExitOptions | undefined) ?? fallback;
  }
  const byCode = (conditions.exitCodes as { code: number; exitOptions: ExitOptions }[] | undefined)?.find(
    (c) => c.code === code,
  );
  if (byCode) return pick(byCode.exitOptions) ?? fallback;
  const byRange = (
    conditions.exitCodeRanges as { start: number; end: number; exitOptions: ExitOptions }[] | undefined
  )?.find((r) => r.start <= code && code <= r.end);
  if (byRange) return pick(byRange.exitOptions) ?? fallback;
  return fallback;
}

/** The tasks a range names: those of the job whose id is an integer within it. */
function* tasksInRange(all: Map<string, Task>, range: TaskIdRange): Generator<Task> {
  for (const t of all.values())
    if (/^\d+$/.test(t.id) && Number(t.id) >= range.start && Number(t.id) <= range.end) yield t;
}

const satisfies = (dep: Task | undefined): boolean =>
  dep !== undefined && dep.state === "completed" && dependencyActionOf(dep) === "satisfy";

/**
 * Whether every task this one depends on has completed with satisfy. It stops at the first that
 * has not: the scheduler asks on every pass, and a merge task may depend on thousands.
 * A task not added yet may still be: its dependent waits for it.
 */
export function dependenciesMet(state: BatchState, job: Job, task: Task): boolean {
  const dependsOn = task.dependsOn as TaskDependencies | undefined;
  if (!dependsOn) return true;
  const all = state.jobTasks(job.id).all;
  for (const id of dependsOn.taskIds ?? []) if (!satisfies(all.get(key(id)))) return false;
  for (const range of dependsOn.taskIdRanges ?? [])
    for (const dep of tasksInRange(all, range)) if (!satisfies(dep)) return false;
  return true;
}
