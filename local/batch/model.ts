/**
 * The REST shapes the local Batch service reads and writes: the subset of the Batch data-plane
 * API (2022-10-01.16.0 … 2025-06-01) it implements, named and cased as Batch names them.
 */
import type { OutputFile, ResourceFile, TaskFailureInfo } from "../task-files/types";

export type { OutputFile, ResourceFile, TaskFailureInfo };

export interface NameValue {
  name: string;
  value?: string;
}

export interface ApplicationPackageReference {
  applicationId: string;
  version?: string;
}

export interface ImageReference {
  publisher?: string;
  offer?: string;
  sku?: string;
  version?: string;
  virtualMachineImageId?: string;
}

export interface StartTask {
  commandLine: string;
  resourceFiles?: ResourceFile[];
  environmentSettings?: NameValue[];
  userIdentity?: unknown;
  maxTaskRetryCount?: number;
  waitForSuccess?: boolean;
}

export interface TaskConstraints {
  maxWallClockTime?: string;
  retentionTime?: string;
  maxTaskRetryCount?: number;
}

export interface JobConstraints {
  maxWallClockTime?: string;
  maxTaskRetryCount?: number;
}

export type NodeFillType = "spread" | "pack";

export interface PoolBody {
  id: string;
  displayName?: string;
  vmSize: string;
  virtualMachineConfiguration?: { imageReference: ImageReference; nodeAgentSKUId: string; [k: string]: unknown };
  targetDedicatedNodes?: number;
  targetLowPriorityNodes?: number;
  enableAutoScale?: boolean;
  autoScaleFormula?: string;
  autoScaleEvaluationInterval?: string;
  resizeTimeout?: string;
  taskSlotsPerNode?: number;
  taskSchedulingPolicy?: { nodeFillType: string };
  startTask?: StartTask;
  applicationPackageReferences?: ApplicationPackageReference[];
  metadata?: NameValue[];
  enableInterNodeCommunication?: boolean;
  [k: string]: unknown;
}

/** The last autoscale run, as Batch reports it on the pool and from evaluateautoscale. */
export interface AutoScaleRun {
  timestamp: string;
  results?: string;
  error?: { code: string; message: string; values?: { name: string; value: string }[] };
}

export type AllocationState = "steady" | "resizing" | "stopping";

export interface Pool extends PoolBody {
  url: string;
  eTag: string;
  lastModified: string;
  creationTime: string;
  state: "active" | "deleting";
  stateTransitionTime: string;
  allocationState: AllocationState;
  allocationStateTransitionTime: string;
  currentDedicatedNodes: number;
  currentLowPriorityNodes: number;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  enableAutoScale: boolean;
  taskSlotsPerNode: number;
  taskSchedulingPolicy: { nodeFillType: NodeFillType };
  enableInterNodeCommunication: boolean;
  autoScaleRun?: AutoScaleRun;
  resizeErrors?: { code: string; message: string }[];
}

export type NodeState =
  | "creating"
  | "starting"
  | "waitingforstarttask"
  | "idle"
  | "running"
  | "starttaskfailed"
  | "leavingpool"
  | "unusable"
  | "preempted"
  | "rebooting"
  | "reimaging"
  | "offline";

export interface StartTaskInfo {
  state: "running" | "completed";
  startTime: string;
  endTime?: string;
  exitCode?: number;
  result?: "success" | "failure";
  retryCount: number;
  lastRetryTime?: string;
  failureInfo?: TaskFailureInfo;
}

export interface ComputeNode {
  id: string;
  url: string;
  state: NodeState;
  schedulingState: "enabled" | "disabled";
  stateTransitionTime: string;
  lastBootTime?: string;
  allocationTime: string;
  ipAddress: string;
  affinityId: string;
  vmSize: string;
  totalTasksRun: number;
  runningTasksCount: number;
  runningTaskSlotsCount: number;
  totalTasksSucceeded: number;
  isDedicated: boolean;
  startTask?: StartTask;
  startTaskInfo?: StartTaskInfo;
  nodeAgentInfo: { version: string; lastUpdateTime: string };
  virtualMachineInfo: { imageReference: ImageReference };
  errors?: ComputeNodeError[];
  /**
   * Not Batch's, never sent: when a preempted node (`--faults preempt`) is due back. Kept in the
   * state, so that a restart neither cuts the preemption short nor makes it last forever.
   */
  preemptedUntil?: string;
}

/** Batch's ComputeNodeError: what keeps a node from running tasks. */
export interface ComputeNodeError {
  code: string;
  message: string;
  errorDetails?: { name: string; value: string }[];
}

export type JobState = "active" | "disabling" | "disabled" | "enabling" | "terminating" | "completed" | "deleting";
export type OnAllTasksComplete = "noaction" | "terminatejob";
export type OnTaskFailure = "noaction" | "performexitoptionsjobaction";

export interface JobBody {
  id: string;
  displayName?: string;
  priority?: number;
  maxParallelTasks?: number;
  constraints?: JobConstraints;
  poolInfo: { poolId?: string; autoPoolSpecification?: unknown };
  onAllTasksComplete?: OnAllTasksComplete;
  onTaskFailure?: OnTaskFailure;
  commonEnvironmentSettings?: NameValue[];
  metadata?: NameValue[];
  usesTaskDependencies?: boolean;
  jobManagerTask?: JobManagerTask;
  jobPreparationTask?: JobPreparationTask;
  jobReleaseTask?: JobReleaseTask;
  [k: string]: unknown;
}

