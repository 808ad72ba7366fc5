/**
 * The local Batch service's state as one JSON document and back: pools (autoscale settings and
 * last run included), their nodes, jobs, tasks (state, executionInfo, retries, a multi-instance
 * task's subtasks), the application registry and the bad-node fault's budget spent, with ETags
 * and lastModified as they were. The account has no certificates to keep: pools that reference
 * some are refused (see routes/pools.ts).
 */
import path from "node:path";
import type { ComputeNode, Job, JobSchedule, Pool, SubtaskInformation, Task } from "./model";
import { applyChanges, type StateChange } from "./state-changes";
import { BatchState, key } from "./state";

const FORMAT = 1;

export interface StateSnapshot {
  format: typeof FORMAT;
  /** Which journal continues this snapshot (see StateKeeper). */
  generation: number;
  /** The endpoint the URLs in the entities name; the next start listens elsewhere and rewrites them. */
  baseUrl: string;
  pools: { pool: Pool; nodes: ComputeNode[] }[];
  jobs: { job: Job; tasks: Task[]; subtasks?: KeptSubtasks[] }[];
  /** Absent in files written before job schedules existed. */
  jobSchedules?: JobSchedule[];
  /** Package paths are relative to the data directory, which may have been moved. */
  applications: { id: string; versions: { version: string; zipPath: string }[] }[];
  /** Absent in files written before it was kept. */
  injectedBadNodes?: number;
}

/**
 * A multi-instance task's subtasks, beside the tasks rather than in them: Batch serves them apart.
 * Absent in files written before they were kept, and for jobs with no multi-instance run.
 */
export interface KeptSubtasks {
  taskKey: string;
  subtasks: SubtaskInformation[];
}

export function applicationsOf(state: BatchState, dataDir: string): StateSnapshot["applications"] {
  return [...state.applications.values()].map((app) => ({
    id: app.id,
    versions: [...app.versions].map(([version, pkg]) => ({ version, zipPath: path.relative(dataDir, pkg.zipPath) })),
  }));
}

export function takeSnapshot(state: BatchState, baseUrl: string, dataDir: string, generation: number): StateSnapshot {
  return {
    format: FORMAT,
    generation,
    baseUrl,
    pools: [...state.pools.values()].map((pool) => ({ pool, nodes: [...state.poolNodes(pool.id).values()] })),
    jobs: [...state.jobs.values()].map((job) => {
      const tasks = state.jobTasks(job.id).all;
      const subtasks = [...tasks].flatMap(([taskKey, task]): KeptSubtasks[] => {
        const record = state.subtasks.record(task);
        return record ? [{ taskKey, subtasks: record.subtasks }] : [];
      });
      return { job, tasks: [...tasks.values()], ...(subtasks.length > 0 ? { subtasks } : {}) };
    }),
    jobSchedules: [...state.jobSchedules.values()],
    applications: applicationsOf(state, dataDir),
    injectedBadNodes: state.injectedBadNodes,
  };
}

export class UnreadableStateError extends Error {}

export interface SavedState {
  snapshot: string;
  /** The journal's lines, oldest first; a last line cut short by a crash was never acknowledged. */
  journal: string[];
}

/** The generation a snapshot's text names, to find its journal. */
export function generationOf(text: string, file: string): number {
  try {
    const parsed = JSON.parse(text) as StateSnapshot;
    if (parsed.format !== FORMAT) throw new Error(`format ${String(parsed.format)}, not ${FORMAT}`);
    return parsed.generation;
  } catch (err) {
    throw new UnreadableStateError(
      `${file} is not a state this service wrote (${(err as Error).message}); move it away to start with no pools or jobs`,
    );
  }
}

/**
 * Fills an empty state from a snapshot and its journal. URLs that named the endpoint of the run
 * that wrote them name this run's endpoint instead, as they would after a Batch account kept its name.
 */
export function restoreState(
  saved: SavedState,
  state: BatchState,
  baseUrl: string,
  dataDir: string,
  file: string,
): void {
  let snapshot: StateSnapshot;
  const journal: StateChange[][] = [];
  try {
    const oldBase = (JSON.parse(saved.snapshot) as StateSnapshot).baseUrl;
    const rebase = (text: string) => (oldBase ? text.split(oldBase).join(baseUrl) : text);
    snapshot = JSON.parse(rebase(saved.snapshot)) as StateSnapshot;
    saved.journal.forEach((line, i) => {
      try {
        journal.push(JSON.parse(rebase(line)) as StateChange[]);
      } catch (err) {
        if (i < saved.journal.length - 1) throw err;
      }
    });
  } catch (err) {
    throw new UnreadableStateError(
      `${file} is not a state this service wrote (${(err as Error).message}); move it away to start with no pools or jobs`,
    );
  }
  const restoreApplications = (apps: StateSnapshot["applications"]) => {
    state.applications.clear();
    for (const app of apps) {
      state.applications.set(key(app.id), {
        id: app.id,
        versions: new Map(app.versions.map((v) => [v.version, { zipPath: path.resolve(dataDir, v.zipPath) }])),
      });
    }
  };
  for (const { pool, nodes } of snapshot.pools) {
    state.pools.set(key(pool.id), pool);
    const poolNodes = state.poolNodes(pool.id);
    for (const node of nodes) poolNodes.set(node.id, node);
  }
  for (const { job, tasks, subtasks } of snapshot.jobs) {
    state.jobs.set(key(job.id), job);
    const jobTasks = state.jobTasks(job.id);
    for (const task of tasks) jobTasks.all.set(key(task.id), task);
    for (const kept of subtasks ?? []) {
      const task = jobTasks.all.get(kept.taskKey);
      if (task) state.subtasks.set(task, kept.subtasks);
    }
  }
  for (const schedule of snapshot.jobSchedules ?? []) state.jobSchedules.set(key(schedule.id), schedule);
  restoreApplications(snapshot.applications);
  state.injectedBadNodes = snapshot.injectedBadNodes ?? 0;
  for (const changes of journal) applyChanges(state, changes, restoreApplications);
  // Active tasks wait in the order they were added; a retried one loses its place at the back.
  for (const [jobKey, tasks] of state.tasks) {
    if (!state.jobs.has(jobKey)) continue;
    for (const [taskKey, task] of tasks.all) if (task.state === "active") tasks.queue.add(taskKey);
  }
}
