/**
 * What Microsoft's recorded Batch interactions showed the local service answering differently
 * from Azure (issue 16): durations with years and months, node file deletion, a second pool
 * DELETE, pool properties that cannot be honoured here, and the defaults Azure fills in.
 */
import {
  bash,
  detail,
  errorOf,
  IMAGE,
  pollUntil,
  readyPool,
  useGates,
  useService,
  VM_SIZE,
  waitForTask,
} from "./fixture";

const service = useService("azure-fidelity");
const gates = useGates("azure-fidelity");

describe("durations", () => {
  it("accepts a job maxWallClockTime with years and months and stores it as days, as Azure does", async () => {
    const { client, raw } = service();
    await readyPool(client, "durations-pool", { nodes: 0 });
    await client.job.add({ id: "durations-job", poolInfo: { poolId: "durations-pool" } });
    const patched = await raw("PATCH", "/jobs/durations-job", {
      constraints: { maxWallClockTime: "P3Y6M4DT12H30M5S" },
    });
    expect(patched.status).toBe(200);
    const job = await client.job.get("durations-job");
    // 3 years of 365 days, 6 months of 30 days and 4 days: what Azure returned in the az recording.
    expect(job.constraints?.maxWallClockTime).toBe("P1279DT12H30M5S");
    expect(job.state).toBe("active");
  });
});

describe("node files", () => {
  it("deletes a file of a node (200), then answers 404 for it and for a path leading out of the node", async () => {
    const { client, raw } = service();
    const [node] = await readyPool(client, "node-files-pool", {
      nodes: 1,
      startTask: { commandLine: bash("echo kept > kept.txt; echo bye > gone.txt"), waitForSuccess: true },
    });
    const nodeId = node!.id!;
    const path = (name: string) => `/pools/node-files-pool/nodes/${nodeId}/files/${encodeURIComponent(name)}`;

    expect((await raw("DELETE", path("startup/wd/gone.txt"))).status).toBe(200);
    expect(await raw("GET", path("startup/wd/gone.txt"))).toMatchObject({
      status: 404,
      body: { code: "FileNotFound" },
    });
    expect(await raw("DELETE", path("startup/wd/gone.txt"))).toMatchObject({
      status: 404,
      body: { code: "FileNotFound" },
    });
    expect(await raw("DELETE", path("../../../../shared"))).toMatchObject({
      status: 404,
      body: { code: "FileNotFound" },
    });
    const kept = await client.file.getPropertiesFromComputeNode("node-files-pool", nodeId, "startup/wd/kept.txt");
    expect(kept.contentLength).toBe(5);
  });
});

describe("pool deletion", () => {
  it("answers a second DELETE while the pool is being deleted with 409 PoolBeingDeleted", async () => {
    const { client, raw } = service();
    await readyPool(client, "deleted-twice", { nodes: 1 });
    await client.job.add({ id: "on-deleted-twice", poolInfo: { poolId: "deleted-twice" } });
    // A task that ends only when its gate opens keeps the deletion running while we ask again.
    const gate = gates.gate("deleted-twice", "trap '' TERM");
    await client.task.add("on-deleted-twice", { id: "holds", commandLine: gate.commandLine });
    await waitForTask(client, "on-deleted-twice", "holds", (t) => t.state === "running", "running");

    expect((await raw("DELETE", "/pools/deleted-twice")).status).toBe(202);
    const second = await raw("DELETE", "/pools/deleted-twice");
    expect(second).toMatchObject({ status: 409, body: { code: "PoolBeingDeleted" } });
    gate.open();
    await pollUntil("pool deleted", async () =>
      (await raw("GET", "/pools/deleted-twice")).status === 404 ? true : undefined,
    );
  });
});

