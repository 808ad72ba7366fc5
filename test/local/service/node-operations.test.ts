/**
 * Node operations as a client sees them through @azure/batch: reboot and reimage (tasks requeued,
 * terminated or waited for; the start task again; a new lastBootTime), disable and enable task
 * scheduling, remove nodes, node counts, supported images, Batch service logs written to Azurite,
 * and the 409s Batch answers in states that do not allow an operation.
 */
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";
import { SUPPORTED_IMAGES } from "../../../local/batch/supported-images";
import {
  bash,
  detail,
  errorOf,
  IMAGE,
  pollUntil,
  readText,
  readyPool,
  useGates,
  useService,
  VM_SIZE,
  waitForNodes,
  waitForTask,
} from "./fixture";

const service = useService("node-ops", { maxProcesses: 8 });
const gates = useGates("node-ops");

/** Each start of the start task leaves a line, so a test sees how often the node booted. */
const COUNTING_START_TASK = {
  commandLine: bash("echo boot >> $AZ_BATCH_NODE_SHARED_DIR/boots; echo started"),
  waitForSuccess: true,
};

async function bootsOf(poolId: string, nodeId: string): Promise<number> {
  const res = await service().client.file.getFromComputeNode(poolId, nodeId, "shared/boots");
  return (await readText(res.readableStreamBody)).split("\n").filter(Boolean).length;
}

async function nodeIn(poolId: string, nodeId: string, states: string[]) {
  const { client } = service();
  return pollUntil(`node ${nodeId} in ${states.join("/")}`, async () => {
    const node = await client.computeNode.get(poolId, nodeId);
    return node.state !== undefined && states.includes(node.state) ? node : undefined;
  });
}

async function runningTask(poolId: string, jobId: string, commandLine: string): Promise<string> {
  const { client } = service();
  await client.job.add({ id: jobId, poolInfo: { poolId } });
  await client.task.add(jobId, { id: "t", commandLine });
  const task = await waitForTask(client, jobId, "t", (t) => t.state === "running", "running");
  return task.nodeInfo!.nodeId!;
}

