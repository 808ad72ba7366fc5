/** `GET /nodecounts`: each pool's nodes counted by state, dedicated and Spot/low-priority apart. */
import type { ComputeNode, NodeState } from "./model";

/** Batch's NodeCounts (2025-06-01): every state it counts, whether or not a local node reaches it. */
export interface NodeCounts {
  creating: number;
  idle: number;
  offline: number;
  preempted: number;
  rebooting: number;
  reimaging: number;
  running: number;
  starting: number;
  startTaskFailed: number;
  leavingPool: number;
  unknown: number;
  unusable: number;
  waitingForStartTask: number;
  deallocated: number;
  deallocating: number;
  upgradingOS: number;
  total: number;
}

export interface PoolNodeCounts {
  poolId: string;
  dedicated: NodeCounts;
  lowPriority: NodeCounts;
}

/** Node states are lower case on the wire; the counts are named in camel case. */
const COUNTED_AS: Record<NodeState, keyof NodeCounts> = {
  creating: "creating",
  starting: "starting",
  waitingforstarttask: "waitingForStartTask",
  idle: "idle",
  running: "running",
  starttaskfailed: "startTaskFailed",
  leavingpool: "leavingPool",
  unusable: "unusable",
  preempted: "preempted",
  rebooting: "rebooting",
  reimaging: "reimaging",
  offline: "offline",
};

function count(nodes: readonly ComputeNode[]): NodeCounts {
  const counts: NodeCounts = {
    creating: 0,
    idle: 0,
    offline: 0,
    preempted: 0,
    rebooting: 0,
    reimaging: 0,
    running: 0,
    starting: 0,
    startTaskFailed: 0,
    leavingPool: 0,
    unknown: 0,
    unusable: 0,
    waitingForStartTask: 0,
    deallocated: 0,
    deallocating: 0,
    upgradingOS: 0,
    total: nodes.length,
  };
  for (const node of nodes) counts[COUNTED_AS[node.state]] += 1;
  return counts;
}

export function poolNodeCounts(poolId: string, nodes: Iterable<ComputeNode>): PoolNodeCounts {
  const all = [...nodes];
  return {
    poolId,
    dedicated: count(all.filter((n) => n.isDedicated)),
    lowPriority: count(all.filter((n) => !n.isDedicated)),
  };
}
