/**
 * The proof of concept through the Azure CLI, step for step as the Batch quickstart types it.
 * `az batch` has no waiter, so the waits poll `pool show` / `node list` / `task list` as a user
 * would. One task is added with `--task-id`, the rest with `--json-file` (an add collection), so
 * both ways of `task create` are exercised.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { azCli } from "./az-cli";
import {
  BatchConnection,
  POC_POOL,
  PRINT_BATCH_ENV,
  PocErrors,
  PocOutcome,
  PocPlan,
  PocTask,
  WRONG_KEY,
  pollUntil,
} from "./poc-outcome";

interface AzTaskSummary {
  id: string;
  state: string;
  exitCode: number | null;
  nodeId: string | null;
}

const TASK_SUMMARY = "{id:id,state:state,exitCode:executionInfo.exitCode,nodeId:nodeInfo.nodeId}";

function toPocTask(t: AzTaskSummary): PocTask {
  return { id: t.id, state: t.state, exitCode: t.exitCode ?? undefined, nodeId: t.nodeId ?? undefined };
}

export async function runAzPoc(conn: BatchConnection, plan: PocPlan, timeoutMs: number): Promise<PocOutcome> {
  const az = azCli(conn);
  const workDir = mkdtempSync(join(tmpdir(), "az-poc-"));
  try {
    const { poolId, jobId } = plan;
    const [firstId = "", ...restIds] = plan.taskIds;
    await az.ok([
      "batch",
      "pool",
      "create",
      "--id",
      poolId,
      "--vm-size",
      POC_POOL.vmSize,
      "--target-dedicated-nodes",
      String(plan.nodes),
      "--image",
      POC_POOL.imageUrn,
      "--node-agent-sku-id",
      POC_POOL.nodeAgentSkuId,
    ]);

    const ready = await pollUntil(
      "a steady pool with idle nodes",
      async () => {
        const allocationState = await az.json<string>([
          "batch",
          "pool",
          "show",
          "--pool-id",
          poolId,
          "--query",
          "allocationState",
        ]);
        if (allocationState !== "steady") return undefined;
        const nodes = await az.json<{ id: string; state: string }[]>([
          "batch",
          "node",
          "list",
          "--pool-id",
          poolId,
          "--query",
          "[].{id:id,state:state}",
        ]);
        return nodes.length === plan.nodes && nodes.every((n) => n.state === "idle")
          ? { allocationState, nodes }
          : undefined;
      },
      timeoutMs,
      1000,
    );

    await az.ok(["batch", "job", "create", "--id", jobId, "--pool-id", poolId]);
    await az.ok([
      "batch",
      "task",
      "create",
      "--job-id",
      jobId,
      "--task-id",
      firstId,
      "--command-line",
      PRINT_BATCH_ENV,
    ]);
    const tasksFile = join(workDir, "tasks.json");
    writeFileSync(tasksFile, JSON.stringify(restIds.map((id) => ({ id, commandLine: PRINT_BATCH_ENV }))));
    const added = await az.json<{ taskId: string; status: string }[]>([
      "batch",
      "task",
      "create",
      "--job-id",
      jobId,
      "--json-file",
      tasksFile,
    ]);
    if (added.some((r) => r.status !== "success")) throw new Error(`tasks not added: ${JSON.stringify(added)}`);

    const tasks = await pollUntil(
      "all tasks completed",
      async () => {
        const list = await az.json<AzTaskSummary[]>([
          "batch",
          "task",
          "list",
          "--job-id",
          jobId,
          "--query",
          `[].${TASK_SUMMARY}`,
        ]);
        return list.length === plan.taskIds.length && list.every((t) => t.state === "completed") ? list : undefined;
      },
      timeoutMs,
      1000,
    );

    const shown = await az.json<{
      id: string;
      state: string;
      commandLine: string;
      executionInfo: { exitCode: number | null } | null;
    }>(["batch", "task", "show", "--job-id", jobId, "--task-id", firstId]);
    const files = await az.json<string[]>([
      "batch",
      "task",
      "file",
      "list",
      "--job-id",
      jobId,
      "--task-id",
      firstId,
      "--recursive",
      "true",
      "--query",
      "[?!isDirectory].name",
    ]);
    const stdout: Record<string, string> = {};
    for (const id of plan.taskIds) {
      const destination = join(workDir, `${id}.stdout.txt`);
      await az.ok([
        "batch",
        "task",
        "file",
        "download",
        "--job-id",
        jobId,
        "--task-id",
        id,
        "--file-path",
        "stdout.txt",
        "--destination",
        destination,
      ]);
      stdout[id] = readFileSync(destination, "utf8");
    }

    const outcome: PocOutcome = {
      allocationState: ready.allocationState,
      nodeIds: ready.nodes.map((n) => n.id),
      tasks: tasks.map(toPocTask),
      shown: {
        id: shown.id,
        state: shown.state,
        commandLine: shown.commandLine,
        exitCode: shown.executionInfo?.exitCode ?? undefined,
      },
      files,
      stdout,
    };

    await az.ok(["batch", "job", "delete", "--job-id", jobId, "--yes"]);
    await az.ok(["batch", "pool", "delete", "--pool-id", poolId, "--yes"]);
    return outcome;
  } finally {
    az.dispose();
    rmSync(workDir, { recursive: true, force: true });
  }
}

export async function azPocErrors(conn: BatchConnection, plan: PocPlan): Promise<PocErrors> {
  const az = azCli(conn);
  try {
    return {
      missingJob: await az.error(["batch", "job", "show", "--job-id", `no-such-${plan.jobId}`]),
      wrongKey: await az.error(["batch", "job", "show", "--job-id", plan.jobId], WRONG_KEY),
    };
  } finally {
    az.dispose();
  }
}
