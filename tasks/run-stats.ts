/**
 * How long a job's tasks ran and how much pool time they used, from the tasks' execution info as
 * Batch reports it. Node-hours count, per node, the span from its first task's start to its last
 * task's end: a lower bound of what is billed, since a node's boot and idle time are not in any task.
 */
import type { ContainerClient } from "@azure/storage-blob";
import { ifFound } from "./if-found";

export interface TaskTiming {
  nodeId?: string;
  startTime?: Date | string;
  endTime?: Date | string;
}

export interface RunStats {
  /** From the first task's start to the last task's end; null when no task has both (e.g. the job was deleted before this collection). */
  wallMs: number | null;
  /** Node-hours while the nodes ran tasks; null with `wallMs`. */
  nodeHours: number | null;
  /** Nodes that ran at least one task. */
  nodes: number;
}

const MS_PER_HOUR = 3_600_000;

/** A time as Batch's client gives it (a Date, or a string from JSON), in ms since the epoch. */
export function epochMs(t: Date | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const v = new Date(t).getTime();
  return Number.isFinite(v) ? v : undefined;
}

export function runStats(tasks: Iterable<TaskTiming>): RunStats {
  const spans = new Map<string, { start: number; end: number }>();
  let first = Infinity;
  let last = -Infinity;
  for (const t of tasks) {
    const start = epochMs(t.startTime);
    const end = epochMs(t.endTime);
    if (start === undefined || end === undefined) continue;
    first = Math.min(first, start);
    last = Math.max(last, end);
    // A task with no node (Batch drops it on a requeue) still counts towards the wall time.
    if (!t.nodeId) continue;
    const span = spans.get(t.nodeId);
    spans.set(t.nodeId, span ? { start: Math.min(span.start, start), end: Math.max(span.end, end) } : { start, end });
  }
  if (first === Infinity) return { wallMs: null, nodeHours: null, nodes: 0 };
  const nodeMs = [...spans.values()].reduce((sum, s) => sum + (s.end - s.start), 0);
  return { wallMs: last - first, nodeHours: nodeMs / MS_PER_HOUR, nodes: spans.size };
}

/** Where a collection keeps the figures, beside the job's manifest in the results container. */
export function runStatsBlobName(jobId: string): string {
  return `${jobId}/run-stats.json`;
}

function isRunStats(value: unknown): value is RunStats {
  const v = value as Partial<RunStats> | null;
  const numberOrNull = (x: unknown) => x === null || (typeof x === "number" && Number.isFinite(x));
  return (
    typeof v === "object" &&
    v !== null &&
    numberOrNull(v.wallMs) &&
    numberOrNull(v.nodeHours) &&
    typeof v.nodes === "number"
  );
}

/**
 * The figures of this collection when its tasks gave them (kept for later), else the ones an
 * earlier collection kept: a job is deleted once collected, and a collection run again after that
 * (a resume, a re-run for the files) still reports how long the job took. A job made again for
 * the tasks that had no records yet gives figures for those tasks only.
 */
export async function rememberedRunStats(results: ContainerClient, jobId: string, now: RunStats): Promise<RunStats> {
  const blob = results.getBlockBlobClient(runStatsBlobName(jobId));
  if (now.wallMs !== null) {
    const body = JSON.stringify(now);
    await blob.upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/json" } });
    return now;
  }
  const body = await ifFound(blob.downloadToBuffer());
  if (!body) return now;
  try {
    const kept: unknown = JSON.parse(body.toString("utf8"));
    return isRunStats(kept) ? kept : now;
  } catch (err) {
    if (err instanceof SyntaxError) return now;
    throw err;
  }
}
