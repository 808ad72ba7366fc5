/**
 * The names a formula may use, as "Create a formula to automatically scale compute nodes in a
 * Batch pool" lists them. A formula that names anything else is refused before it runs.
 */

/** Read-only service-defined variables: each is a history of samples the service records. */
export const SAMPLED_VARIABLES = [
  "$CPUPercent",
  "$WallClockSeconds",
  "$MemoryBytes",
  "$DiskBytes",
  "$DiskReadBytes",
  "$DiskWriteBytes",
  "$DiskReadOps",
  "$DiskWriteOps",
  "$NetworkInBytes",
  "$NetworkOutBytes",
  "$SampleNodeCount",
  "$ActiveTasks",
  "$RunningTasks",
  "$PendingTasks",
  "$SucceededTasks",
  "$FailedTasks",
  "$TaskSlotsPerNode",
  "$CurrentDedicatedNodes",
  "$CurrentLowPriorityNodes",
  "$PreemptedNodeCount",
  "$UsableNodeCount",
] as const;

export type SampledVariable = (typeof SAMPLED_VARIABLES)[number];

export const isSampledVariable = (name: string): name is SampledVariable =>
  (SAMPLED_VARIABLES as readonly string[]).includes(name);

/** Read-write service-defined variables, in the order Batch lists them first in its results string. */
export const SETTABLE_VARIABLES = [
  "$TargetDedicatedNodes",
  "$TargetLowPriorityNodes",
  "$NodeDeallocationOption",
] as const;

export type SettableVariable = (typeof SETTABLE_VARIABLES)[number];

/** Documented aliases; when a formula sets both, the full name wins. */
export const SETTABLE_ALIASES: Record<string, SettableVariable> = {
  $TargetDedicated: "$TargetDedicatedNodes",
  $TargetLowPriority: "$TargetLowPriorityNodes",
};

export const NODE_DEALLOCATION_OPTIONS = ["requeue", "terminate", "taskcompletion", "retaineddata"] as const;

export type NodeDeallocationOption = (typeof NODE_DEALLOCATION_OPTIONS)[number];

export const isNodeDeallocationOption = (text: string): text is NodeDeallocationOption =>
  (NODE_DEALLOCATION_OPTIONS as readonly string[]).includes(text);

/** The timeinterval constants, in milliseconds (TimeInterval_100ns is a fraction of one). */
export const TIME_INTERVALS: Record<string, number> = {
  TimeInterval_Zero: 0,
  TimeInterval_100ns: 1e-4,
  TimeInterval_Microsecond: 1e-3,
  TimeInterval_Millisecond: 1,
  TimeInterval_Second: 1000,
  TimeInterval_Minute: 60_000,
  TimeInterval_Hour: 3_600_000,
  TimeInterval_Day: 86_400_000,
  TimeInterval_Week: 7 * 86_400_000,
  TimeInterval_Year: 365 * 86_400_000,
};

/** How many arguments each documented function takes: [fewest, most]. */
export const FUNCTION_ARITY: Record<string, [number, number]> = {
  avg: [0, Infinity],
  len: [0, Infinity],
  lg: [1, 1],
  ln: [1, 1],
  log: [1, 1],
  max: [0, Infinity],
  min: [0, Infinity],
  norm: [0, Infinity],
  percentile: [2, 2],
  rand: [0, 0],
  range: [0, Infinity],
  std: [0, Infinity],
  stop: [0, 0],
  sum: [0, Infinity],
  time: [0, 1],
  val: [2, 2],
};

/** The sample variables' methods and their argument counts. */
export const METHOD_ARITY: Record<string, [number, number]> = {
  GetSample: [1, 3],
  GetSamplePercent: [1, 2],
  GetSamplePeriod: [0, 0],
  Count: [0, 0],
  HistoryBeginTime: [0, 0],
};

/** The members of a timestamp. */
export const TIMESTAMP_MEMBERS = ["year", "month", "day", "weekday", "hour", "minute", "second"] as const;

export type TimestampMember = (typeof TIMESTAMP_MEMBERS)[number];

export const isTimestampMember = (name: string): name is TimestampMember =>
  (TIMESTAMP_MEMBERS as readonly string[]).includes(name);

/** Batch's limit on statements in one formula. */
export const MAX_STATEMENTS = 100;
