/**
 * Multi-instance tasks kept with the service's state (`--data`): stopped and started again on
 * the same data directory, a completed task's subtasks are what `subtasksinfo` gave before the
 * stop; a task whose run the stop cut short is requeued, and its subtasks say that run ended.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from "@azure/batch";
import { startLocalCloud, type LocalCloud } from "../../local";
import { loadSavedState } from "../../local/batch/state-keeper";
import { bash, IMAGE, pollUntil, useGates, VM_SIZE, waitForNodes, waitForTask } from "./service/fixture";

jest.setTimeout(120_000);

const gates = useGates("multi-instance-restart");
let work: string;
const clouds: LocalCloud[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "multi-instance-restart-"));
});
afterAll(async () => {
  await Promise.all(clouds.map((c) => c.stop().catch(() => undefined)));
  await rm(work, { recursive: true, force: true, maxRetries: 5 });
});

async function start(dataDir: string): Promise<{ cloud: LocalCloud; client: BatchServiceClient }> {
  const cloud = await startLocalCloud({ dataDir, persistState: true, inMemoryStorage: true, maxProcesses: 4 });
  clouds.push(cloud);
  const client = new BatchServiceClient(
    new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
    cloud.batchEndpoint,
  );
  return { cloud, client };
}

async function stop(cloud: LocalCloud): Promise<void> {
  clouds.splice(clouds.indexOf(cloud), 1);
  await cloud.stop();
}

async function mpiPool(client: BatchServiceClient, nodes: number, startTask?: BatchServiceModels.StartTask) {
  await client.pool.add({
    id: "mpi",
    vmSize: VM_SIZE,
    virtualMachineConfiguration: IMAGE,
    targetDedicatedNodes: nodes,
    enableInterNodeCommunication: true,
    ...(startTask ? { startTask } : {}),
  });
  await waitForNodes(client, "mpi", nodes);
  await client.job.add({ id: "j", poolInfo: { poolId: "mpi" } });
}

const subtasksOf = async (client: BatchServiceClient, taskId: string) =>
  (await client.task.listSubtasks("j", taskId)).value ?? [];

/** The records as another endpoint names them: a restarted service listens elsewhere and rewrites its URLs. */
const atEndpoint = (subtasks: BatchServiceModels.SubtaskInformation[], from: string, to: string) =>
  subtasks.map((sub) => ({
    ...sub,
    nodeInfo: {
      ...sub.nodeInfo,
      nodeUrl: sub.nodeInfo?.nodeUrl?.replace(from, to),
      taskRootDirectoryUrl: sub.nodeInfo?.taskRootDirectoryUrl?.replace(from, to),
    },
  }));

test("a completed multi-instance task's subtasks are the same after a restart, read back from the journal and from the snapshot", async () => {
  const dataDir = path.join(work, "completed");
  let { cloud, client } = await start(dataDir);
  await mpiPool(client, 3);
  await client.task.add("j", {
    id: "mpi-task",
    commandLine: "/bin/true",
    multiInstanceSettings: { numberOfInstances: 3, coordinationCommandLine: bash("exit 0") },
  });
  await waitForTask(client, "j", "mpi-task");
  const before = await subtasksOf(client, "mpi-task");
  expect(before.map((s) => ({ id: s.id, state: s.state, exitCode: s.exitCode, result: s.result }))).toEqual([
    { id: 1, state: "completed", exitCode: 0, result: "success" },
    { id: 2, state: "completed", exitCode: 0, result: "success" },
  ]);

  // The first restart replays the first run's journal; the second reads the snapshot the first restart began with.
  const firstEndpoint = cloud.batchEndpoint;
  for (const round of ["journal", "snapshot"]) {
    // Nothing of the task in this run's journal: what the next start finds of it is in the snapshot.
    if (round === "snapshot") expect((await loadSavedState(dataDir))!.journal.join("\n")).not.toContain("mpi-task");
    await stop(cloud);
    ({ cloud, client } = await start(dataDir));
    expect({ round, subtasks: await subtasksOf(client, "mpi-task") }).toEqual({
      round,
      subtasks: atEndpoint(before, firstEndpoint, cloud.batchEndpoint),
    });
  }
});

test("a multi-instance task running when the service stopped is requeued, and its interrupted run's subtasks have ended", async () => {
  const dataDir = path.join(work, "running");
  // Nodes wait at their second boot (the restart) until the test has seen the requeued task.
  const reboot = gates.gate("reboot");
  const startTask = {
    commandLine: bash(
      `if [ -e "$AZ_BATCH_NODE_SHARED_DIR/booted" ]; then ${reboot.commandLine}; fi; touch "$AZ_BATCH_NODE_SHARED_DIR/booted"`,
    ),
    waitForSuccess: true,
  };
  const first = await start(dataDir);
  await mpiPool(first.client, 2, startTask);
  const coordination = gates.gate("coordination");
  await first.client.task.add("j", {
    id: "cut-short",
    commandLine: "/bin/true",
    multiInstanceSettings: { numberOfInstances: 2, coordinationCommandLine: coordination.commandLine },
  });
  const running = await pollUntil("the coordination running", async () => {
    const [sub] = await subtasksOf(first.client, "cut-short");
    return sub?.state === "running" ? sub : undefined;
  });
  const stoppedAt = Date.now();
  await stop(first.cloud);
  coordination.open();

  const { client } = await start(dataDir);
  const requeued = await client.task.get("j", "cut-short");
  expect(requeued.state).toBe("active");
  expect(requeued.executionInfo?.requeueCount).toBe(1);
  const [ended] = await subtasksOf(client, "cut-short");
  expect(ended).toMatchObject({
    id: 1,
    nodeInfo: { nodeId: running.nodeInfo?.nodeId },
    state: "completed",
    previousState: "running",
    startTime: running.startTime,
    result: "failure",
  });
  expect(ended!.exitCode).toBeUndefined();
  expect(ended!.endTime!.getTime()).toBeGreaterThanOrEqual(stoppedAt);

  reboot.open();
  const rerun = await waitForTask(client, "j", "cut-short");
  expect(rerun.executionInfo).toMatchObject({ result: "success", requeueCount: 1 });
  const [again] = await subtasksOf(client, "cut-short");
  expect(again).toMatchObject({ id: 1, state: "completed", exitCode: 0, result: "success" });
  expect(again!.startTime!.getTime()).toBeGreaterThan(ended!.endTime!.getTime());
});