describe("pool properties that cannot be honoured locally", () => {
  it("refuses an unknown virtualMachineImageId with 400 InvalidPropertyValue, as Azure does", async () => {
    const { client } = service();
    const error = await errorOf(() =>
      client.pool.add({
        id: "custom-image",
        vmSize: VM_SIZE,
        virtualMachineConfiguration: {
          imageReference: {
            virtualMachineImageId:
              "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/test/providers/Microsoft.Compute/galleries/G/images/I/versions/1.0.0",
          },
          nodeAgentSKUId: IMAGE.nodeAgentSKUId,
        },
      }),
    );
    expect(error).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(detail(error, "PropertyName")).toBe("virtualMachineConfiguration.imageReference.virtualMachineImageId");
    expect(await errorOf(() => client.pool.get("custom-image"))).toMatchObject({ status: 404 });
  });

  it("answers a pool with networkConfiguration 501, as a job with one, instead of echoing it", async () => {
    const { client } = service();
    const error = await errorOf(() =>
      client.pool.add({
        id: "networked",
        vmSize: VM_SIZE,
        virtualMachineConfiguration: IMAGE,
        networkConfiguration: {
          subnetId:
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/test/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/subnet1",
        },
      }),
    );
    expect(error).toMatchObject({ status: 501, code: "NotSupportedByLocalBatch" });
    expect(await errorOf(() => client.pool.get("networked"))).toMatchObject({ status: 404 });
  });

  it("answers a pool with a container configuration 501 (no container runtime runs here), and keeps no pool", async () => {
    const { client } = service();
    const error = await errorOf(() =>
      client.pool.add({
        id: "containers",
        vmSize: VM_SIZE,
        virtualMachineConfiguration: { ...IMAGE, containerConfiguration: { containerImageNames: ["ubuntu:24.04"] } },
      }),
    );
    expect(error).toMatchObject({ status: 501, code: "NotSupportedByLocalBatch" });
    expect(await errorOf(() => client.pool.get("containers"))).toMatchObject({ status: 404 });
  });
});

describe("defaults Azure returns", () => {
  it("fills in a pool's defaults and its start task's", async () => {
    const { raw } = service();
    const { imageReference, nodeAgentSKUId } = IMAGE;
    const withoutVersion = {
      publisher: imageReference.publisher,
      offer: imageReference.offer,
      sku: imageReference.sku,
    };
    const created = await raw("POST", "/pools", {
      id: "defaults-pool",
      vmSize: VM_SIZE,
      virtualMachineConfiguration: { imageReference: withoutVersion, nodeAgentSKUId },
      targetDedicatedNodes: 0,
      startTask: { commandLine: "/bin/true" },
    });
    expect(created.status).toBe(201);
    expect((await raw("GET", "/pools/defaults-pool")).body).toMatchObject({
      enableInterNodeCommunication: false,
      virtualMachineConfiguration: { imageReference: { ...withoutVersion, version: "latest" } },
      startTask: {
        commandLine: "/bin/true",
        userIdentity: { autoUser: { scope: "pool", elevationLevel: "nonadmin" } },
        maxTaskRetryCount: 0,
        waitForSuccess: true,
      },
    });
  });

  it("fills in a job's defaults", async () => {
    const { client, raw } = service();
    await readyPool(client, "defaults-jobs-pool", { nodes: 0 });
    await raw("POST", "/jobs", { id: "defaults-job", poolInfo: { poolId: "defaults-jobs-pool" } });
    expect((await raw("GET", "/jobs/defaults-job")).body).toMatchObject({
      usesTaskDependencies: false,
      allowTaskPreemption: false,
      constraints: { maxWallClockTime: "P10675199DT2H48M5.4775807S", maxTaskRetryCount: 0 },
    });
  });

  it("fills in a task's user identity", async () => {
    const { client, raw } = service();
    await readyPool(client, "defaults-tasks-pool", { nodes: 0 });
    await client.job.add({ id: "defaults-tasks", poolInfo: { poolId: "defaults-tasks-pool" } });
    await raw("POST", "/jobs/defaults-tasks/tasks", { id: "t", commandLine: "/bin/true" });
    expect((await raw("GET", "/jobs/defaults-tasks/tasks/t")).body).toMatchObject({
      userIdentity: { autoUser: { scope: "pool", elevationLevel: "nonadmin" } },
    });
  });

  it("gives an idle node its lastBootTime and, with a start task, its startTaskInfo", async () => {
    const { client } = service();
    const [node] = await readyPool(client, "booted-pool", { nodes: 1, startTask: { commandLine: "/bin/true" } });
    expect(Date.parse(node!.lastBootTime as unknown as string)).not.toBeNaN();
    expect(node!.startTaskInfo).toMatchObject({ state: "completed", exitCode: 0, result: "success" });
  });
});

