/**
 * The pending tasks a job kept its pool busy with, minute by minute, from its tasks' history as
 * Batch reports it: what `npm run autoscale -- --job ID` replays through a formula.
 *
 * Batch's $PendingTasks counts active and running tasks (a task retried goes back to active, so
 * it stays pending), so a task is pending from its creation until it completes; when it started
 * does not change the count.
 */
import type { BatchServiceModels } from "@azure/batch";
import type { PendingPoint } from "./autoscale-replay";
import { epochMs } from "./run-stats";

/** When a task was pending: from its creation until it completed (no end: not completed yet). */
export interface TaskSpan {
  createdAt: number;
  endedAt?: number;
}

export type TaskHistory = Pick<BatchServiceModels.CloudTask, "creationTime" | "state" | "stateTransitionTime"> & {
  executionInfo?: Pick<BatchServiceModels.TaskExecutionInformation, "endTime">;
};

export interface JobTimeline {
  /** Minute 0 of `points`: the job's first task's creation, in ms since the epoch. */
  start: number;
  points: PendingPoint[];
  tasks: number;
  /** Tasks not completed when the history was read: pending until `now`. */
  unfinished: number;
  /** The last task's completion, or `now` with unfinished tasks, in minutes from `start`. */
  endMinute: number;
}

const MINUTE_MS = 60_000;

/**
 * A task's span. A task completed without running (its job terminated first) has no execution
 * end: it stopped being pending when it changed state.
 */
export function taskSpan(task: TaskHistory): TaskSpan | undefined {
  const createdAt = epochMs(task.creationTime);
  if (createdAt === undefined) return undefined;
  const endedAt =
    epochMs(task.executionInfo?.endTime) ??
    (task.state === "completed" ? epochMs(task.stateTransitionTime) : undefined);
  return { createdAt, endedAt };
}

/**
 * Pending tasks after every moment a task was created or completed, minute 0 at the first
 * creation; moments that change nothing make no point. Undefined for no tasks.
 */
export function pendingTimeline(spans: TaskSpan[], now: number): JobTimeline | undefined {
  if (spans.length === 0) return undefined;
  const changes = new Map<number, number>();
  const change = (at: number, by: number) => changes.set(at, (changes.get(at) ?? 0) + by);
  for (const span of spans) {
    change(span.createdAt, 1);
    if (span.endedAt !== undefined) change(Math.max(span.createdAt, span.endedAt), -1);
  }
  const moments = [...changes.keys()].sort((a, b) => a - b);
  const start = moments[0] ?? now;
  const points: PendingPoint[] = [];
  let pending = 0;
  for (const at of moments) {
    const by = changes.get(at) ?? 0;
    if (by === 0) continue;
    pending += by;
    points.push({ minute: (at - start) / MINUTE_MS, pending });
  }
  const unfinished = spans.filter((s) => s.endedAt === undefined).length;
  const end = unfinished > 0 ? Math.max(now, moments.at(-1) ?? now) : (moments.at(-1) ?? now);
  return { start, points, tasks: spans.length, unfinished, endMinute: (end - start) / MINUTE_MS };
}
