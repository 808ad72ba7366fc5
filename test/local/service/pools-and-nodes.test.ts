/**
 * Pools and their nodes: the start task (success, and failure with waitForSuccess), task slots
 * with pack and spread scheduling, resizing, application packages, pool deletion.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { finished } from "node:stream/promises";
import { ZipFile } from "yazl";
import {
  addPool,
  bash,
  errorOf,
  pollUntil,
  readText,
  readyPool,
  taskFile,
  useGates,
  useService,
  waitForNodes,
  waitForTask,
} from "./fixture";

// Enough process slots for every task these tests hold running at once (the cap has its own test).
const service = useService("pools", { maxProcesses: 8 });
const gates = useGates("pools");
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "service-pools-"));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function makeZip(name: string, files: Record<string, string>): Promise<string> {
  const zip = new ZipFile();
  for (const [file, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), file);
  zip.end();
  const target = path.join(scratch, name);
  await finished(zip.outputStream.pipe(createWriteStream(target)));
  return target;
}

describe("start task", () => {
  it("runs before tasks; the node turns idle with startTaskInfo success", async () => {
    const { client } = service();
    const nodes = await readyPool(client, "start-ok", {
      nodes: 1,
      startTask: {
        commandLine: bash("echo prepared > $AZ_BATCH_NODE_SHARED_DIR/prepared; echo start task ran"),
        waitForSuccess: true,
      },
    });
    expect(nodes[0]?.startTaskInfo).toMatchObject({
      state: "completed",
      exitCode: 0,
      result: "success",
      retryCount: 0,
    });
    const startup = await client.file.getFromComputeNode("start-ok", nodes[0]!.id!, "startup/stdout.txt");
    expect(await readText(startup.readableStreamBody)).toBe("start task ran\n");

    await client.job.add({ id: "after-start", poolInfo: { poolId: "start-ok" } });
    await client.task.add("after-start", { id: "reads", commandLine: bash("cat $AZ_BATCH_NODE_SHARED_DIR/prepared") });
    await waitForTask(client, "after-start", "reads");
    expect(await taskFile(client, "after-start", "reads", "stdout.txt")).toBe("prepared\n");
  });

  it("puts a node whose start task fails (waitForSuccess) in starttaskfailed and schedules nothing there", async () => {
    const { client } = service();
    const nodes = await (async () => {
      await addPool(client, "start-bad", {
        nodes: 1,
        startTask: { commandLine: bash("echo broken >&2; exit 7"), waitForSuccess: true, maxTaskRetryCount: 1 },
      });
      return waitForNodes(client, "start-bad", 1, ["starttaskfailed"]);
    })();
    expect(nodes[0]?.startTaskInfo).toMatchObject({
      state: "completed",
      exitCode: 7,
      result: "failure",
      retryCount: 1,
      failureInfo: { category: "usererror" },
    });

    await client.job.add({ id: "on-bad-pool", poolInfo: { poolId: "start-bad" } });
    await client.task.add("on-bad-pool", { id: "waits", commandLine: "/bin/true" });
    expect((await client.task.get("on-bad-pool", "waits")).state).toBe("active");
    await client.job.terminate("on-bad-pool");
  });
});

describe("scheduling over task slots", () => {
  it("packs tasks onto one node with nodeFillType pack", async () => {
    const { client } = service();
    await readyPool(client, "packed", { nodes: 2, taskSlotsPerNode: 4, fill: "pack" });
    const gate = gates.gate("pack");
    await client.job.add({ id: "packed-job", poolInfo: { poolId: "packed" } });
    await client.task.addCollection(
      "packed-job",
      ["a", "b", "c"].map((id) => ({ id, commandLine: gate.commandLine })),
    );
    const placed = await pollUntil("three running tasks", async () => {
      const tasks = await client.task.list("packed-job");
      return tasks.every((t) => t.state === "running") ? tasks : undefined;
    });
    expect(new Set(placed.map((t) => t.nodeInfo?.nodeId)).size).toBe(1);
    const node = await client.computeNode.get("packed", placed[0]!.nodeInfo!.nodeId!);
    expect(node).toMatchObject({ state: "running", runningTasksCount: 3, runningTaskSlotsCount: 3 });
    gate.open();
    await client.job.terminate("packed-job");
  });

  it("spreads tasks over the nodes with nodeFillType spread", async () => {
    const { client } = service();
    await readyPool(client, "spread", { nodes: 2, taskSlotsPerNode: 4, fill: "spread" });
    const gate = gates.gate("spread");
    await client.job.add({ id: "spread-job", poolInfo: { poolId: "spread" } });
    await client.task.addCollection(
      "spread-job",
      ["a", "b"].map((id) => ({ id, commandLine: gate.commandLine })),
    );
    const placed = await pollUntil("two running tasks", async () => {
      const tasks = await client.task.list("spread-job");
      return tasks.every((t) => t.state === "running") ? tasks : undefined;
    });
    expect(new Set(placed.map((t) => t.nodeInfo?.nodeId)).size).toBe(2);
    gate.open();
    await client.job.terminate("spread-job");
  });

  it("refuses more task slots per node than the VM size allows", async () => {
    const { client } = service();
    const error = await errorOf(() => addPool(client, "too-many-slots", { nodes: 0, taskSlotsPerNode: 1000 }));
    expect(error).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
  });
});

describe("resize", () => {
  it("grows and shrinks to steady with the target node count, removing idle nodes before busy ones", async () => {
    const { client } = service();
    await readyPool(client, "elastic", { nodes: 1 });
    await client.pool.resize("elastic", { targetDedicatedNodes: 3 });
    const grown = await waitForNodes(client, "elastic", 3);
    expect((await client.pool.get("elastic")).currentDedicatedNodes).toBe(3);

    const gate = gates.gate("resize");
    await client.job.add({ id: "elastic-job", poolInfo: { poolId: "elastic" } });
    await client.task.add("elastic-job", { id: "busy", commandLine: gate.commandLine });
    const busy = await waitForTask(client, "elastic-job", "busy", (t) => t.state === "running", "running");

    await client.pool.resize("elastic", { targetDedicatedNodes: 1, nodeDeallocationOption: "taskcompletion" });
    const left = await waitForNodes(client, "elastic", 1, ["running"]);
    expect(left[0]?.id).toBe(busy.nodeInfo?.nodeId);
    expect(grown.map((n) => n.id)).toContain(left[0]?.id);
    const pool = await client.pool.get("elastic");
    expect(pool).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 1, targetDedicatedNodes: 1 });
    gate.open();
    expect((await waitForTask(client, "elastic-job", "busy")).executionInfo?.result).toBe("success");
  });

  it("shrinks with nodeDeallocationOption requeue: the task on the removed node goes back to active and runs again", async () => {
    const { client } = service();
    await readyPool(client, "requeue-pool", { nodes: 2 });
    const first = gates.gate("requeue-1");
    const second = gates.gate("requeue-2");
    await client.job.add({ id: "requeue-job", poolInfo: { poolId: "requeue-pool" } });
    await client.task.addCollection("requeue-job", [
      { id: "one", commandLine: first.commandLine },
      { id: "two", commandLine: second.commandLine },
    ]);
    for (const id of ["one", "two"])
      await waitForTask(client, "requeue-job", id, (t) => t.state === "running", "running");

    await client.pool.resize("requeue-pool", { targetDedicatedNodes: 1, nodeDeallocationOption: "requeue" });
    await waitForNodes(client, "requeue-pool", 1, ["running"]);
    const tasks = await client.task.list("requeue-job");
    const requeued = tasks.filter((t) => t.state === "active");
    expect(requeued).toHaveLength(1);
    expect(requeued[0]?.executionInfo?.requeueCount).toBe(1);
    expect(tasks.filter((t) => t.state === "running")).toHaveLength(1);

    first.open();
    second.open();
    for (const id of ["one", "two"])
      expect((await waitForTask(client, "requeue-job", id)).executionInfo?.result).toBe("success");
  });

  it("deletes a pool: deleting, then gone", async () => {
    const { client } = service();
    await readyPool(client, "doomed", { nodes: 1 });
    await client.pool.deleteMethod("doomed");
    await pollUntil("the pool to be gone", async () =>
      (await client.pool.exists("doomed")).body === false ? true : undefined,
    );
    expect(await errorOf(() => client.pool.get("doomed"))).toMatchObject({ status: 404, code: "PoolNotFound" });
  });
});

describe("application packages", () => {
  beforeAll(async () => {
    const { cloud } = service();
    await cloud.registerApplicationPackage(
      "ocr-tool",
      "1.0",
      await makeZip("tool-1.0.zip", { "bin/tool.txt": "tool one" }),
    );
    await cloud.registerApplicationPackage(
      "ocr-tool",
      "2.0",
      await makeZip("tool-2.0.zip", { "bin/tool.txt": "tool two" }),
    );
  });

  it("lists registered applications and their versions", async () => {
    const { client } = service();
    const apps = await client.application.list();
    expect(apps.map((a) => ({ id: a.id, versions: [...(a.versions ?? [])].sort() }))).toEqual([
      { id: "ocr-tool", versions: ["1.0", "2.0"] },
    ]);
    expect((await client.application.get("ocr-tool")).id).toBe("ocr-tool");
    expect(await errorOf(() => client.application.get("no-such-app"))).toMatchObject({
      status: 404,
      code: "ApplicationNotFound",
    });
  });

  it("installs a pool's package on its nodes; tasks find it through AZ_BATCH_APP_PACKAGE_<app>_<version>", async () => {
    const { client } = service();
    await readyPool(client, "with-app", {
      nodes: 1,
      applicationPackageReferences: [{ applicationId: "ocr-tool", version: "1.0" }],
    });
    await client.job.add({ id: "app-job", poolInfo: { poolId: "with-app" } });
    await client.task.addCollection("app-job", [
      { id: "pool-package", commandLine: bash("cat $AZ_BATCH_APP_PACKAGE_ocr_tool_1_0/bin/tool.txt") },
      {
        id: "task-package",
        commandLine: bash("cat $AZ_BATCH_APP_PACKAGE_ocr_tool_2_0/bin/tool.txt"),
        applicationPackageReferences: [{ applicationId: "ocr-tool", version: "2.0" }],
      },
    ]);
    await waitForTask(client, "app-job", "pool-package");
    await waitForTask(client, "app-job", "task-package");
    expect(await taskFile(client, "app-job", "pool-package", "stdout.txt")).toBe("tool one");
    expect(await taskFile(client, "app-job", "task-package", "stdout.txt")).toBe("tool two");
  });

  it("refuses a pool or a task that names a package not registered", async () => {
    const { client } = service();
    const pool = await errorOf(() =>
      addPool(client, "missing-app", {
        nodes: 1,
        applicationPackageReferences: [{ applicationId: "ocr-tool", version: "9.9" }],
      }),
    );
    expect(pool.status).toBeGreaterThanOrEqual(400);
    expect(pool.code).toBe("InvalidApplicationPackageReferences");
    expect(await client.pool.exists("missing-app")).toMatchObject({ body: false });

    await client.job.add({ id: "missing-app-job", poolInfo: { poolId: "with-app" } });
    const task = await errorOf(() =>
      client.task.add("missing-app-job", {
        id: "t",
        commandLine: "/bin/true",
        applicationPackageReferences: [{ applicationId: "nope" }],
      }),
    );
    expect(task.code).toBe("InvalidApplicationPackageReferences");
  });
});
