/**
 * What the local service samples for a pool's autoscale formula: the task and node counts Batch
 * defines as service variables, read from the service's own state.
 *
 * The resource metrics ($CPUPercent, $MemoryBytes, $Disk*, $Network*, $WallClockSeconds) are not
 * sampled: local nodes share one machine's processes, so a per-node figure would be made up. A
 * formula that reads them gets Batch's InsufficientSampleData error, the same as on a pool
 * whose metrics have not arrived yet.
 */
import type { SampledVariable } from "../../shared/autoscale-language/vocabulary";
import type { Pool } from "./model";
import { key, type BatchState } from "./state";

export type PoolMetrics = Partial<Record<SampledVariable, number>>;

/** Nodes that can run tasks now. */
const USABLE = new Set(["idle", "running"]);

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
  const nodes = [...state.poolNodes(pool.id).values()].filter((n) => n.state !== "leavingpool");
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