describe("reboot", () => {
  it("requeues the running task by default, reruns the start task and gives the node a new lastBootTime", async () => {
    const { client } = service();
    const [before] = await readyPool(client, "reboot-requeue", { startTask: COUNTING_START_TASK });
    const gate = gates.gate("reboot-requeue");
    const nodeId = await runningTask("reboot-requeue", "reboot-requeue-job", gate.commandLine);

    await client.computeNode.reboot("reboot-requeue", nodeId);
    expect((await client.computeNode.get("reboot-requeue", nodeId)).state).toBe("rebooting");
    const task = await waitForTask(
      client,
      "reboot-requeue-job",
      "t",
      (t) => t.executionInfo?.requeueCount === 1,
      "requeued",
    );
    expect(task.executionInfo?.retryCount).toBe(0);

    await waitForTask(client, "reboot-requeue-job", "t", (t) => t.state === "running", "running again");
    const after = await client.computeNode.get("reboot-requeue", nodeId);
    expect(after.lastBootTime!.getTime()).toBeGreaterThan(before!.lastBootTime!.getTime());
    expect(after.startTaskInfo).toMatchObject({ state: "completed", result: "success" });
    expect(await bootsOf("reboot-requeue", nodeId)).toBe(2);
    gate.open();
    expect((await waitForTask(client, "reboot-requeue-job", "t")).executionInfo?.result).toBe("success");
  });

  it("ends the running task with terminate", async () => {
    const { client } = service();
    await readyPool(client, "reboot-terminate");
    const nodeId = await runningTask(
      "reboot-terminate",
      "reboot-terminate-job",
      gates.gate("reboot-terminate").commandLine,
    );
    await client.computeNode.reboot("reboot-terminate", nodeId, { nodeRebootOption: "terminate" });
    const task = await waitForTask(client, "reboot-terminate-job", "t");
    expect(task.executionInfo).toMatchObject({ result: "failure", failureInfo: { code: "TaskEnded" } });
    await nodeIn("reboot-terminate", nodeId, ["idle"]);
  });

  it("lets the task finish with taskcompletion, refusing a second reboot meanwhile with NodeBeingRebooted", async () => {
    const { client } = service();
    const [before] = await readyPool(client, "reboot-wait");
    const gate = gates.gate("reboot-wait");
    const nodeId = await runningTask("reboot-wait", "reboot-wait-job", gate.commandLine);
    await client.computeNode.reboot("reboot-wait", nodeId, { nodeRebootOption: "taskcompletion" });
    expect((await client.computeNode.get("reboot-wait", nodeId)).state).toBe("rebooting");
    expect((await client.task.get("reboot-wait-job", "t")).state).toBe("running");

    const again = await errorOf(() => client.computeNode.reboot("reboot-wait", nodeId));
    expect(again).toMatchObject({ status: 409, code: "NodeBeingRebooted" });
    const disable = await errorOf(() => client.computeNode.reimage("reboot-wait", nodeId));
    expect(disable).toMatchObject({ status: 409, code: "NodeBeingRebooted" });

    gate.open();
    expect((await waitForTask(client, "reboot-wait-job", "t")).executionInfo?.result).toBe("success");
    const after = await nodeIn("reboot-wait", nodeId, ["idle"]);
    expect(after.lastBootTime!.getTime()).toBeGreaterThan(before!.lastBootTime!.getTime());
  });

  it("refuses a node still starting with NodeBeingStarted", async () => {
    const { client } = service();
    await client.pool.add({
      id: "reboot-early",
      vmSize: VM_SIZE,
      virtualMachineConfiguration: IMAGE,
      targetDedicatedNodes: 1,
      startTask: { commandLine: gates.gate("reboot-early").commandLine, waitForSuccess: true },
    });
    const [node] = await waitForNodes(client, "reboot-early", 1, ["waitingforstarttask"]);
    expect(await errorOf(() => client.computeNode.reboot("reboot-early", node!.id!))).toMatchObject({
      status: 409,
      code: "NodeBeingStarted",
    });
  });

  it("brings a node whose start task failed back to run it again", async () => {
    const { client } = service();
    const gate = gates.gate("start-fixed");
    const flag = `${gates.dir()}/gate-start-fixed`;
    await client.pool.add({
      id: "reboot-failed",
      vmSize: VM_SIZE,
      virtualMachineConfiguration: IMAGE,
      targetDedicatedNodes: 1,
      startTask: { commandLine: bash(`test -f ${flag}`), waitForSuccess: true },
    });
    const [node] = await waitForNodes(client, "reboot-failed", 1, ["starttaskfailed"]);
    gate.open();
    await client.computeNode.reboot("reboot-failed", node!.id!);
    expect((await nodeIn("reboot-failed", node!.id!, ["idle"])).startTaskInfo).toMatchObject({
      result: "success",
      exitCode: 0,
    });
  });
});

describe("reimage", () => {
  it("wipes the node's disk and boots it afresh", async () => {
    const { client } = service();
    const [before] = await readyPool(client, "reimage-pool", { startTask: COUNTING_START_TASK });
    await client.job.add({ id: "reimage-job", poolInfo: { poolId: "reimage-pool" } });
    await client.task.add("reimage-job", {
      id: "leaves-a-file",
      commandLine: bash("echo left > $AZ_BATCH_NODE_SHARED_DIR/left-behind"),
    });
    await waitForTask(client, "reimage-job", "leaves-a-file");
    await client.file.getPropertiesFromComputeNode("reimage-pool", before!.id!, "shared/left-behind");

    await client.computeNode.reimage("reimage-pool", before!.id!);
    expect((await client.computeNode.get("reimage-pool", before!.id!)).state).toBe("reimaging");
    const after = await nodeIn("reimage-pool", before!.id!, ["idle"]);
    expect(after.lastBootTime!.getTime()).toBeGreaterThan(before!.lastBootTime!.getTime());
    expect(
      await errorOf(() => client.file.getPropertiesFromComputeNode("reimage-pool", before!.id!, "shared/left-behind")),
    ).toMatchObject({ status: 404 });
    // The start task ran on the fresh disk: one boot recorded, not two.
    expect(await bootsOf("reimage-pool", before!.id!)).toBe(1);
  });
});

