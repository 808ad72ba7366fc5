/**
 * The pool's size as an operator follows it: a line when autoscale (or a resize) asks for
 * another number of nodes, and one when the nodes the pool has change, so a run shows the pool
 * grow to the work and shrink back.
 */
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";
import { sleep } from "./retry";

export interface PoolSize {
  dedicated: number;
  lowPriority: number;
  targetDedicated: number;
  targetLowPriority: number;
  autoscale: boolean;
}

export function poolSize(
  pool: Pick<
    BatchServiceModels.CloudPool,
    | "currentDedicatedNodes"
    | "currentLowPriorityNodes"
    | "targetDedicatedNodes"
    | "targetLowPriorityNodes"
    | "enableAutoScale"
  >,
): PoolSize {
  return {
    dedicated: pool.currentDedicatedNodes ?? 0,
    lowPriority: pool.currentLowPriorityNodes ?? 0,
    targetDedicated: pool.targetDedicatedNodes ?? 0,
    targetLowPriority: pool.targetLowPriorityNodes ?? 0,
    autoscale: Boolean(pool.enableAutoScale),
  };
}

/** "3 node(s)", with the Spot share when there is one. */
function nodes(dedicated: number, lowPriority: number): string {
  return `${dedicated + lowPriority} node(s)${lowPriority > 0 ? ` (${lowPriority} Spot)` : ""}`;
}

/** What changed from `before` to `after`; nothing for the first look at the pool, which changes nothing. */
export function poolSizeLines(poolId: string, before: PoolSize | undefined, after: PoolSize): string[] {
  if (!before) return [];
  const lines: string[] = [];
  if (before.targetDedicated !== after.targetDedicated || before.targetLowPriority !== after.targetLowPriority) {
    const by = after.autoscale ? "autoscale asks for" : "resized to";
    lines.push(
      `pool ${poolId}: ${by} ${nodes(after.targetDedicated, after.targetLowPriority)} (was ${nodes(before.targetDedicated, before.targetLowPriority)})`,
    );
  }
  if (before.dedicated !== after.dedicated || before.lowPriority !== after.lowPriority) {
    lines.push(
      `pool ${poolId}: ${before.dedicated + before.lowPriority} → ${nodes(after.dedicated, after.lowPriority)}`,
    );
  }
  return lines;
}

/** Remembers the last size seen and logs what changed since. */
export class PoolSizeLog {
  private last?: PoolSize;

  constructor(
    private readonly poolId: string,
    private readonly log: (line: string) => void,
  ) {}

  /** `log` instead of the one given at construction: above a progress bar while one is drawn. */
  observe(pool: Parameters<typeof poolSize>[0], log: (line: string) => void = this.log): PoolSize {
    const size = poolSize(pool);
    for (const line of poolSizeLines(this.poolId, this.last, size)) log(line);
    this.last = size;
    return size;
  }
}

/**
 * After the job, until an autoscaling pool has released every node (or `timeoutMs` passed):
 * the local cloud started in-process stops with the command, so its scale-down shows only if
 * the command waits for it.
 */
export async function followPoolBack(
  client: Pick<BatchServiceClient, "pool">,
  sizes: PoolSizeLog,
  poolId: string,
  options: {
    pollMs: number;
    timeoutMs: number;
    /** Once, when there is something to wait for: the command's output has ended, and it has not. */
    onWait?: (size: PoolSize) => void;
  },
): Promise<PoolSize> {
  const deadline = Date.now() + options.timeoutMs;
  for (let looks = 0; ; looks++) {
    const size = sizes.observe(await client.pool.get(poolId));
    const empty = size.dedicated + size.lowPriority + size.targetDedicated + size.targetLowPriority === 0;
    if (!size.autoscale || empty || Date.now() >= deadline) return size;
    if (looks === 0) options.onWait?.(size);
    await sleep(options.pollMs);
  }
}
