/**
 * Nodes leaving their pool (a resize down, the pool deleted): their tasks requeued, terminated or
 * waited for as the deallocation option says, then the node's start task ended and its files
 * removed (Fleet.remove). A node whose files could not be removed says so on its pool
 * (resizeErrors); a deleted pool whose files could not all be removed stays `deleting`, saying
 * why, and a DELETE again tries again.
 */
import type { Log } from "./background";
import type { Fleet } from "./fleet";
import type { ComputeNode, Pool } from "./model";
import { poolDir } from "./node-layout";
import { vacateNode } from "./node-vacate";
import { removeFiles } from "./remove-files";
import type { Scheduler } from "./scheduler";
import { BatchState, key } from "./state";

export const NODE_DEALLOCATION = ["requeue", "terminate", "taskcompletion", "retaineddata"] as const;
export type NodeDeallocation = (typeof NODE_DEALLOCATION)[number];

const FILES_NOT_REMOVED = "NodeFilesNotRemoved";

export class NodeRemoval {
  /** Pools whose deletion runs now: a second DELETE meanwhile does not start another. */
  private readonly deleting = new Set<Pool>();

  constructor(
    private readonly state: BatchState,
    private readonly fleet: Fleet,
    private readonly scheduler: Scheduler,
    private readonly dataDir: string,
    private readonly log: Log,
  ) {}

  /** Resolves with why the node's files could not be removed (also on the pool), if they could not. */
  async removeNode(pool: Pool, node: ComputeNode, option: NodeDeallocation): Promise<string | undefined> {
    // Nothing new lands on a leaving node: a task requeued from it would otherwise start on it again.
    node.schedulingState = "disabled";
    await vacateNode(this.scheduler, node, option);
    const failure = await this.fleet.remove(pool, node);
    if (failure !== undefined) (pool.resizeErrors ??= []).push({ code: FILES_NOT_REMOVED, message: failure });
    return failure;
  }

  /** Whether the pool's deletion runs now (a pool left deleting by a failed one may be deleted again). */
  isDeleting(pool: Pool): boolean {
    return this.deleting.has(pool);
  }

  /** Removes every node of a pool marked deleting, then the pool's folder, then the pool. */
  async deletePool(pool: Pool): Promise<void> {
    if (this.deleting.has(pool)) return;
    this.deleting.add(pool);
    try {
      // A retry reports only what is still wrong.
      pool.resizeErrors = pool.resizeErrors?.filter((e) => e.code !== FILES_NOT_REMOVED);
      const nodes = [...this.state.poolNodes(pool.id).values()];
      const failures = await Promise.all(nodes.map((n) => this.removeNode(pool, n, "requeue")));
      const leftOver = await removeFiles(poolDir(this.dataDir, pool.id), `pool ${pool.id}`, this.log);
      if (leftOver !== undefined) (pool.resizeErrors ??= []).push({ code: FILES_NOT_REMOVED, message: leftOver });
      if (leftOver !== undefined || failures.some((f) => f !== undefined)) return;
      if (this.state.pools.get(key(pool.id)) === pool) {
        this.state.pools.delete(key(pool.id));
        this.state.nodes.delete(key(pool.id));
      }
    } finally {
      this.deleting.delete(pool);
    }
  }
}
