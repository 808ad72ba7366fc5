/**
 * `npm run local -- --data DIR` killed with SIGKILL mid-job and started again on the same DIR:
 * the pools (autoscale settings too), nodes, jobs and tasks come back as they were, tasks that
 * were running are requeued as on a rebooted Batch node, completed ones keep their results and
 * files (until their retentionTime, counted from their end), and the job finishes; a preempted
 * Spot node stays away until it was due back, and nodes `--faults bad-node=N` spoiled count
 * against its N. Also the in-process service: packages kept across a stop, and nothing kept
 * without persistence. A task or node state a client saw is on disk by then.
 */
import { createWriteStream, existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { finished } from "node:stream/promises";
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from "@azure/batch";
import { ZipFile } from "yazl";
import { startLocalCloud, type LocalCloud } from "../../local";
import { loadSavedState, STATE_FILE } from "../../local/batch/state-keeper";
import { restoreState } from "../../local/batch/state-snapshot";
import { BatchState, key } from "../../local/batch/state";
import { startLocalCli, type LocalCliProcess } from "./local-cli-process";
import {
  bash,
  errorOf,
  IMAGE,
  pollUntil,
  taskFile,
  useGates,
  VM_SIZE,
  waitForJob,
  waitForNodes,
  waitForTask,
} from "./service/fixture";

jest.setTimeout(180_000);

const gates = useGates("restart");
let work: string;
const running: LocalCliProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "restart-with-data-"));
});
afterAll(async () => {
  for (const cli of running) if (cli.alive()) killGroup(cli);
  await Promise.all(running.map((cli) => cli.exited));
  await rm(work, { recursive: true, force: true, maxRetries: 5 });
});

function killGroup(cli: LocalCliProcess): void {
  process.kill(-cli.child.pid!, "SIGKILL");
}

const sleepUntil = (time: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));

async function start(dataDir: string, extraArgs: string[] = []): Promise<LocalCliProcess> {
  const args = ["--data", dataDir, "--max-processes", "4", "--autoscale-time-scale", "60", ...extraArgs];
  const cli = await startLocalCli(args, { ownProcessGroup: true });
  running.push(cli);
  return cli;
}

/** What a restart must not change about a completed task. */
const settled = (t: BatchServiceModels.CloudTask) => ({
  eTag: t.eTag,
  lastModified: t.lastModified,
  state: t.state,
  executionInfo: t.executionInfo,
  nodeId: t.nodeInfo?.nodeId,
});

