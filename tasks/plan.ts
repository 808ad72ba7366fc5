/**
 * How photos are split into tasks. Each task pays a fixed overhead (scheduling, resource-file
 * download, starting Node and loading Tesseract), so a task should carry enough photos to amortize
 * it; but there should be a few tasks per slot so the pool stays busy to the end and a retried task
 * costs little. Task ids derive from the photos they carry, so planning twice gives the same ids
 * and a re-run adds no duplicates. Reusable (the bench drives it).
 */
import { createHash } from "node:crypto";

export interface PlannedTask {
  id: string;
  /** Blob names of the photos this task reads (unique, sorted). */
  blobs: string[];
}

export interface PlanOptions {
  /** Task slots the pool offers (nodes × slots per node); at least 1. */
  capacity: number;
  /** Fixed photos per task (the operator's override). */
  imagesPerTask?: number;
}

/** Below this many photos per task the per-task overhead dominates (unless there are too few photos to fill the slots). */
export const MIN_IMAGES_PER_TASK = 10;
/** Above this, a failed task costs too much to redo, and its resource files bloat the add-collection body. */
export const MAX_IMAGES_PER_TASK = 250;
/** Tasks per slot aimed at: enough for even finishing, few enough for little overhead. */
export const WAVES = 4;

export function imagesPerTask(photoCount: number, options: PlanOptions): number {
  if (options.imagesPerTask !== undefined) {
    if (!Number.isInteger(options.imagesPerTask) || options.imagesPerTask < 1)
      throw new Error("images per task must be a whole number of 1 or more");
    return options.imagesPerTask;
  }
  const capacity = Math.max(1, Math.floor(options.capacity));
  const oneWave = Math.ceil(photoCount / capacity);
  const target = Math.ceil(photoCount / (capacity * WAVES));
  const size = Math.max(1, Math.min(MAX_IMAGES_PER_TASK, Math.max(target, Math.min(MIN_IMAGES_PER_TASK, oneWave))));
  // Whole waves: 5 tasks on 4 slots take two rounds where 4 slightly larger tasks take one
  // (or, at the size limit, one more wave of slightly smaller tasks).
  const tasks = Math.ceil(photoCount / size);
  let waves = Math.max(1, Math.floor(tasks / capacity));
  if (Math.ceil(photoCount / (waves * capacity)) > MAX_IMAGES_PER_TASK) waves = Math.ceil(tasks / capacity);
  return Math.max(1, Math.ceil(photoCount / (waves * capacity)));
}

/** The blob names once each, in sorted order: a copy sorted in place, repeats dropped as they meet. */
export function uniqueSorted(blobNames: readonly string[]): string[] {
  const sorted = [...blobNames].sort();
  let kept = 0;
  for (const name of sorted) if (kept === 0 || sorted[kept - 1] !== name) sorted[kept++] = name;
  sorted.length = kept;
  return sorted;
}

export function planTasks(blobNames: readonly string[], options: PlanOptions): PlannedTask[] {
  const blobs = uniqueSorted(blobNames);
  return [...plannedTasks(blobs, blobs.length, options)];
}

/**
 * The tasks of `count` photos whose blob names arrive sorted and unique, one task at a time: only
 * the task being filled is held, so a caller that builds and sends each task as it comes never
 * holds the whole plan.
 */
export function* plannedTasks(
  sortedUniqueBlobs: Iterable<string>,
  count: number,
  options: PlanOptions,
): Generator<PlannedTask, void, undefined> {
  const size = imagesPerTask(count, options);
  const width = String(Math.ceil(count / size)).length;
  let index = 0;
  let chunk: string[] = [];
  const task = (): PlannedTask => {
    const digest = createHash("sha256").update(chunk.join("\n")).digest("hex").slice(0, 12);
    return { id: `ocr-${String(index++).padStart(width, "0")}-${digest}`, blobs: chunk };
  };
  for (const blob of sortedUniqueBlobs) {
    chunk.push(blob);
    if (chunk.length === size) {
      yield task();
      chunk = [];
    }
  }
  if (chunk.length > 0) yield task();
}
