/**
 * Watching the job: task counts and the pool's nodes, until every task has completed. Fails fast
 * when the pool cannot run tasks. Elapsed time and an ETA from the rate tasks complete at.
 */
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";
import { badNodeLines } from "./bad-nodes";
import { listNodes, poolProblem } from "./pool";
import { createProgress, formatDuration, type Progress } from "./progress";
import { withRetry, type RetryOptions } from "./retry";
import { sleep } from "./retry";

export class PoolUnusableError extends Error {
  override name = "PoolUnusableError";
}

export interface MonitorOptions {
  pollMs?: number;
  retry?: RetryOptions;
  progress?: (totalTasks: number) => Progress;
  /** Consecutive polls that must see the pool unusable before giving up (nodes change state briefly). */
  unusablePolls?: number;
  /** Where a node that went bad is named (once per node). */
  log?: (line: string) => void;
}

export interface JobOutcome {
  counts: BatchServiceModels.TaskCounts;
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

export function monitorProgressBar(totalTasks: number): Progress {
  return createProgress({ label: "tasks", total: totalTasks, lineIntervalMs: 10_000 });
}

export async function waitForJob(client: BatchServiceClient, jobId: string, poolId: string, totalTasks: number, options: MonitorOptions = {}): Promise<JobOutcome> {
  const started = Date.now();
  const progress = options.progress?.(totalTasks);
  const pollMs = options.pollMs ?? 3000;
  let unusable = 0;
  const reported = new Set<string>();
  let counts: BatchServiceModels.TaskCounts = { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 };
  try {
    for (;;) {
      const [job, taskCounts, pool, nodes] = await Promise.all([
        withRetry(() => client.job.get(jobId, { jobGetOptions: { select: "id,state" } }), options.retry),
        withRetry(() => client.job.getTaskCounts(jobId), options.retry),
        withRetry(() => client.pool.get(poolId), options.retry),
        listNodes(client, poolId, options.retry),
      ]);
      counts = taskCounts.taskCounts;
      for (const line of badNodeLines(poolId, nodes, reported)) options.log?.(line);
      const elapsed = Date.now() - started;
      const left = eta(elapsed, counts.completed, totalTasks);
      progress?.update(counts.completed, `${describeCounts(counts, totalTasks, nodeSummary(nodes))}; ${formatDuration(elapsed)} elapsed${left !== undefined ? `, about ${formatDuration(left)} left` : ""}`);
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