test("a service killed mid-job comes back on the same --data with its pools, nodes, jobs and tasks, and the job finishes", async () => {
  const dataDir = path.join(work, "data");
  const first = await start(dataDir);
  const startTask = { commandLine: bash('echo boot >> "$AZ_BATCH_NODE_SHARED_DIR/boots"'), waitForSuccess: true };
  await first.batch.pool.add({
    id: "fixed",
    vmSize: VM_SIZE,
    virtualMachineConfiguration: IMAGE,
    targetDedicatedNodes: 2,
    taskSlotsPerNode: 2,
    startTask,
    metadata: [{ name: "owner", value: "restart-test" }],
  });
  await first.batch.pool.add({
    id: "scaled",
    vmSize: VM_SIZE,
    virtualMachineConfiguration: IMAGE,
    enableAutoScale: true,
    autoScaleFormula: "$TargetDedicatedNodes = 1;",
    autoScaleEvaluationInterval: "PT5M",
  });
  const nodesBefore = await waitForNodes(first.batch, "fixed", 2);
  await first.batch.job.add({ id: "job", poolInfo: { poolId: "fixed" } });
  const slow = gates.gate("slow", "echo slow > result.txt");
  await first.batch.task.addCollection("job", [
    ...[1, 2, 3].map((i) => ({ id: `quick-${i}`, commandLine: bash(`echo quick-${i} > result.txt`) })),
    { id: "slow-1", commandLine: slow.commandLine },
  ]);
  await first.batch.job.patch("job", { onAllTasksComplete: "terminatejob" });
  const quickBefore = await pollUntil("the quick tasks completed and the slow one running", async () => {
    const tasks = [...(await first.batch.task.list("job"))];
    const quick = tasks.filter((t) => t.id!.startsWith("quick-"));
    const slowRunning = tasks.some((t) => t.id === "slow-1" && t.state === "running");
    return slowRunning && quick.every((t) => t.state === "completed") ? quick : undefined;
  });
  const poolBefore = await first.batch.pool.get("fixed");

  killGroup(first);
  await first.exited;
  // The orphaned task process ends now; on a rebooted node it would have been killed.
  slow.open();

  const second = await start(dataDir);
  const pool = await second.batch.pool.get("fixed");
  expect({
    eTag: pool.eTag,
    lastModified: pool.lastModified,
    metadata: pool.metadata,
    startTask: pool.startTask?.commandLine,
  }).toEqual({
    eTag: poolBefore.eTag,
    lastModified: poolBefore.lastModified,
    metadata: poolBefore.metadata,
    startTask: startTask.commandLine,
  });
  expect(pool.url).toBe(`${second.vars.AZURE_BATCH_ENDPOINT}/pools/fixed`);
  const scaled = await second.batch.pool.get("scaled");
  expect({
    enableAutoScale: scaled.enableAutoScale,
    formula: scaled.autoScaleFormula,
    interval: scaled.autoScaleEvaluationInterval,
  }).toEqual({
    enableAutoScale: true,
    formula: "$TargetDedicatedNodes = 1;",
    interval: "PT5M",
  });

  const job = await waitForJob(second.batch, "job");
  expect(job.executionInfo?.terminateReason).toBe("AllTasksComplete");
  const tasks = [...(await second.batch.task.list("job"))];
  expect(tasks.map((t) => t.id).sort()).toEqual(["quick-1", "quick-2", "quick-3", "slow-1"]);
  const quickAfter = tasks.filter((t) => t.id!.startsWith("quick-"));
  expect(quickAfter.map(settled)).toEqual(quickBefore.map(settled));
  for (const t of quickAfter) expect(await taskFile(second.batch, "job", t.id!, "wd/result.txt")).toBe(`${t.id}\n`);
  const slowAfter = tasks.find((t) => t.id === "slow-1")!;
  expect({
    result: slowAfter.executionInfo?.result,
    requeueCount: slowAfter.executionInfo?.requeueCount,
    retryCount: slowAfter.executionInfo?.retryCount,
  }).toEqual({
    result: "success",
    requeueCount: 1,
    retryCount: 0,
  });
  expect(await taskFile(second.batch, "job", "slow-1", "wd/result.txt")).toBe("slow\n");

  // The same nodes, booted again: each ran its start task a second time.
  const nodesAfter = await waitForNodes(second.batch, "fixed", 2);
  expect(nodesAfter.map((n) => n.id).sort()).toEqual(nodesBefore.map((n) => n.id).sort());
  for (const node of nodesAfter) {
    expect(await readFile(path.join(dataDir, "nodes", "fixed", node.id!, "shared", "boots"), "utf8")).toBe(
      "boot\nboot\n",
    );
  }
});

test("completed tasks' files go when their retentionTime, counted from their end, is over, though the service was killed and started again meanwhile", async () => {
  const dataDir = path.join(work, "retention");
  const first = await start(dataDir);
  await first.batch.pool.add({ id: "p", vmSize: VM_SIZE, virtualMachineConfiguration: IMAGE, targetDedicatedNodes: 1 });
  await first.batch.job.add({ id: "j", poolInfo: { poolId: "p" } });
  // "brief" is over while the service is down; "longer" outlasts the restart.
  const retention = { brief: 5_000, longer: 25_000 };
  await first.batch.task.addCollection("j", [
    { id: "brief", commandLine: bash("echo brief"), constraints: { retentionTime: "PT5S" } },
    { id: "longer", commandLine: bash("echo longer"), constraints: { retentionTime: "PT25S" } },
  ]);
  const ended = {
    brief: (await waitForTask(first.batch, "j", "brief")).executionInfo!.endTime!.getTime(),
    longer: (await waitForTask(first.batch, "j", "longer")).executionInfo!.endTime!.getTime(),
  };
  killGroup(first);
  await first.exited;
  await sleepUntil(ended.brief + retention.brief);

  const restartedAt = Date.now();
  const second = await start(dataDir);
  const listed = (id: string) => second.batch.file.listFromTask("j", id);
  expect((await listed("longer")).map((f) => f.name)).toContain("stdout.txt");
  // Listing succeeds (errorOf throws, so undefined: poll again) until the files are gone.
  const cleanedUp = (id: string) =>
    pollUntil(`task ${id}'s files to be cleaned up`, () => errorOf(() => listed(id)).catch(() => undefined));
  expect(await cleanedUp("brief")).toMatchObject({ status: 409, code: "TaskFilesCleanedup" });
  expect(await cleanedUp("longer")).toMatchObject({ status: 409, code: "TaskFilesCleanedup" });
  expect(Date.now()).toBeGreaterThanOrEqual(ended.longer + retention.longer);
  // Counted from the restart, the retention would end 5 s (brief's retention) later than this.
  expect(Date.now()).toBeLessThan(restartedAt + retention.longer);
});

