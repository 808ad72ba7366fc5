/**
 * What the local service samples for a pool's autoscale formula: the task and node counts Batch
 * defines as service variables, read from the service's own state. The resource metrics are
 * measured from the nodes' processes (node-resources.ts).
 */
import type { SampledVariable } from "../../shared/autoscale-language/vocabulary";
import type { ComputeNode, Pool } from "./model";
import { key, type BatchState } from "./state";

export type PoolMetrics = Partial<Record<SampledVariable, number>>;

/** Nodes that can run tasks now. */
const USABLE = new Set(["idle", "running"]);

/** The pool's nodes, those leaving it aside. */
export const nodesInPool = (state: BatchState, pool: Pool): ComputeNode[] =>
  [...state.poolNodes(pool.id).values()].filter((n) => n.state !== "leavingpool");

export function poolMetrics(state: BatchState, pool: Pool): PoolMetrics {
  let active = 0;
  let running = 0;
  let succeeded = 0;
  let failed = 0;
  for (const job of state.jobs.values()) {
    if (job.poolInfo.poolId === undefined || key(job.poolInfo.poolId) !== key(pool.id)) continue;
    for (const task of state.jobTasks(job.id).all.values()) {
      if (task.state === "active") active++;
      else if (task.state === "running" || task.state === "preparing") running++;
      else if (task.executionInfo.result === "success") succeeded++;
      else failed++;
    }
  }
  const nodes = nodesInPool(state, pool);
  return {
    $ActiveTasks: active,
    $RunningTasks: running,
    $PendingTasks: active + running,
    $SucceededTasks: succeeded,
    $FailedTasks: failed,
    $TaskSlotsPerNode: pool.taskSlotsPerNode,
    $CurrentDedicatedNodes: nodes.filter((n) => n.isDedicated).length,
    $CurrentLowPriorityNodes: nodes.filter((n) => !n.isDedicated).length,
    // Local Spot nodes are never evicted.
    $PreemptedNodeCount: 0,
    $SampleNodeCount: nodes.length,
    $UsableNodeCount: nodes.filter((n) => USABLE.has(n.state)).length,
  };
}
