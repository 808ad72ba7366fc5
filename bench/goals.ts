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