test("a Spot node preempted when the service was killed stays preempted until it was due back, then comes back as a new VM", async () => {
  const dataDir = path.join(work, "preempted");
  const preemptedFor = 20_000;
  const first = await start(dataDir, ["--faults", `preempt=600/min,preempt-for=${preemptedFor / 1000}`]);
  await first.batch.pool.add({
    id: "spot",
    vmSize: VM_SIZE,
    virtualMachineConfiguration: IMAGE,
    targetLowPriorityNodes: 1,
    startTask: { commandLine: bash('echo boot >> "$AZ_BATCH_NODE_SHARED_DIR/boots"'), waitForSuccess: true },
  });
  const [preempted] = await waitForNodes(first.batch, "spot", 1, ["preempted"]);
  const dueBack = preempted!.stateTransitionTime!.getTime() + preemptedFor;
  killGroup(first);
  await first.exited;
  // Down for a while, so that a preemption counted from the restart would visibly end later.
  const downFor = 8_000;
  await sleepUntil(dueBack - preemptedFor + downFor);

  // No faults now: the node comes back because it was due, not because preemption goes on.
  const restartedAt = Date.now();
  const second = await start(dataDir);
  expect((await second.batch.computeNode.get("spot", preempted!.id!)).state).toBe("preempted");
  await waitForNodes(second.batch, "spot", 1);
  expect(Date.now()).toBeGreaterThanOrEqual(dueBack);
  expect(Date.now()).toBeLessThan(restartedAt + preemptedFor);
  // A new VM's disk: its start task has run once on it, not once more on the evicted VM's disk.
  const boots = path.join(dataDir, "nodes", "spot", preempted!.id!, "shared", "boots");
  expect(await readFile(boots, "utf8")).toBe("boot\n");
});

test("a node --faults bad-node=1 spoiled before a restart on the same data counts against the 1: no other node goes bad after it", async () => {
  const options = {
    dataDir: path.join(work, "bad-node"),
    inMemoryStorage: true,
    persistState: true,
    maxProcesses: 4,
    faults: "bad-node=1",
    faultsSeed: 1234,
  };
  // Tasks long enough that every node that takes one runs through the fault's checks (once a second).
  const addTasks = async (client: BatchServiceClient, jobId: string, count: number) => {
    await client.job.add({ id: jobId, poolInfo: { poolId: "p" } });
    await client.task.addCollection(
      jobId,
      Array.from({ length: count }, (_, i) => ({ id: `t${i}`, commandLine: bash("sleep 2") })),
    );
  };
  const unusable = async (client: BatchServiceClient) =>
    (await client.computeNode.list("p")).filter((n) => n.state === "unusable").map((n) => n.id);

  const first = await startLocalCloud(options);
  let spoiled: (string | undefined)[];
  try {
    const client = clientOf(first);
    await client.pool.add({ id: "p", vmSize: VM_SIZE, virtualMachineConfiguration: IMAGE, targetDedicatedNodes: 3 });
    await waitForNodes(client, "p", 3);
    await addTasks(client, "before", 1);
    spoiled = await pollUntil("a node gone bad", async () => {
      const ids = await unusable(client);
      return ids.length > 0 ? ids : undefined;
    });
  } finally {
    await first.stop();
  }
  expect(spoiled).toHaveLength(1);

  const second = await startLocalCloud(options);
  try {
    const client = clientOf(second);
    // With the task requeued by the stop, both healthy nodes run at once: either could be spoiled.
    await addTasks(client, "after", 2);
    await Promise.all([
      waitForTask(client, "before", "t0"),
      waitForTask(client, "after", "t0"),
      waitForTask(client, "after", "t1"),
    ]);
    expect(await unusable(client)).toEqual(spoiled);
    expect(second.injectedFaults().bad).toBe(0);
  } finally {
    await second.stop();
  }
});

