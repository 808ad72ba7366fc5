/**
 * The classic Azure Batch proof of concept as every client must see it: the same scenario,
 * driven through @azure/batch, the Azure CLI and the Python SDK, is reduced to one
 * `PocOutcome` so that the three fidelity tests hold each client to the same expectations.
 */
import { NODE_AGENT_SKU, UBUNTU_2404_IMAGE } from "../../../shared/pool-spec";

/** Where a client reaches the Batch service, as `npm run local` prints it. */
export interface BatchConnection {
  endpoint: string;
  accountName: string;
  accountKey: string;
}

/** What the scenario creates. Ids differ per client so that a failure names its client. */
export interface PocPlan {
  poolId: string;
  jobId: string;
  nodes: number;
  taskIds: string[];
}

/** A refused request as the client itself reports it. */
export interface ClientError {
  status: number | undefined;
  code: string | undefined;
  message: string;
}

export interface PocTask {
  id: string;
  state: string;
  exitCode: number | undefined;
  nodeId: string | undefined;
}

export interface PocOutcome {
  allocationState: string;
  nodeIds: string[];
  tasks: PocTask[];
  shown: { id: string; state: string; commandLine: string; exitCode: number | undefined };
  /** Non-directory entries of the first task's directory, listed recursively. */
  files: string[];
  /** stdout.txt of every task, downloaded through the client. */
  stdout: Record<string, string>;
}

/** The two refusals every client must report as Batch reports them. */
export interface PocErrors {
  /** Getting a job that does not exist. */
  missingJob: ClientError;
  /** Getting the plan's job id with requests signed by WRONG_KEY. */
  wrongKey: ClientError;
}

/** Bash is named explicitly: Batch runs the command line without a shell. */
export const PRINT_BATCH_ENV = "/bin/bash -c 'printenv | grep AZ_BATCH'";

/** The quickstart's pool: the image and node agent the project's own pools use. */
export const POC_POOL = {
  vmSize: "Standard_D2s_v5",
  image: UBUNTU_2404_IMAGE,
  /** `publisher:offer:sku`, as `az batch pool create --image` and batch_poc.py take it. */
  imageUrn: `${UBUNTU_2404_IMAGE.publisher}:${UBUNTU_2404_IMAGE.offer}:${UBUNTU_2404_IMAGE.sku}`,
  nodeAgentSkuId: NODE_AGENT_SKU,
} as const;

/** Base64 of a key that is not the account's: the service must refuse its signatures. */
export const WRONG_KEY = Buffer.from("not the key of the local Batch account").toString("base64");

export function pocPlan(client: string, nodes = 2, tasks = 4): PocPlan {
  return {
    poolId: `${client}-pool`,
    jobId: `${client}-job`,
    nodes,
    taskIds: Array.from({ length: tasks }, (_, i) => `task${i + 1}`),
  };
}

/** Keeps tests readable when a poll never reaches its goal: the last value is in the error. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function envValue(stdout: string, name: string): string | undefined {
  const match = new RegExp(`^${name}=(.*)$`, "m").exec(stdout);
  return match?.[1];
}

/** The expectations shared by all three clients. */
export function expectPocOutcome(outcome: PocOutcome, plan: PocPlan): void {
  expect(outcome.allocationState).toBe("steady");
  expect(outcome.nodeIds).toHaveLength(plan.nodes);

  expect(outcome.tasks.map((t) => t.id).sort()).toEqual([...plan.taskIds].sort());
  for (const task of outcome.tasks) {
    expect(task).toMatchObject({ state: "completed", exitCode: 0 });
    expect(outcome.nodeIds).toContain(task.nodeId);
  }
  const usedNodes = new Set(outcome.tasks.map((t) => t.nodeId));
  expect(usedNodes.size).toBeGreaterThanOrEqual(2);

  const first = plan.taskIds[0] ?? "";
  expect(outcome.shown).toEqual({ id: first, state: "completed", commandLine: PRINT_BATCH_ENV, exitCode: 0 });
  expect(outcome.files).toEqual(expect.arrayContaining(["stdout.txt", "stderr.txt"]));

  for (const task of outcome.tasks) {
    const stdout = outcome.stdout[task.id] ?? "";
    expect(envValue(stdout, "AZ_BATCH_TASK_ID")).toBe(task.id);
    expect(envValue(stdout, "AZ_BATCH_JOB_ID")).toBe(plan.jobId);
    expect(envValue(stdout, "AZ_BATCH_POOL_ID")).toBe(plan.poolId);
    expect(envValue(stdout, "AZ_BATCH_NODE_ID")).toBe(task.nodeId);
  }
}

export function expectPocErrors(errors: PocErrors): void {
  expect(errors.missingJob).toMatchObject({ status: 404, code: "JobNotFound" });
  expect(errors.missingJob.message).toMatch(/^The specified job does not exist\./);
  expect(errors.wrongKey).toMatchObject({ status: 403, code: "AuthenticationFailed" });
}