/** The parts of a job's special tasks this service runs; other properties are echoed. */
export interface JobManagerTask {
  id: string;
  commandLine: string;
  killJobOnCompletion?: boolean;
  runExclusive?: boolean;
  [k: string]: unknown;
}

export interface JobPreparationTask {
  id?: string;
  commandLine: string;
  resourceFiles?: ResourceFile[];
  environmentSettings?: NameValue[];
  constraints?: TaskConstraints;
  waitForSuccess?: boolean;
  rerunOnNodeRebootAfterSuccess?: boolean;
  [k: string]: unknown;
}

export interface JobReleaseTask {
  id?: string;
  commandLine: string;
  resourceFiles?: ResourceFile[];
  environmentSettings?: NameValue[];
  maxWallClockTime?: string;
  retentionTime?: string;
  [k: string]: unknown;
}

export interface Job extends JobBody {
  url: string;
  eTag: string;
  lastModified: string;
  creationTime: string;
  state: JobState;
  stateTransitionTime: string;
  previousState?: JobState;
  previousStateTransitionTime?: string;
  priority: number;
  maxParallelTasks: number;
  onAllTasksComplete: OnAllTasksComplete;
  onTaskFailure: OnTaskFailure;
  executionInfo: {
    startTime: string;
    endTime?: string;
    poolId?: string;
    terminateReason?: string;
    /** Batch's JobSchedulingError; here also why a deleted job's files could not be removed. */
    schedulingError?: { category: "usererror" | "servererror"; code: string; message: string };
  };
}

export type TaskState = "active" | "preparing" | "running" | "completed";

export interface ExitOptions {
  jobAction?: "none" | "disable" | "terminate";
  dependencyAction?: string;
}

export interface TaskBody {
  id: string;
  displayName?: string;
  commandLine: string;
  resourceFiles?: ResourceFile[];
  outputFiles?: OutputFile[];
  environmentSettings?: NameValue[];
  constraints?: TaskConstraints;
  requiredSlots?: number;
  applicationPackageReferences?: ApplicationPackageReference[];
  exitConditions?: {
    exitCodes?: { code: number; exitOptions: ExitOptions }[];
    default?: ExitOptions;
    [k: string]: unknown;
  };
  multiInstanceSettings?: MultiInstanceSettings;
  [k: string]: unknown;
}

/** A task that runs on several nodes at once (MPI): the coordination command on all, the task's command on the primary. */
export interface MultiInstanceSettings {
  numberOfInstances: number;
  coordinationCommandLine: string;
  commonResourceFiles?: ResourceFile[];
}

export interface TaskExecutionInfo {
  startTime?: string;
  endTime?: string;
  exitCode?: number;
  result?: "success" | "failure";
  failureInfo?: TaskFailureInfo;
  retryCount: number;
  lastRetryTime?: string;
  requeueCount: number;
  lastRequeueTime?: string;
}

export interface Task extends TaskBody {
  url: string;
  eTag: string;
  lastModified: string;
  creationTime: string;
  state: TaskState;
  stateTransitionTime: string;
  previousState?: TaskState;
  previousStateTransitionTime?: string;
  requiredSlots: number;
  constraints: Required<Pick<TaskConstraints, "maxWallClockTime" | "retentionTime" | "maxTaskRetryCount">>;
  executionInfo: TaskExecutionInfo;
  nodeInfo?: {
    affinityId: string;
    nodeUrl: string;
    poolId: string;
    nodeId: string;
    taskRootDirectory: string;
    taskRootDirectoryUrl: string;
  };
}

type NodeInfo = NonNullable<Task["nodeInfo"]>;

/** One instance of a multi-instance task other than the primary, as `subtasksinfo` lists it. */
export interface SubtaskInformation {
  id: number;
  nodeInfo: NodeInfo;
  state: "preparing" | "running" | "completed";
  stateTransitionTime: string;
  previousState?: SubtaskInformation["state"];
  previousStateTransitionTime?: string;
  startTime?: string;
  endTime?: string;
  exitCode?: number;
  result?: "success" | "failure";
  failureInfo?: TaskFailureInfo;
}

export interface TaskCounts {
  active: number;
  running: number;
  completed: number;
  succeeded: number;
  failed: number;
}

export interface Application {
  id: string;
  displayName: string;
  versions: string[];
}

export type JobScheduleState = "active" | "disabled" | "terminating" | "completed" | "deleting";

export interface Schedule {
  doNotRunUntil?: string;
  doNotRunAfter?: string;
  startWindow?: string;
  recurrenceInterval?: string;
}

/** A job schedule (CloudJobSchedule), as Batch returns it. */
export interface JobSchedule {
  id: string;
  displayName?: string;
  url: string;
  eTag: string;
  lastModified: string;
  creationTime: string;
  state: JobScheduleState;
  stateTransitionTime: string;
  previousState?: JobScheduleState;
  previousStateTransitionTime?: string;
  schedule: Schedule;
  jobSpecification: Record<string, unknown>;
  metadata?: NameValue[];
  executionInfo: { nextRunTime?: string; recentJob?: { id: string; url: string }; endTime?: string };
}