async function makeZip(target: string, files: Record<string, string>): Promise<string> {
  const zip = new ZipFile();
  for (const [file, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), file);
  zip.end();
  await finished(zip.outputStream.pipe(createWriteStream(target)));
  return target;
}

test("application packages registered in-process are there after a stop and a start with persistence; without it no state is written", async () => {
  const dataDir = path.join(work, "packages");
  const zip = await makeZip(path.join(work, "tool.zip"), { "tool.txt": "tool" });
  const before = await startLocalCloud({ dataDir, inMemoryStorage: true, persistState: true });
  try {
    await before.registerApplicationPackage("ocr-tool", "1.0", zip);
  } finally {
    await before.stop();
  }
  const after = await startLocalCloud({ dataDir, inMemoryStorage: true, persistState: true });
  try {
    const res = await fetchApplications(after);
    expect(res).toEqual([{ id: "ocr-tool", displayName: "ocr-tool", versions: ["1.0"] }]);
  } finally {
    await after.stop();
  }

  const plainDir = path.join(work, "plain");
  const plain = await startLocalCloud({ dataDir: plainDir, inMemoryStorage: true });
  try {
    await plain.registerApplicationPackage("ocr-tool", "1.0", zip);
  } finally {
    await plain.stop();
  }
  expect(existsSync(path.join(plainDir, STATE_FILE))).toBe(false);
});

/** A client of an in-process service. */
const clientOf = (cloud: LocalCloud) =>
  new BatchServiceClient(
    new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
    cloud.batchEndpoint,
  );

async function fetchApplications(cloud: LocalCloud): Promise<unknown[]> {
  const apps = await clientOf(cloud).application.list();
  return apps.map((a) => ({ id: a.id, displayName: a.displayName, versions: a.versions }));
}

/**
 * Runs `body` against an in-process service whose own writes are held back for a minute: only
 * what answering clients writes counts. Resolves with the state then on disk.
 */
async function onDiskAfterClientsOnly(
  dataDir: string,
  body: (client: BatchServiceClient) => Promise<void>,
): Promise<BatchState> {
  const cloud = await startLocalCloud({ dataDir, inMemoryStorage: true, persistState: true, stateWatchMs: 60_000 });
  try {
    await body(clientOf(cloud));
    const saved = await loadSavedState(dataDir);
    const state = new BatchState();
    restoreState(saved!, state, cloud.batchEndpoint, dataDir, saved!.file);
    return state;
  } finally {
    await cloud.stop();
  }
}

test("a task a client has seen complete is on disk when the answer arrives, before the service would have written it by itself", async () => {
  let seen: BatchServiceModels.CloudTask | undefined;
  const onDisk = await onDiskAfterClientsOnly(path.join(work, "seen"), async (client) => {
    await client.pool.add({ id: "p", vmSize: VM_SIZE, virtualMachineConfiguration: IMAGE, targetDedicatedNodes: 1 });
    await client.job.add({ id: "j", poolInfo: { poolId: "p" } });
    await client.task.add("j", { id: "t", commandLine: bash("echo done") });
    seen = await waitForTask(client, "j", "t");
  });
  expect(onDisk.jobTasks("j").all.get(key("t"))).toMatchObject({ state: "completed", eTag: seen!.eTag });
});

test("a node's state a client has seen is on disk when the answer arrives, though nodes have no ETag to mark the change", async () => {
  let nodeId: string | undefined;
  const onDisk = await onDiskAfterClientsOnly(path.join(work, "seen-node"), async (client) => {
    await client.pool.add({ id: "p", vmSize: VM_SIZE, virtualMachineConfiguration: IMAGE, targetDedicatedNodes: 1 });
    nodeId = (await waitForNodes(client, "p", 1))[0]!.id;
  });
  expect(onDisk.poolNodes("p").get(nodeId!)?.state).toBe("idle");
});
