/**
 * The cap on processes running at once across all local nodes, and a clean stop: no task
 * process outlives the service, and no queued task starts while it stops.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalCloud } from "../../../local";
import { bash, pollUntil, processesWith, readyPool, taskFile, useService, waitForTask } from "./fixture";

const service = useService("cap", { maxProcesses: 1 });

it("with maxProcesses 1 and two idle nodes, never runs two tasks at once", async () => {
  const { client } = service();
  await readyPool(client, "capped", { nodes: 2 });
  await client.job.add({ id: "capped-job", poolInfo: { poolId: "capped" } });
  const ids = ["t1", "t2", "t3", "t4"];
  // Each task records when it started and ended (ns since the epoch); overlapping spans would mean two ran at once.
  await client.task.addCollection(
    "capped-job",
    ids.map((id) => ({ id, commandLine: bash("date +%s%N; sleep 0.3; date +%s%N") })),
  );
  const spans: [bigint, bigint][] = [];
  for (const id of ids) {
    await waitForTask(client, "capped-job", id);
    const [start, end] = (await taskFile(client, "capped-job", id, "stdout.txt"))
      .trim()
      .split("\n")
      .map((n) => BigInt(n));
    spans.push([start!, end!]);
  }
  spans.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (let i = 1; i < spans.length; i++) expect(spans[i]![0] >= spans[i - 1]![1]).toBe(true);
  // The cap is on processes, not nodes: both nodes stayed in the pool, idle now.
  expect((await client.computeNode.list("capped")).map((n) => n.state)).toEqual(["idle", "idle"]);
});

it("stops cleanly: running tasks are killed and queued ones never start", async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "service-cap-stop-"));
  const cloud = await startLocalCloud({ dataDir, maxProcesses: 1, inMemoryStorage: true });
  const marker = `stop-marker-${process.pid}-${Date.now()}`;
  try {
    const client = new BatchServiceClient(
      new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
      cloud.batchEndpoint,
    );
    await readyPool(client, "stopping", { nodes: 1, taskSlotsPerNode: 3 });
    await client.job.add({ id: "stopping-job", poolInfo: { poolId: "stopping" } });
    await client.task.addCollection(
      "stopping-job",
      ["a", "b", "c"].map((id) => ({ id, commandLine: bash(`sleep 600; echo ${marker}`) })),
    );
    await pollUntil("one task running", async () => (processesWith(marker).length === 1 ? true : undefined));
  } finally {
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  // A queued task that started on the way down would show up within moments; look for a while.
  const deadline = Date.now() + 1500;
  while (Date.now() < deadline) {
    expect(processesWith(marker)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