describe("request bodies are checked against the properties each operation takes", () => {
  it("refuses a property that is not Batch's with 400, naming it, and keeps nothing of the request", async () => {
    const { client, raw } = service();
    await readyPool(client, "bodies-pool", { nodes: 0 });
    await client.job.add({ id: "bodies-job", poolInfo: { poolId: "bodies-pool" }, priority: 5 });

    const typo = await raw("POST", "/jobs/bodies-job/tasks", { id: "typo", commandLine: "/bin/true", maxRetries: 3 });
    expect(typo).toMatchObject({
      status: 400,
      body: {
        code: "InvalidRequestBody",
        values: expect.arrayContaining([{ key: "PropertyName", value: "maxRetries" }]),
      },
    });
    expect((await raw("GET", "/jobs/bodies-job/tasks/typo")).status).toBe(404);

    const patch = await raw("PATCH", "/jobs/bodies-job", { priority: 9, constraints: { maxWallClock: "PT1H" } });
    expect(patch).toMatchObject({
      status: 400,
      body: {
        code: "InvalidRequestBody",
        values: expect.arrayContaining([{ key: "PropertyName", value: "constraints.maxWallClock" }]),
      },
    });
    expect((await client.job.get("bodies-job")).priority).toBe(5);

    const nested = await raw("POST", "/pools", {
      id: "bodies-nested",
      vmSize: VM_SIZE,
      virtualMachineConfiguration: IMAGE,
      startTask: { commandLine: "/bin/true", waitForSucess: true },
    });
    expect(nested).toMatchObject({
      status: 400,
      body: {
        code: "InvalidRequestBody",
        values: expect.arrayContaining([{ key: "PropertyName", value: "startTask.waitForSucess" }]),
      },
    });
    expect((await raw("GET", "/pools/bodies-nested")).status).toBe(404);
  });

  it("checks a job's special tasks and the node operations' bodies too: a typo 400, a container 501", async () => {
    const { raw } = service();
    const prep = await raw("POST", "/jobs", {
      id: "bodies-prep",
      poolInfo: { poolId: "bodies-pool" },
      jobPreparationTask: { commandLine: "/bin/true", waitForSucess: false },
    });
    expect(prep).toMatchObject({
      status: 400,
      body: {
        code: "InvalidRequestBody",
        values: expect.arrayContaining([{ key: "PropertyName", value: "jobPreparationTask.waitForSucess" }]),
      },
    });
    expect((await raw("GET", "/jobs/bodies-prep")).status).toBe(404);
    const manager = { id: "m", commandLine: "/bin/true", containerSettings: { imageName: "ubuntu" } };
    const contained = await raw("POST", "/jobs", {
      id: "bodies-manager",
      poolInfo: { poolId: "bodies-pool" },
      jobManagerTask: manager,
    });
    expect(contained).toMatchObject({
      status: 501,
      body: { message: { value: expect.stringContaining("job.jobManagerTask.containerSettings") } },
    });
    const removal = await raw("POST", "/pools/bodies-pool/removenodes", {
      nodeList: ["n"],
      nodeDeallocationOptoin: "requeue",
    });
    expect(removal).toMatchObject({
      status: 400,
      body: {
        code: "InvalidRequestBody",
        values: expect.arrayContaining([{ key: "PropertyName", value: "nodeDeallocationOptoin" }]),
      },
    });
  });

  it("answers a Batch property this service cannot honour with 501, also inside the VM configuration", async () => {
    const { raw } = service();
    const disks = await raw("POST", "/pools", {
      id: "bodies-disks",
      vmSize: VM_SIZE,
      virtualMachineConfiguration: { ...IMAGE, dataDisks: [{ lun: 1, diskSizeGB: 50 }] },
    });
    expect(disks).toMatchObject({
      status: 501,
      body: {
        code: "NotSupportedByLocalBatch",
        message: { value: expect.stringContaining("pool.virtualMachineConfiguration.dataDisks") },
      },
    });
    const patched = await raw("PATCH", "/pools/bodies-pool", { vmSize: "Standard_D4s_v5" });
    expect(patched).toMatchObject({ status: 501, body: { code: "NotSupportedByLocalBatch" } });
    expect((await raw("GET", "/pools/bodies-pool")).body).toMatchObject({ vmSize: VM_SIZE });
    await raw("POST", "/jobs", { id: "bodies-named-user", poolInfo: { poolId: "bodies-pool" } });
    const namedUser = await raw("POST", "/jobs/bodies-named-user/tasks", {
      id: "as-alice",
      commandLine: "/bin/true",
      userIdentity: { username: "alice" },
    });
    expect(namedUser).toMatchObject({
      status: 501,
      body: { message: { value: expect.stringContaining("task.userIdentity.username") } },
    });
    // An empty list asks for nothing: updateproperties must carry certificateReferences, and may.
    const updated = await raw("POST", "/pools/bodies-pool/updateproperties", {
      certificateReferences: [],
      applicationPackageReferences: [],
      metadata: [{ name: "k", value: "v" }],
    });
    expect(updated.status).toBe(204);
  });
});