describe("task scheduling on a node", () => {
  it("takes an idle node offline, keeps tasks off it, and takes them again once enabled", async () => {
    const { client } = service();
    const [node] = await readyPool(client, "offline-pool");
    await client.computeNode.disableScheduling("offline-pool", node!.id!);
    expect(await client.computeNode.get("offline-pool", node!.id!)).toMatchObject({
      state: "offline",
      schedulingState: "disabled",
    });
    expect(await errorOf(() => client.computeNode.disableScheduling("offline-pool", node!.id!))).toMatchObject({
      status: 409,
      code: "NodeAlreadyInTargetSchedulingState",
    });

    await client.job.add({ id: "offline-job", poolInfo: { poolId: "offline-pool" } });
    await client.task.add("offline-job", { id: "waits", commandLine: "/bin/true" });
    // The scheduler runs on every change; a node refusing tasks leaves the task active after several.
    await new Promise((r) => setTimeout(r, 500));
    expect((await client.task.get("offline-job", "waits")).state).toBe("active");

    await client.computeNode.enableScheduling("offline-pool", node!.id!);
    expect(await waitForTask(client, "offline-job", "waits")).toMatchObject({ executionInfo: { result: "success" } });
    expect(await client.computeNode.get("offline-pool", node!.id!)).toMatchObject({
      state: "idle",
      schedulingState: "enabled",
    });
    expect(await errorOf(() => client.computeNode.enableScheduling("offline-pool", node!.id!))).toMatchObject({
      status: 409,
      code: "NodeAlreadyInTargetSchedulingState",
    });
  });

  it("stays disabled through a reboot: the node comes back offline", async () => {
    const { client } = service();
    const [node] = await readyPool(client, "offline-reboot");
    await client.computeNode.disableScheduling("offline-reboot", node!.id!);
    await client.computeNode.reboot("offline-reboot", node!.id!);
    const after = await pollUntil("the node booted again", async () => {
      const n = await client.computeNode.get("offline-reboot", node!.id!);
      return n.lastBootTime!.getTime() > node!.lastBootTime!.getTime() && n.state === "offline" ? n : undefined;
    });
    expect(after.schedulingState).toBe("disabled");
  });

  it("with taskcompletion keeps the running task and goes offline when it ends", async () => {
    const { client } = service();
    await readyPool(client, "drain-pool");
    const gate = gates.gate("drain");
    const nodeId = await runningTask("drain-pool", "drain-job", gate.commandLine);
    await client.computeNode.disableScheduling("drain-pool", nodeId, { nodeDisableSchedulingOption: "taskcompletion" });
    expect(await client.computeNode.get("drain-pool", nodeId)).toMatchObject({
      state: "running",
      schedulingState: "disabled",
    });
    gate.open();
    expect((await waitForTask(client, "drain-job", "t")).executionInfo?.result).toBe("success");
    await nodeIn("drain-pool", nodeId, ["offline"]);
  });

  it("with requeue (the default) sends the running task back to wait", async () => {
    const { client } = service();
    await readyPool(client, "requeue-off-pool");
    const nodeId = await runningTask("requeue-off-pool", "requeue-off-job", gates.gate("requeue-off").commandLine);
    await client.computeNode.disableScheduling("requeue-off-pool", nodeId);
    const task = await waitForTask(client, "requeue-off-job", "t", (t) => t.state === "active", "active");
    expect(task.executionInfo?.requeueCount).toBe(1);
    await nodeIn("requeue-off-pool", nodeId, ["offline"]);
  });
});

