/**
 * The local Batch service's state as one JSON document and back: pools (autoscale settings and
 * last run included), their nodes, jobs, tasks (state, executionInfo, retries, queue order) and
 * the application registry, with ETags and lastModified as they were. The account has no
 * certificates to keep: pools that reference some are refused (see routes/pools.ts).
 */
import path from "node:path";
import type { ComputeNode, Job, Pool, Task } from "./model";
import { BatchState, key } from "./state";

const FORMAT = 1;

export interface StateSnapshot {
  format: typeof FORMAT;
  /** The endpoint the URLs in the entities name; the next start listens elsewhere and rewrites them. */
  baseUrl: string;
  pools: { pool: Pool; nodes: ComputeNode[] }[];
  jobs: { job: Job; tasks: Task[]; queue: string[] }[];
  /** Package paths are relative to the data directory, which may have been moved. */
  applications: { id: string; versions: { version: string; zipPath: string }[] }[];
}

export function takeSnapshot(state: BatchState, baseUrl: string, dataDir: string): StateSnapshot {
  return {
    format: FORMAT,
    baseUrl,
    pools: [...state.pools.values()].map((pool) => ({ pool, nodes: [...state.poolNodes(pool.id).values()] })),
    jobs: [...state.jobs.values()].map((job) => {
      const tasks = state.jobTasks(job.id);
      return { job, tasks: [...tasks.all.values()], queue: [...tasks.queue] };
    }),
    applications: [...state.applications.values()].map((app) => ({
      id: app.id,
      versions: [...app.versions].map(([version, pkg]) => ({ version, zipPath: path.relative(dataDir, pkg.zipPath) })),
    })),
  };
}

export class UnreadableStateError extends Error {}

/**
 * Fills an empty state from a snapshot's text. URLs that named the endpoint of the run that
 * wrote it name this run's endpoint instead, as they would after a Batch account kept its name.
 */
export function restoreSnapshot(text: string, state: BatchState, baseUrl: string, dataDir: string, file: string): void {
  let snapshot: StateSnapshot;
  try {
    const parsed = JSON.parse(text) as StateSnapshot;
    if (parsed.format !== FORMAT) throw new Error(`format ${String(parsed.format)}, not ${FORMAT}`);
    snapshot = parsed.baseUrl ? (JSON.parse(text.split(parsed.baseUrl).join(baseUrl)) as StateSnapshot) : parsed;
  } catch (err) {
    throw new UnreadableStateError(`${file} is not a state this service wrote (${(err as Error).message}); move it away to start with no pools or jobs`);
  }
  for (const { pool, nodes } of snapshot.pools) {
    state.pools.set(key(pool.id), pool);
    const poolNodes = state.poolNodes(pool.id);
    for (const node of nodes) poolNodes.set(node.id, node);
  }
  for (const { job, tasks, queue } of snapshot.jobs) {
    state.jobs.set(key(job.id), job);
    const jobTasks = state.jobTasks(job.id);
    for (const task of tasks) jobTasks.all.set(key(task.id), task);
    for (const taskKey of queue) jobTasks.queue.add(taskKey);
  }
  for (const app of snapshot.applications) {
    state.applications.set(key(app.id), {
      id: app.id,
      versions: new Map(app.versions.map((v) => [v.version, { zipPath: path.resolve(dataDir, v.zipPath) }])),
    });
  }
}
