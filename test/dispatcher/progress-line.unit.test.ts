import type { BatchServiceClient } from "@azure/batch";
import { jobStart, progressLine, waitForJob } from "../../tasks/monitor";
import { PoolSizeLog } from "../../tasks/pool-size";

const counts = (completed: number, total: number) => ({
  active: total - completed - 1,
  running: 1,
  completed,
  succeeded: completed,
  failed: 0,
});

describe("the progress line", () => {
  test("after a resume: elapsed, the time left and photos/s count from the job's start and its done tasks", () => {
    // The job started 10 minutes before this poll and has 3 of its 6 tasks (30 photos) done,
    // most of them before this command started: the pace is 10 minutes per 3 tasks.
    const now = Date.UTC(2026, 0, 1, 10, 10);
    const started = jobStart(
      {
        creationTime: new Date(Date.UTC(2026, 0, 1, 9, 59)),
        executionInfo: { startTime: new Date(Date.UTC(2026, 0, 1, 10, 0)), poolId: "p" },
      },
      now - 2000,
    );
    const line = progressLine({
      counts: counts(3, 6),
      totalTasks: 6,
      photos: 30,
      nodes: "2 running",
      elapsedMs: now - started,
    });
    expect(line).toBe(
      "3/6 tasks done (3 ok, 0 failed), 1 running, 2 waiting; nodes: 2 running; 10m00s elapsed, about 10m00s left, 0.03 photos/s",
    );
  });

  test("before any task is done: no estimate and no rate rather than zeros", () => {
    expect(progressLine({ counts: counts(0, 4), totalTasks: 4, photos: 40, nodes: "none yet", elapsedMs: 5000 })).toBe(
      "0/4 tasks done (0 ok, 0 failed), 1 running, 3 waiting; nodes: none yet; 5s elapsed",
    );
  });

  test("the job's start is Batch's, unless Batch gives none or a time after this command's start (a clock ahead of ours)", () => {
    const commandStart = Date.UTC(2026, 0, 1, 12);
    expect(jobStart({}, commandStart)).toBe(commandStart);
    expect(jobStart({ creationTime: new Date(commandStart - 60_000) }, commandStart)).toBe(commandStart - 60_000);
    expect(jobStart({ creationTime: new Date(commandStart + 60_000) }, commandStart)).toBe(commandStart);
  });
});

describe("waitForJob's lines while the bar is drawn", () => {
  test("the pool's size lines go above the bar, not onto its end through the command's log", async () => {
    let polls = 0;
    const pools = [
      { id: "p", currentDedicatedNodes: 0, targetDedicatedNodes: 1, enableAutoScale: true },
      { id: "p", currentDedicatedNodes: 1, targetDedicatedNodes: 1, enableAutoScale: true },
    ];
    const client = {
      job: {
        get: async () => ({ id: "j", state: "active" }),
        getTaskCounts: async () => ({ taskCounts: counts(polls > 1 ? 1 : 0, 1) }),
      },
      pool: { get: async () => pools[Math.min(polls++, pools.length - 1)] },
      computeNode: { list: async () => [{ id: "n1", state: polls > 1 ? "idle" : "starting" }] },
    } as unknown as BatchServiceClient;
    const logged: string[] = [];
    const above: string[] = [];
    const poolSizes = new PoolSizeLog("p", (line) => logged.push(line));
    poolSizes.observe({ currentDedicatedNodes: 0, targetDedicatedNodes: 0, enableAutoScale: true });
    await waitForJob(client, "j", "p", 1, {
      pollMs: 1,
      log: (line) => logged.push(line),
      progress: () => ({ update: () => undefined, stop: () => undefined, aboveBar: (line) => above.push(line) }),
      poolSizes,
    });
    expect(above).toEqual(["pool p: autoscale asks for 1 node(s) (was 0 node(s))", "pool p: 0 → 1 node(s)"]);
    expect(logged).toEqual([]);
  });
});
