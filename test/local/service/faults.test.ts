/**
 * Fault injection seen through the real @azure/batch client: a Spot node preempted under a
 * running task gives the task back to the queue (requeueCount up); it completes once the node is back.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalCloud, type LocalCloud } from "../../../local";
import { bash, IMAGE, VM_SIZE, waitForTask } from "./fixture";

jest.setTimeout(120_000);

let dir: string;
let cloud: LocalCloud;
const lines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "faults-"));
  cloud = await startLocalCloud({
    dataDir: path.join(dir, "cloud"),
    inMemoryStorage: true,
    maxProcesses: 2,
    faults: "preempt=20/min,preempt-for=1",
    faultsSeed: 1234,
    log: (line) => lines.push(line),
  });
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("a preempted Spot node's task is requeued and completes once the node is back", async () => {
  const client = new BatchServiceClient(
    new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
    cloud.batchEndpoint,
  );
  await client.pool.add({ id: "spot", vmSize: VM_SIZE, virtualMachineConfiguration: IMAGE, targetLowPriorityNodes: 1 });
  await client.job.add({ id: "j", poolInfo: { poolId: "spot" } });
  // The first run marks that it ran and waits to be preempted; the run after the requeue finds the mark and succeeds.
  const mark = path.join(dir, "ran-once");
  await client.task.add("j", {
    id: "t",
    commandLine: bash(`if [ -e ${mark} ]; then exit 0; fi; touch ${mark}; sleep 300`),
  });
  const task = await waitForTask(client, "j", "t");
  expect(task.executionInfo).toMatchObject({ result: "success", exitCode: 0 });
  expect(task.executionInfo?.requeueCount).toBeGreaterThanOrEqual(1);
  expect(lines.some((l) => /^fault: node \S+ of pool spot preempted/.test(l))).toBe(true);
  expect(lines).toContainEqual(expect.stringContaining("(seed 1234; --faults-seed 1234 replays them)"));
});
