/**
 * Watching the job: task counts and the pool's nodes, until every task has completed. Fails fast
 * when the pool cannot run tasks. Elapsed time, an ETA and photos per second all count from the
 * job's start as Batch recorded it, so a resumed run (whose job has been running, and whose done
 * tasks were done, before this command started) tells the same story as one that never stopped.
 */
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";
import { badNodeLines } from "./bad-nodes";
import { listNodes, poolProblem } from "./pool";
import type { PoolSizeLog } from "./pool-size";
import { createProgress, formatDuration, type Progress } from "./progress";
import { sleep } from "./retry";

export class PoolUnusableError extends Error {
  override name = "PoolUnusableError";
}

export interface MonitorOptions {
  pollMs?: number;
  progress?: (totalTasks: number) => Progress;
  /** Consecutive polls that must see the pool unusable before giving up (nodes change state briefly). */
  unusablePolls?: number;
  /** Where a node that went bad is named (once per node). */
  log?: (line: string) => void;
  /** Photos in the tasks watched, for the photos-per-second figure. */
  photos?: number;
  /** Where the pool's size is followed: a line each time autoscale asks for other nodes or they come and go. */
  poolSizes?: PoolSizeLog;
}

export interface JobOutcome {
  counts: BatchServiceModels.TaskCounts;
  /** Since the job started, which for a resumed job is before this command started. */
  elapsedMs: number;
}

export function describeCounts(c: BatchServiceModels.TaskCounts, total: number, nodes: string): string {
  return `${c.completed}/${total} tasks done (${c.succeeded} ok, ${c.failed} failed), ${c.running} running, ${c.active} waiting; nodes: ${nodes}`;
}

export function nodeSummary(nodes: readonly { state?: string }[]): string {
  if (nodes.length === 0) return "none yet";
  const by = new Map<string, number>();
  for (const n of nodes) by.set(n.state ?? "unknown", (by.get(n.state ?? "unknown") ?? 0) + 1);
  return [...by].map(([s, n]) => `${n} ${s}`).join(", ");
}

/** Remaining time from the pace so far; undefined until a task has completed. */
export function eta(elapsedMs: number, done: number, total: number): number | undefined {
  if (done <= 0 || done >= total) return undefined;
  return (elapsedMs / done) * (total - done);
}

export interface ProgressState {
  counts: BatchServiceModels.TaskCounts;
  totalTasks: number;
  /** Photos in those tasks; tasks are planned near equal in size, so done tasks' share of them is done. */
  photos: number;
  nodes: string;
  /** Since the job started (not since this command did). */
  elapsedMs: number;
}

/** The progress line: counts, then elapsed time, the time left and photos per second, all from the job's start. */
export function progressLine(p: ProgressState): string {
  const left = eta(p.elapsedMs, p.counts.completed, p.totalTasks);
  const photosDone = p.totalTasks > 0 ? (p.photos * Math.min(p.counts.completed, p.totalTasks)) / p.totalTasks : 0;
  const perSecond = p.elapsedMs > 0 ? photosDone / (p.elapsedMs / 1000) : 0;
  // Enough digits to tell a slow pool from a stopped one.
  const rate = perSecond > 0 ? `, ${perSecond.toFixed(perSecond >= 10 ? 0 : perSecond >= 1 ? 1 : 2)} photos/s` : "";
  return `${describeCounts(p.counts, p.totalTasks, p.nodes)}; ${formatDuration(p.elapsedMs)} elapsed${left !== undefined ? `, about ${formatDuration(left)} left` : ""}${rate}`;
}

/** When the job started as Batch recorded it; this command's start when Batch gives no time (or a clock ahead of ours). */
export function jobStart(
  job: Pick<BatchServiceModels.CloudJob, "creationTime" | "executionInfo">,
  commandStart: number,
): number {
  const recorded = new Date(job.executionInfo?.startTime ?? job.creationTime ?? NaN).getTime();
  return Number.isFinite(recorded) ? Math.min(recorded, commandStart) : commandStart;
}

export function monitorProgressBar(totalTasks: number): Progress {
  return createProgress({ label: "tasks", total: totalTasks, lineIntervalMs: 10_000 });
}

export async function waitForJob(
  client: BatchServiceClient,
  jobId: string,
  poolId: string,
  totalTasks: number,
  options: MonitorOptions = {},
): Promise<JobOutcome> {
  const commandStart = Date.now();
  let started: number | undefined;
  const progress = options.progress?.(totalTasks);
  const log = progress?.aboveBar ?? options.log;
  const pollMs = options.pollMs ?? 3000;
  let unusable = 0;
  const reported = new Set<string>();
  let counts: BatchServiceModels.TaskCounts = { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 };
  try {
    for (;;) {
      const [job, taskCounts, pool, nodes] = await Promise.all([
        client.job.get(jobId, { jobGetOptions: { select: "id,state,creationTime,executionInfo" } }),
        client.job.getTaskCounts(jobId),
        client.pool.get(poolId),
        listNodes(client, poolId),
      ]);
      counts = taskCounts.taskCounts;
      options.poolSizes?.observe(pool, progress?.aboveBar);
      for (const line of badNodeLines(poolId, nodes, reported)) log?.(line);
      started ??= jobStart(job, commandStart);
      const elapsed = Date.now() - started;
      progress?.update(
        counts.completed,
        progressLine({
          counts,
          totalTasks,
          photos: options.photos ?? 0,
          nodes: nodeSummary(nodes),
          elapsedMs: elapsed,
        }),
      );
      if (job.state === "completed" || counts.completed >= totalTasks) return { counts, elapsedMs: elapsed };
      const problem = counts.completed < totalTasks ? poolProblem(pool, nodes) : undefined;
      unusable = problem ? unusable + 1 : 0;
      if (problem && unusable >= (options.unusablePolls ?? 2)) throw new PoolUnusableError(problem);
      await sleep(pollMs);
    }
  } finally {
    progress?.stop();
  }
}
