/** `npm run ocr` follows the pool's size: a line when autoscale asks for other nodes and when they come or go. */
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";
import { followPoolBack, poolSize, poolSizeLines, PoolSizeLog } from "../../tasks/pool-size";

const pool = (current: number, target: number, spot = { current: 0, target: 0 }) =>
  poolSize({
    currentDedicatedNodes: current,
    targetDedicatedNodes: target,
    currentLowPriorityNodes: spot.current,
    targetLowPriorityNodes: spot.target,
    enableAutoScale: true,
  });

describe("poolSizeLines", () => {
  test("the pool growing to the work and back, in the order Batch moves it", () => {
    const seen = [pool(0, 0), pool(0, 3), pool(2, 3), pool(2, 3), pool(3, 3), pool(3, 0), pool(0, 0)];
    const lines = seen.flatMap((size, i) => poolSizeLines("ocrdev-pool", seen[i - 1], size));
    expect(lines).toEqual([
      "pool ocrdev-pool: autoscale asks for 3 node(s) (was 0 node(s))",
      "pool ocrdev-pool: 0 → 2 node(s)",
      "pool ocrdev-pool: 2 → 3 node(s)",
      "pool ocrdev-pool: autoscale asks for 0 node(s) (was 3 node(s))",
      "pool ocrdev-pool: 3 → 0 node(s)",
    ]);
  });

  test("the first look says nothing; Spot nodes are counted in and named; a fixed pool is resized", () => {
    expect(poolSizeLines("p", undefined, pool(2, 2))).toEqual([]);
    expect(poolSizeLines("p", pool(1, 1), pool(1, 1, { current: 2, target: 2 }))).toEqual([
      "pool p: autoscale asks for 3 node(s) (2 Spot) (was 1 node(s))",
      "pool p: 1 → 3 node(s) (2 Spot)",
    ]);
    const fixed = { ...pool(0, 0), autoscale: false };
    expect(poolSizeLines("p", fixed, { ...fixed, targetDedicated: 2 })).toEqual([
      "pool p: resized to 2 node(s) (was 0 node(s))",
    ]);
  });
});

/** A Batch client whose pool.get answers these pools in turn, the last one from then on. */
function poolsInTurn(...pools: BatchServiceModels.CloudPool[]): {
  client: Pick<BatchServiceClient, "pool">;
  looks: () => number;
} {
  let looks = 0;
  const get = async () => pools[Math.min(looks++, pools.length - 1)];
  return { client: { pool: { get } } as unknown as Pick<BatchServiceClient, "pool">, looks: () => looks };
}

const autoscaling = (current: number, target: number): BatchServiceModels.CloudPool => ({
  currentDedicatedNodes: current,
  targetDedicatedNodes: target,
  enableAutoScale: true,
});

describe("followPoolBack", () => {
  test("follows an autoscaling pool until it has released every node, saying once that it waits", async () => {
    const lines: string[] = [];
    const sizes = new PoolSizeLog("p", (line) => lines.push(line));
    sizes.observe(autoscaling(2, 2));
    const waits: number[] = [];
    const { client, looks } = poolsInTurn(autoscaling(2, 2), autoscaling(2, 0), autoscaling(0, 0), autoscaling(2, 2));
    const size = await followPoolBack(client, sizes, "p", {
      pollMs: 1,
      timeoutMs: 10_000,
      onWait: (s) => waits.push(s.dedicated),
    });
    expect(size).toMatchObject({ dedicated: 0, targetDedicated: 0 });
    expect(looks()).toBe(3);
    expect(waits).toEqual([2]);
    expect(lines).toEqual(["pool p: autoscale asks for 0 node(s) (was 2 node(s))", "pool p: 2 → 0 node(s)"]);
  });

  test("gives up at the deadline with the nodes still there; a fixed or an empty pool is not waited for", async () => {
    const busy = poolsInTurn(autoscaling(3, 3));
    const waited: unknown[] = [];
    const late = await followPoolBack(busy.client, new PoolSizeLog("p", () => undefined), "p", {
      pollMs: 5,
      timeoutMs: 30,
      onWait: (s) => waited.push(s),
    });
    expect(late).toMatchObject({ dedicated: 3, autoscale: true });
    expect(busy.looks()).toBeGreaterThan(1);
    expect(waited).toHaveLength(1);

    for (const pool of [{ ...autoscaling(2, 2), enableAutoScale: false }, autoscaling(0, 0)]) {
      const once = poolsInTurn(pool);
      const onWait = jest.fn();
      await followPoolBack(once.client, new PoolSizeLog("p", () => undefined), "p", {
        pollMs: 1,
        timeoutMs: 10_000,
        onWait,
      });
      expect(once.looks()).toBe(1);
      expect(onWait).not.toHaveBeenCalled();
    }
  });
});
