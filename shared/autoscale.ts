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

/** The Spot share as the formula writes it: a whole percentage, so the split is exact integer arithmetic. */
function spotPercentOf(input: AutoscaleInput): number {
  return Math.round(input.spotShare * 100);
}

/** Below this share of samples in the window, the history is not trusted and only the last sample counts. */
export const MIN_SAMPLE_PERCENT = 70;

/**
 * Statements that set `target` to the whole part of `value`, for 0 <= value <= bound.
 *
 * Batch documents no floor, ceil or round for formulas (and does not document how it rounds a
 * fractional target), so the whole part is built from documented operators only: take each power
 * of two, largest first, while it still fits. One statement per binary digit of `bound`.
 */
export function wholePartStatements(target: string, value: string, bound: number): string[] {
  const statements = [`${target} = 0;`];
  let power = 1;
  while (power * 2 <= bound) power *= 2;
  for (; power >= 1; power /= 2) {
    // Parenthesised throughout: the documentation gives no operator precedence.
    statements.push(`${target} = ((${value} - ${target}) >= ${power}) ? (${target} + ${power}) : ${target};`);
  }
  return statements;
}

/**
 * Sizes the pool to the work waiting: enough nodes for the pending tasks (active + running) given
 * the task slots per node (rounded up), between the configured bounds; zero nodes when nothing is
 * pending and the minimum is zero. Spot nodes take the configured share, rounded down so small
 * pools stay dedicated. Nodes are released only when their tasks complete.
 */
export function autoscaleFormula(input: AutoscaleInput): string {
  return [
    `$minNodes = ${input.minNodes};`,
    `$maxNodes = ${input.maxNodes};`,
    `$slotsPerNode = ${input.taskSlotsPerNode};`,
    `$samplePercent = $PendingTasks.GetSamplePercent(TimeInterval_Minute * ${input.windowMinutes});`,
    `$lastPending = max(0, $PendingTasks.GetSample(1));`,
    `$pending = ($samplePercent < ${MIN_SAMPLE_PERCENT}) ? $lastPending : max($lastPending, avg($PendingTasks.GetSample(TimeInterval_Minute * ${input.windowMinutes})));`,
    // Capped before rounding: the cap is a whole number, so rounding up cannot pass it.
    `$nodesForPending = min($maxNodes, $pending / $slotsPerNode);`,
    ...wholePartStatements("$needed", "$nodesForPending", input.maxNodes),
    `$needed = ($nodesForPending > $needed) ? ($needed + 1) : $needed;`,
    `$total = max($minNodes, $needed);`,
    ...preemptibleSplitStatements(input),
    `$NodeDeallocationOption = taskcompletion;`,
  ].join("\n");
}

/**
 * Splits `$total` into dedicated and Spot nodes. Without a Spot share the formula sets the
 * preemptible target to a literal 0, so a reader (and the policy pack) sees at once that the pool
 * asks for no Spot or low-priority nodes.
 */
function preemptibleSplitStatements(input: AutoscaleInput): string[] {
  const spotPercent = spotPercentOf(input);
  if (spotPercent === 0) return [`$TargetLowPriorityNodes = 0;`, `$TargetDedicatedNodes = $total;`];
  return [
    `$spotPercent = ${spotPercent};`,
    // Whole nodes times a whole percentage, then one division: exact, unlike $total * 0.29.
    `$spotNodes = ($total * $spotPercent) / 100;`,
    ...wholePartStatements("$spot", "$spotNodes", input.maxNodes),
    `$TargetLowPriorityNodes = $spot;`,
    `$TargetDedicatedNodes = $total - $spot;`,
  ];
}

/** ISO 8601 duration for the evaluation interval (Batch refuses less than 5 minutes). */
export function autoscaleInterval(minutes: number): string {
  if (minutes < 5) throw new Error("autoscale evaluation interval must be at least 5 minutes");
  return `PT${minutes}M`;
}
