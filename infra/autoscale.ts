/**
 * The pool's autoscale formula, built from configuration by a pure function so its behaviour is
 * reviewed and tested as text, not discovered in the portal.
 */

export interface AutoscaleInput {
  minNodes: number;
  maxNodes: number;
  /** Share of nodes that may be Spot (low-priority), 0..1. */
  spotShare: number;
  taskSlotsPerNode: number;
  /** Minutes of pending-task history the formula averages over. */
  windowMinutes: number;
}

/** The Spot share as the formula writes it: two decimals. */
function spotShareOf(input: AutoscaleInput): number {
  return Math.round(input.spotShare * 100) / 100;
}

/** Below this share of samples in the window, the history is not trusted and only the last sample counts. */
export const MIN_SAMPLE_PERCENT = 70;

/**
 * Sizes the pool to the work waiting: enough nodes for the pending tasks (active + running) given
 * the task slots per node, between the configured bounds; zero nodes when nothing is pending and
 * the minimum is zero. Spot nodes take the configured share, rounded down so small pools stay
 * dedicated. Nodes are released only when their tasks complete.
 */
export function autoscaleFormula(input: AutoscaleInput): string {
  const spot = spotShareOf(input);
  return [
    `$minNodes = ${input.minNodes};`,
    `$maxNodes = ${input.maxNodes};`,
    `$slotsPerNode = ${input.taskSlotsPerNode};`,
    `$spotShare = ${spot};`,
    `$samplePercent = $PendingTasks.GetSamplePercent(TimeInterval_Minute * ${input.windowMinutes});`,
    `$lastPending = max(0, $PendingTasks.GetSample(1));`,
    `$pending = $samplePercent < ${MIN_SAMPLE_PERCENT} ? $lastPending : max($lastPending, avg($PendingTasks.GetSample(TimeInterval_Minute * ${input.windowMinutes})));`,
    `$needed = $pending == 0 ? 0 : ceil($pending / $slotsPerNode);`,
    `$total = min($maxNodes, max($minNodes, $needed));`,
    `$TargetLowPriorityNodes = floor($total * $spotShare);`,
    `$TargetDedicatedNodes = $total - $TargetLowPriorityNodes;`,
    `$NodeDeallocationOption = taskcompletion;`,
  ].join("\n");
}

/** ISO 8601 duration for the evaluation interval (Batch refuses less than 5 minutes). */
export function autoscaleInterval(minutes: number): string {
  if (minutes < 5) throw new Error("autoscale evaluation interval must be at least 5 minutes");
  return `PT${minutes}M`;
}

/**
 * What the formula decides for a given number of pending tasks, computed the way Batch evaluates
 * it. Used by the tests to check behaviour (scale to zero, bounds, Spot split) rather than text.
 */
export function evaluateAutoscale(input: AutoscaleInput, pending: number): { dedicated: number; spot: number } {
  const needed = pending === 0 ? 0 : Math.ceil(pending / input.taskSlotsPerNode);
  const total = Math.min(input.maxNodes, Math.max(input.minNodes, needed));
  const spot = Math.floor(total * spotShareOf(input));
  return { dedicated: total - spot, spot };
}
