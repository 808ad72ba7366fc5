/** The goals, each checked against the figures of this run. */

export interface Goal {
  goal: string;
  target: number;
  /** "min": the measured value must be at least the target; "max": at most. */
  kind: "min" | "max";
  measured: number | null;
  status: "met" | "missed" | "not measured";
  /** How far off a missed goal is, as a fraction of the target. */
  shortBy?: number;
}

export function goal(name: string, kind: "min" | "max", target: number, measured: number | null | undefined): Goal {
  if (measured === null || measured === undefined || !Number.isFinite(measured))
    return { goal: name, target, kind, measured: null, status: "not measured" };
  const met = kind === "min" ? measured >= target : measured <= target;
  const g: Goal = { goal: name, target, kind, measured, status: met ? "met" : "missed" };
  if (!met) g.shortBy = Math.abs(measured - target) / target;
  return g;
}

/** Peak RSS of the dispatcher planning and submitting the scale section's largest count (100,000 by default). */
export const SUBMIT_PEAK_RSS_MB = 300;
/** Peak RSS planning ten times the photos (1,000,000 by default) over that at the largest count: at most 10 % more. */
export const PLAN_RSS_GROWTH = 1.1;
/** The dispatcher's upload over one uploadFile after another, every request to storage delayed by UPLOAD_GOAL_LATENCY_MS (issue 13): at least 4x. */
export const UPLOAD_VS_SEQUENTIAL = 4;
/** The per-request latency the upload goal is stated at, and the bench's default. */
export const UPLOAD_GOAL_LATENCY_MS = 20;