describe("remove nodes", () => {
  it("removes the nodes named, lowering the pool's target, and refuses unknown ones", async () => {
    const { client } = service();
    const nodes = await readyPool(client, "trim-pool", { nodes: 3 });
    const [gone, kept1, kept2] = nodes.map((n) => n.id!);
    expect(await errorOf(() => client.pool.removeNodes("trim-pool", { nodeList: ["tvmps_nope_d"] }))).toMatchObject({
      status: 404,
      code: "NodeNotFound",
    });

    await client.pool.removeNodes("trim-pool", { nodeList: [gone!], nodeDeallocationOption: "terminate" });
    expect(await client.pool.get("trim-pool")).toMatchObject({ allocationState: "resizing", targetDedicatedNodes: 2 });
    const left = await waitForNodes(client, "trim-pool", 2);
    expect(left.map((n) => n.id).sort()).toEqual([kept1, kept2].sort());
    expect(await client.pool.get("trim-pool")).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 2 });
    const empty = await errorOf(() => client.pool.removeNodes("trim-pool", { nodeList: [] }));
    expect(empty).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(detail(empty, "PropertyName")).toBe("nodeList");
  });
});

describe("remove nodes while tasks finish", () => {
  it("keeps the pool resizing until the task ends (taskcompletion), refusing another removal meanwhile", async () => {
    const { client } = service();
    await readyPool(client, "trim-busy", { nodes: 2 });
    const gate = gates.gate("trim-busy");
    const busy = await runningTask("trim-busy", "trim-busy-job", gate.commandLine);
    await client.pool.removeNodes("trim-busy", { nodeList: [busy], nodeDeallocationOption: "taskcompletion" });
    const other = (await client.computeNode.list("trim-busy")).find((n) => n.id !== busy)!;
    expect(await errorOf(() => client.pool.removeNodes("trim-busy", { nodeList: [other.id!] }))).toMatchObject({
      status: 409,
      code: "PoolBeingResized",
    });
    expect((await client.task.get("trim-busy-job", "t")).state).toBe("running");

    gate.open();
    expect((await waitForTask(client, "trim-busy-job", "t")).executionInfo?.result).toBe("success");
    const left = await waitForNodes(client, "trim-busy", 1);
    expect(left[0]?.id).toBe(other.id);
  });
});

describe("node counts", () => {
  it("counts each pool's nodes by state, dedicated apart from low-priority", async () => {
    const { client } = service();
    const nodes = await readyPool(client, "counted", { nodes: 2 });
    await client.computeNode.disableScheduling("counted", nodes[0]!.id!);
    const counts = await client.account.listPoolNodeCounts({
      accountListPoolNodeCountsOptions: { filter: "poolId eq 'counted'" },
    });
    expect(counts).toHaveLength(1);
    expect(counts[0]).toMatchObject({
      poolId: "counted",
      dedicated: { idle: 1, offline: 1, running: 0, total: 2 },
      lowPriority: { total: 0 },
    });
  });
});

describe("supported images", () => {
  it("lists exactly the images pool add accepts, and pool add refuses any other", async () => {
    const { client } = service();
    const listed = await client.account.listSupportedImages();
    expect(listed.map((i) => ({ agent: i.nodeAgentSKUId, ...i.imageReference }))).toEqual(
      SUPPORTED_IMAGES.map((i) => ({ agent: i.nodeAgentSKUId, ...i.imageReference })),
    );
    for (const [n, image] of listed.entries()) {
      await client.pool.add({
        id: `image-${n}`,
        vmSize: VM_SIZE,
        targetDedicatedNodes: 0,
        virtualMachineConfiguration: { imageReference: image.imageReference, nodeAgentSKUId: image.nodeAgentSKUId },
      });
    }
    const unknown = await errorOf(() =>
      client.pool.add({
        id: "image-unknown",
        vmSize: VM_SIZE,
        virtualMachineConfiguration: {
          imageReference: { publisher: "canonical", offer: "ubuntuserver", sku: "18.04-lts" },
          nodeAgentSKUId: "batch.node.ubuntu 18.04",
        },
      }),
    );
    expect(unknown).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(detail(unknown, "PropertyName")).toBe("imageReference");
    const wrongAgent = await errorOf(() =>
      client.pool.add({
        id: "image-agent",
        vmSize: VM_SIZE,
        virtualMachineConfiguration: { ...IMAGE, nodeAgentSKUId: "batch.node.debian 12" },
      }),
    );
    expect(detail(wrongAgent, "PropertyName")).toBe("nodeAgentSKUId");
  });
});

