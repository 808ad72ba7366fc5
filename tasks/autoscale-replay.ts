/**
 * What an autoscale formula would have asked for over a timeline of pending tasks, evaluated by
 * the local evaluator of Batch's formula language, and what that costs in node-hours: a formula
 * tried against a day's workload before a pool pays for it.
 *
 * The replay takes Batch's schedule (a sample every 30 seconds, an evaluation every interval,
 * the first when autoscale is enabled) and assumes nodes arrive and leave at once, so the
 * node-hours are those the targets ask for: a floor under what Azure would bill. The timeline
 * gives pending tasks; the formula reads them as $PendingTasks and, all waiting, as $ActiveTasks.
 */
import { evaluateFormula, wholeNodes } from "../shared/autoscale-language/evaluate";
import { SAMPLE_PERIOD_MS, type Sample } from "../shared/autoscale-language/sample-history";

export interface PendingPoint {
  /** Minutes from the start of the timeline. */
  minute: number;
  pending: number;
}

export interface ReplayStep {
  minute: number;
  pending: number;
  dedicated: number;
  lowPriority: number;
  /** The run's error (code and Batch's "Line, Col" message); the pool keeps its size. */
  error?: string;
}

export interface Replay {
  steps: ReplayStep[];
  dedicatedNodeHours: number;
  lowPriorityNodeHours: number;
}

export interface ReplayOptions {
  formula: string;
  intervalMinutes: number;
  timeline: PendingPoint[];
  /** Replay until this minute; the timeline's last point by default. */
  untilMinute?: number;
  /** The replay's epoch, which time() in the formula sees as minute 0. */
  start?: number;
}

const MINUTE_MS = 60_000;

/** Pending tasks at a minute: the last point at or before it (none before the first point). */
function pendingAt(timeline: PendingPoint[], minute: number): number {
  let pending = 0;
  for (const point of timeline) if (point.minute <= minute) pending = point.pending;
  return pending;
}

export function replayFormula(options: ReplayOptions): Replay {
  const timeline = [...options.timeline].sort((a, b) => a.minute - b.minute);
  const until = options.untilMinute ?? timeline.at(-1)?.minute ?? 0;
  const start = options.start ?? Date.parse("2026-01-05T00:00:00Z");
  const samples: Sample[] = [];
  const steps: ReplayStep[] = [];
  let dedicated = 0;
  let lowPriority = 0;
  let dedicatedMinutes = 0;
  let lowPriorityMinutes = 0;
  const sampleMinutes = SAMPLE_PERIOD_MS / MINUTE_MS;
  const evaluateEvery = Math.round(options.intervalMinutes / sampleMinutes);

  for (let tick = 0; tick * sampleMinutes <= until; tick++) {
    const minute = tick * sampleMinutes;
    const pending = pendingAt(timeline, minute);
    samples.push({ at: start + minute * MINUTE_MS, value: pending });
    if (tick % evaluateEvery === 0) {
      const outcome = evaluateFormula(options.formula, {
        now: start + minute * MINUTE_MS,
        samples: { $PendingTasks: samples, $ActiveTasks: samples },
        current: {
          $CurrentDedicatedNodes: dedicated,
          $CurrentLowPriorityNodes: lowPriority,
          $PendingTasks: pending,
          $ActiveTasks: pending,
        },
        targetDedicatedNodes: dedicated,
        targetLowPriorityNodes: lowPriority,
      });
      if (!outcome.error) {
        dedicated = wholeNodes(outcome.targetDedicatedNodes);
        lowPriority = wholeNodes(outcome.targetLowPriorityNodes);
      }
      const error = outcome.error
        ? `${outcome.error.code}: ${outcome.error.values[0]?.value ?? outcome.error.message}`
        : undefined;
      steps.push({ minute, pending, dedicated, lowPriority, ...(error ? { error } : {}) });
    }
    // The nodes asked for now are held until the next sample.
    if (minute < until) {
      dedicatedMinutes += dedicated * sampleMinutes;
      lowPriorityMinutes += lowPriority * sampleMinutes;
    }
  }
  return { steps, dedicatedNodeHours: dedicatedMinutes / 60, lowPriorityNodeHours: lowPriorityMinutes / 60 };
}

/** The price of one node-hour of the pool's VM size, dedicated and Spot/low-priority. */
export interface NodePrices {
  dedicated: number;
  lowPriority?: number;
}

/**
 * What the node-hours cost, a floor under the bill as the node-hours are; Spot node-hours with no
 * Spot price are left out, and `unpricedLowPriorityNodeHours` says how many.
 */
export function replayCost(replay: Replay, prices: NodePrices): { cost: number; unpricedLowPriorityNodeHours: number } {
  const spotPriced = prices.lowPriority !== undefined;
  return {
    cost: replay.dedicatedNodeHours * prices.dedicated + replay.lowPriorityNodeHours * (prices.lowPriority ?? 0),
    unpricedLowPriorityNodeHours: spotPriced ? 0 : replay.lowPriorityNodeHours,
  };
}
