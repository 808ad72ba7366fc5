/**
 * What the scheduler and the job preparation/release runner share about a job's process on a
 * node: the environment it starts with, and the failure its outcome amounts to.
 */
import type { TaskFailureInfo } from "../task-files/types";
import type { ServiceConfig } from "./context";
import type { Fleet, InstalledPackage } from "./fleet";
import type { ComputeNode, NameValue, Pool } from "./model";
import { taskEnvironment, type TaskDirs } from "./node-layout";
import type { ProcessOutcome } from "./process-runner";

export interface JobProcessSpec {
  pool: Pool;
  node: ComputeNode;
  jobId: string;
  taskId: string;
  dirs: TaskDirs;
  packages: InstalledPackage[];
  settings: NameValue[];
}

export function jobProcessEnvironment(config: ServiceConfig, fleet: Fleet, spec: JobProcessSpec): NodeJS.ProcessEnv {
  return taskEnvironment({
    accountName: config.accountName,
    accountUrl: config.baseUrl(),
    poolId: spec.pool.id,
    nodeId: spec.node.id,
    isDedicated: spec.node.isDedicated,
    node: fleet.dirs(spec.pool, spec.node),
    task: { jobId: spec.jobId, taskId: spec.taskId, dirs: spec.dirs },
    packages: spec.packages,
    settings: spec.settings,
  });
}

/** The failure a finished process means, as a node agent reports it; none for exit code 0. */
export function processFailure(outcome: ProcessOutcome): TaskFailureInfo | undefined {
  if (outcome.startError) return { category: "usererror", code: "CommandProgramNotFound", message: outcome.startError };
  if (outcome.timedOut)
    return {
      category: "usererror",
      code: "MaxWallClockTimeExpiry",
      message: "The task exceeded its maximum wall clock time and was terminated.",
    };
  if (outcome.exitCode !== 0)
    return {
      category: "usererror",
      code: "FailureExitCode",
      message: "The task process exited with an unexpected exit code",
    };
  return undefined;
}
