/**
 * Where a local node's files live, laid out as on a Batch Linux node (under the service's data
 * directory instead of /mnt/batch), and the environment a task on it sees.
 */
import path from "node:path";
import { appPackageEnvVar } from "../../contracts/node-setup";
import type { NameValue } from "./model";

export interface NodeDirs {
  root: string;
  shared: string;
  startup: string;
  startupWorkingDir: string;
  applications: string;
}

/** Where all of a pool's nodes live. */
export function poolDir(dataDir: string, poolId: string): string {
  return path.join(dataDir, "nodes", poolId);
}

export function nodeDirs(dataDir: string, poolId: string, nodeId: string): NodeDirs {
  const root = path.join(poolDir(dataDir, poolId), nodeId);
  return {
    root,
    shared: path.join(root, "shared"),
    startup: path.join(root, "startup"),
    startupWorkingDir: path.join(root, "startup", "wd"),
    applications: path.join(root, "applications"),
  };
}

export interface TaskDirs {
  taskDir: string;
  workingDir: string;
}

/** Where the tasks of one job keep their files on one node. */
export function jobDir(node: NodeDirs, jobId: string): string {
  return path.join(node.root, "workitems", jobId);
}

export function taskDirs(node: NodeDirs, jobId: string, taskId: string): TaskDirs {
  const taskDir = path.join(jobDir(node, jobId), "job-1", taskId);
  return { taskDir, workingDir: path.join(taskDir, "wd") };
}

/**
 * Host variables a task needs to find programs at all; everything else of this machine's
 * environment stays out, as a node agent starts tasks with a clean environment.
 */
const HOST_PASSTHROUGH = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"] as const;

export interface EnvironmentInputs {
  accountName: string;
  accountUrl: string;
  poolId: string;
  nodeId: string;
  isDedicated: boolean;
  node: NodeDirs;
  task?: { jobId: string; taskId: string; dirs: TaskDirs };
  /** Installed application packages: `{applicationId, version, dir}`. */
  packages: { applicationId: string; version: string; dir: string; isDefault: boolean }[];
  /** The job's commonEnvironmentSettings, then the task's own (the task wins). */
  settings: readonly NameValue[];
}

export function taskEnvironment(inp: EnvironmentInputs): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of HOST_PASSTHROUGH) if (process.env[name] !== undefined) env[name] = process.env[name];
  Object.assign(env, {
    AZ_BATCH_ACCOUNT_NAME: inp.accountName,
    AZ_BATCH_ACCOUNT_URL: inp.accountUrl,
    AZ_BATCH_POOL_ID: inp.poolId,
    AZ_BATCH_NODE_ID: inp.nodeId,
    AZ_BATCH_NODE_IS_DEDICATED: String(inp.isDedicated),
    AZ_BATCH_NODE_ROOT_DIR: inp.node.root,
    AZ_BATCH_NODE_SHARED_DIR: inp.node.shared,
    AZ_BATCH_NODE_STARTUP_DIR: inp.node.startup,
    AZ_BATCH_NODE_STARTUP_WORKING_DIR: inp.node.startupWorkingDir,
    AZ_BATCH_TASK_USER: "_azbatch",
  });
  if (inp.task) {
    Object.assign(env, {
      AZ_BATCH_JOB_ID: inp.task.jobId,
      AZ_BATCH_TASK_ID: inp.task.taskId,
      AZ_BATCH_TASK_DIR: inp.task.dirs.taskDir,
      AZ_BATCH_TASK_WORKING_DIR: inp.task.dirs.workingDir,
    });
  } else {
    Object.assign(env, { AZ_BATCH_TASK_DIR: inp.node.startup, AZ_BATCH_TASK_WORKING_DIR: inp.node.startupWorkingDir });
  }
  for (const p of inp.packages) {
    env[appPackageEnvVar(p.applicationId, p.version)] = p.dir;
    if (p.isDefault) env[`AZ_BATCH_APP_PACKAGE_${p.applicationId.replace(/[.#-]/g, "_")}`] = p.dir;
  }
  for (const s of inp.settings) env[s.name] = s.value ?? "";
  return env;
}