describe("Batch service logs", () => {
  const blobs = () => BlobServiceClient.fromConnectionString(service().cloud.storageConnectionString);

  async function containerWithSas(name: string, permissions: string): Promise<string> {
    const { cloud } = service();
    const container = blobs().getContainerClient(name);
    await container.createIfNotExists();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: name,
        permissions: ContainerSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 3_600_000),
      },
      new StorageSharedKeyCredential(cloud.storageAccountName, cloud.storageAccountKey),
    );
    return `${container.url}?${sas.toString()}`;
  }

  const blobText = async (container: string, name: string) =>
    (await blobs().getContainerClient(container).getBlobClient(name).downloadToBuffer()).toString("utf8");

  it("writes the node's log since startTime into the container through its SAS, or with identityReference", async () => {
    const { client } = service();
    const startTime = new Date(Date.now() - 1000);
    const [node] = await readyPool(client, "logged");
    await client.job.add({ id: "logged-job", poolInfo: { poolId: "logged" } });
    await client.task.add("logged-job", { id: "fails", commandLine: "/bin/false" });
    await waitForTask(client, "logged-job", "fails");
    await client.computeNode.disableScheduling("logged", node!.id!);

    const result = await client.computeNode.uploadBatchServiceLogs("logged", node!.id!, {
      containerUrl: await containerWithSas("service-logs", "cw"),
      startTime,
    });
    expect(result.numberOfFilesUploaded).toBe(1);
    expect(result.virtualDirectoryName).toMatch(new RegExp(`^logged/${node!.id}/[0-9a-f-]{36}/$`));
    const log = await blobText("service-logs", `${result.virtualDirectoryName}agent.log`);
    expect(log).toMatch(/node state starting -> idle/);
    expect(log).toMatch(
      /task logged-job\/fails started\n.*node state idle -> running\n.*task logged-job\/fails off the node: completed \(failure\)\n/,
    );
    expect(log).toMatch(/task scheduling disabled \(requeue\)\n.*node state idle -> offline\n/);

    const byIdentity = await client.computeNode.uploadBatchServiceLogs("logged", node!.id!, {
      containerUrl: blobs().getContainerClient("service-logs").url,
      startTime,
      identityReference: {
        resourceId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool",
      },
    });
    expect(await blobText("service-logs", `${byIdentity.virtualDirectoryName}agent.log`)).toBe(log);

    const nothingYet = await client.computeNode.uploadBatchServiceLogs("logged", node!.id!, {
      containerUrl: await containerWithSas("service-logs", "cw"),
      startTime: new Date(Date.now() + 60_000),
    });
    expect(nothingYet.numberOfFilesUploaded).toBe(0);
  });

  it("answers a SAS that cannot write, without the signature in the answer", async () => {
    const { client } = service();
    const [node] = await readyPool(client, "logged-readonly");
    const readOnly = await containerWithSas("readonly-logs", "r");
    const refused = await errorOf(() =>
      client.computeNode.uploadBatchServiceLogs("logged-readonly", node!.id!, {
        containerUrl: readOnly,
        startTime: new Date(0),
      }),
    );
    expect(refused).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(detail(refused, "Reason")).toMatch(/403/);
    const signature = new URL(readOnly).searchParams.get("sig")!;
    expect(JSON.stringify(refused)).not.toContain(signature);
  });
});

describe("node users", () => {
  it("are refused with 501, saying why", async () => {
    const { client } = service();
    const [node] = await readyPool(client, "no-users");
    const refused = await errorOf(() =>
      client.computeNode.addUser("no-users", node!.id!, { name: "someone", password: "not-used-1A!" }),
    );
    expect(refused).toMatchObject({ status: 501, code: "NotSupportedByLocalBatch" });
    expect(refused.message).toMatch(/root/);
  });
});
