/**
 * What the dispatcher needs to know of the pool: how many task slots it can offer (to plan), and
 * whether it can run tasks at all (to fail fast with a message that says what to do).
 */
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";

export type PoolNode = Pick<BatchServiceModels.ComputeNode, "id" | "state" | "startTaskInfo" | "errors">;

/** Every node of the pool, page by page. */
export async function listNodes(client: BatchServiceClient, poolId: string): Promise<PoolNode[]> {
  const nodes: PoolNode[] = [];
  let page = await client.computeNode.list(poolId, {
    computeNodeListOptions: { select: "id,state,startTaskInfo,errors" },
  });
  nodes.push(...page);
  while (page.odatanextLink) {
    const next = page.odatanextLink;
    page = await client.computeNode.listNext(next);
    nodes.push(...page);
  }
  return nodes;
}

/** The most nodes the pool will have: its autoscale formula's `$maxNodes`, else its current or target size. */
export function poolNodeCeiling(pool: BatchServiceModels.CloudPool): number {
  const current = (pool.currentDedicatedNodes ?? 0) + (pool.currentLowPriorityNodes ?? 0);
  const target = (pool.targetDedicatedNodes ?? 0) + (pool.targetLowPriorityNodes ?? 0);
  const formulaMax = pool.enableAutoScale
    ? Number(/\$maxNodes\s*=\s*(\d+)\s*;/.exec(pool.autoScaleFormula ?? "")?.[1] ?? NaN)
    : NaN;
  return Math.max(1, current, target, Number.isFinite(formulaMax) ? formulaMax : 0);
}

/** Task slots the pool offers once grown: what the planner spreads photos over. */
export function poolCapacity(pool: BatchServiceModels.CloudPool): number {
  return poolNodeCeiling(pool) * (pool.taskSlotsPerNode ?? 1);
}

/** States in which a node runs no task until someone acts; `deallocated` is new in API 2025-06-01. */
const DEAD_STATES = new Set(["starttaskfailed", "unusable", "offline", "unknown", "deallocated"]);
const WORKING_STATES = new Set(["idle", "running"]);

/**
 * Why this pool cannot run the job's tasks, or undefined while it can (or may yet: nodes starting,
 * autoscale about to add nodes).
 */
export function poolProblem(pool: BatchServiceModels.CloudPool, nodes: readonly PoolNode[]): string | undefined {
  const id = pool.id ?? "the pool";
  if (pool.state === "deleting")
    return `pool ${id} is being deleted; deploy it again (pulumi up) and re-run with the same --job-id`;
  const working = nodes.filter((n) => WORKING_STATES.has(n.state ?? ""));
  const starting = nodes.filter((n) => !DEAD_STATES.has(n.state ?? "") && !WORKING_STATES.has(n.state ?? ""));
  if (working.length > 0 || starting.length > 0) return undefined;
  const dead = nodes.filter((n) => DEAD_STATES.has(n.state ?? ""));
  if (dead.length > 0) {
    const failed = dead.filter((n) => n.state === "starttaskfailed");
    if (failed.length > 0) {
      const first = failed[0]?.startTaskInfo;
      const why = first?.failureInfo?.message ?? (first?.exitCode !== undefined ? `exit code ${first.exitCode}` : "");
      return `pool ${id} cannot run tasks: the start task failed on ${failed.length} of ${nodes.length} node(s)${why ? ` (${why})` : ""}; read startup/stderr.txt on a node (az batch node file download), fix the start task, redeploy, and re-run with the same --job-id`;
    }
    const states: string[] = [...new Set(dead.map((n) => String(n.state)))];
    const action = states.every((s) => s === "deallocated")
      ? "start them (az batch node start)"
      : "reboot or remove them (az batch node reboot)";
    return `pool ${id} cannot run tasks: all ${nodes.length} node(s) are ${states.join("/")}; ${action} and re-run with the same --job-id`;
  }
  const target = (pool.targetDedicatedNodes ?? 0) + (pool.targetLowPriorityNodes ?? 0);
  if (!pool.enableAutoScale && target === 0 && pool.allocationState === "steady") {
    const resize = pool.resizeErrors?.[0];
    return `pool ${id} has no nodes and no autoscale${resize ? ` (resize error: ${resize.code} ${resize.message})` : ""}; resize it (az batch pool resize --pool-id ${id} --target-dedicated-nodes 1) or enable autoscale, then re-run with the same --job-id`;
  }
  if (pool.allocationState === "steady" && target > 0 && pool.resizeErrors?.length) {
    const resize = pool.resizeErrors[0];
    return `pool ${id} could not get nodes: ${resize?.code} ${resize?.message}; check the Batch account's quota for ${pool.vmSize}`;
  }
  return undefined;
}
