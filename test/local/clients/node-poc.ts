/** The proof of concept through the real @azure/batch client, as a Node application would drive it. */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import {
  BatchConnection,
  ClientError,
  POC_POOL,
  PRINT_BATCH_ENV,
  PocErrors,
  PocOutcome,
  PocPlan,
  WRONG_KEY,
  pollUntil,
} from "./poc-outcome";

function clientFor(conn: BatchConnection, key = conn.accountKey): BatchServiceClient {
  return new BatchServiceClient(new BatchSharedKeyCredentials(conn.accountName, key), conn.endpoint);
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  body?: { message?: { value?: string } };
}

/** @azure/batch rejects with a RestError whose `message` is Batch's `{lang, value}` object, not a string. */
async function errorOf(call: () => Promise<unknown>): Promise<ClientError> {
  try {
    await call();
  } catch (err) {
    const e = err as RestErrorLike;
    return { status: e.statusCode, code: e.code, message: e.body?.message?.value ?? String(err) };
  }
  throw new Error("the request was expected to fail but succeeded");
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) throw new Error("file download returned no body");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

export async function runNodePoc(conn: BatchConnection, plan: PocPlan, timeoutMs: number): Promise<PocOutcome> {
  const client = clientFor(conn);
  await client.pool.add({
    id: plan.poolId,
    vmSize: POC_POOL.vmSize,
    targetDedicatedNodes: plan.nodes,
    virtualMachineConfiguration: {
      imageReference: { ...POC_POOL.image },
      nodeAgentSKUId: POC_POOL.nodeAgentSkuId,
    },
  });

  const ready = await pollUntil(
    "a steady pool with idle nodes",
    async () => {
      const pool = await client.pool.get(plan.poolId);
      if (pool.allocationState !== "steady") return undefined;
      const nodes = await client.computeNode.list(plan.poolId);
      const idle = nodes.filter((n) => n.state === "idle");
      return idle.length === plan.nodes ? { pool, nodes } : undefined;
    },
    timeoutMs,
  );

  await client.job.add({ id: plan.jobId, poolInfo: { poolId: plan.poolId } });
  const added = await client.task.addCollection(
    plan.jobId,
    plan.taskIds.map((id) => ({ id, commandLine: PRINT_BATCH_ENV })),
  );
  const failedAdds = (added.value ?? []).filter((r) => r.status !== "success");
  if (failedAdds.length > 0) throw new Error(`tasks not added: ${JSON.stringify(failedAdds)}`);

  const tasks = await pollUntil(
    "all tasks completed",
    async () => {
      const list = await client.task.list(plan.jobId);
      return list.length === plan.taskIds.length && list.every((t) => t.state === "completed") ? list : undefined;
    },
    timeoutMs,
  );

  const firstId = plan.taskIds[0] ?? "";
  const shown = await client.task.get(plan.jobId, firstId);
  const files = await client.file.listFromTask(plan.jobId, firstId, { recursive: true });
  const stdout: Record<string, string> = {};
  for (const id of plan.taskIds) {
    const response = await client.file.getFromTask(plan.jobId, id, "stdout.txt");
    stdout[id] = await readAll(response.readableStreamBody);
  }

  const outcome: PocOutcome = {
    allocationState: ready.pool.allocationState ?? "",
    nodeIds: ready.nodes.map((n) => n.id ?? ""),
    tasks: tasks.map((t) => ({
      id: t.id ?? "",
      state: t.state ?? "",
      exitCode: t.executionInfo?.exitCode,
      nodeId: t.nodeInfo?.nodeId,
    })),
    shown: {
      id: shown.id ?? "",
      state: shown.state ?? "",
      commandLine: shown.commandLine ?? "",
      exitCode: shown.executionInfo?.exitCode,
    },
    files: files.filter((f) => !f.isDirectory).map((f) => f.name ?? ""),
    stdout,
  };

  await client.job.deleteMethod(plan.jobId);
  await client.pool.deleteMethod(plan.poolId);
  return outcome;
}

export async function nodePocErrors(conn: BatchConnection, plan: PocPlan): Promise<PocErrors> {
  return {
    missingJob: await errorOf(() => clientFor(conn).job.get(`no-such-${plan.jobId}`)),
    wrongKey: await errorOf(() => clientFor(conn, WRONG_KEY).job.get(plan.jobId)),
  };
}
