/**
 * Multi-instance tasks: instances on distinct nodes of a pool with inter-node communication, the
 * coordination command on all of them before the primary's command, Batch's MPI variables,
 * subtask info, and the task's result following the primary's command and the coordination.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { bash, errorOf, IMAGE, taskFile, useService, VM_SIZE, waitForNodes, waitForTask } from "./fixture";

const service = useService("multi-instance", { maxProcesses: 6 });
const MPI_POOL = "mi-pool";
const PLAIN_POOL = "mi-plain-pool";

beforeAll(async () => {
  const { client } = service();
  await client.pool.add({
    id: MPI_POOL,
    vmSize: VM_SIZE,
    virtualMachineConfiguration: IMAGE,
    targetDedicatedNodes: 3,
    enableInterNodeCommunication: true,
  });
  await client.pool.add({
    id: PLAIN_POOL,
    vmSize: VM_SIZE,
    virtualMachineConfiguration: IMAGE,
    targetDedicatedNodes: 2,
  });
  await Promise.all([waitForNodes(client, MPI_POOL, 3), waitForNodes(client, PLAIN_POOL, 2)]);
  await client.job.add({ id: "mi-job", poolInfo: { poolId: MPI_POOL } });
  await client.job.add({ id: "mi-plain-job", poolInfo: { poolId: PLAIN_POOL } });
}, 60_000);

/** Each instance writes what it saw into the shared directory of its node, named by its node's address. */
const COORDINATION = bash(
  'env | grep -E "^(AZ_BATCH_(HOST_LIST|NODE_LIST|MASTER_NODE|IS_CURRENT_NODE_MASTER|NODE_ID|TASK_SHARED_DIR)|TMPDIR)=" | sort > "$AZ_BATCH_TASK_SHARED_DIR/coordination.env"',
);

const envOf = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );

describe("multi-instance tasks", () => {
  it("run the coordination command on every node, then the command on the primary, with Batch's MPI variables", async () => {
    const { client } = service();
    const nodes = await client.computeNode.list(MPI_POOL);
    const addresses = nodes.map((n) => n.ipAddress);
    expect(new Set(addresses).size).toBe(3);

    await client.task.add("mi-job", {
      id: "all-three",
      // The primary's command sees its own coordination output: it ran after the coordination.
      commandLine: bash('cat "$AZ_BATCH_TASK_SHARED_DIR/coordination.env"; echo "hosts=$AZ_BATCH_HOST_LIST"'),
      multiInstanceSettings: { numberOfInstances: 3, coordinationCommandLine: COORDINATION },
    });
    const task = await waitForTask(client, "mi-job", "all-three");
    expect(task.executionInfo?.result).toBe("success");

    const primaryEnv = envOf((await taskFile(client, "mi-job", "all-three", "stdout.txt")).split("hosts=")[0]!);
    const hostList = primaryEnv.AZ_BATCH_HOST_LIST!.split(",");
    expect([...hostList].sort()).toEqual([...addresses].sort());
    expect(primaryEnv.AZ_BATCH_NODE_LIST).toBe(hostList.join(";"));
    expect(primaryEnv.AZ_BATCH_IS_CURRENT_NODE_MASTER).toBe("true");
    expect(primaryEnv.AZ_BATCH_NODE_ID).toBe(task.nodeInfo?.nodeId);
    const primary = nodes.find((n) => n.id === task.nodeInfo?.nodeId)!;
    expect(primaryEnv.AZ_BATCH_MASTER_NODE).toBe(`${primary.ipAddress}:6000`);
    expect(hostList[0]).toBe(primary.ipAddress);

    const subtasks = await client.task.listSubtasks("mi-job", "all-three");
    expect(subtasks.value?.map((s) => s.id)).toEqual([1, 2]);
    const subtaskNodes = subtasks.value!.map((s) => s.nodeInfo!.nodeId!);
    expect(new Set([primary.id, ...subtaskNodes]).size).toBe(3);
    for (const sub of subtasks.value!) {
      expect(sub).toMatchObject({ state: "completed", exitCode: 0, result: "success" });
      const node = nodes.find((n) => n.id === sub.nodeInfo!.nodeId)!;
      expect(sub.nodeInfo!.taskRootDirectoryUrl).toBe(`${node.url}/files/workitems/mi-job/job-1/all-three`);
      // Each subtask's coordination ran on its own node, in its own directory.
      const sharedDir = path.join(
        service().cloud.dataDir,
        "nodes",
        MPI_POOL,
        sub.nodeInfo!.nodeId!,
        "workitems",
        "mi-job",
        "job-1",
        "all-three",
      );
      const seen = envOf(await readFile(path.join(sharedDir, "coordination.env"), "utf8"));
      expect(seen).toMatchObject({
        AZ_BATCH_NODE_ID: sub.nodeInfo!.nodeId,
        AZ_BATCH_IS_CURRENT_NODE_MASTER: "false",
        AZ_BATCH_TASK_SHARED_DIR: sharedDir,
        AZ_BATCH_HOST_LIST: hostList.join(","),
        // Each node's temporary files in a directory of its own, as each Batch node has its own
        // /tmp: sharing the host's, Open MPI's daemons raced to create one session directory.
        TMPDIR: path.join(sharedDir, "tmp"),
      });
      expect(seen.TMPDIR).not.toBe(primaryEnv.TMPDIR);
    }
  });

  it("fails when a coordination command fails, without running the primary's command", async () => {
    const { client } = service();
    await client.task.add("mi-job", {
      id: "bad-coordination",
      commandLine: bash('touch "$AZ_BATCH_TASK_WORKING_DIR/primary-ran"'),
      multiInstanceSettings: {
        numberOfInstances: 2,
        coordinationCommandLine: bash('[ "$AZ_BATCH_IS_CURRENT_NODE_MASTER" = true ] || exit 7'),
      },
    });
    const task = await waitForTask(client, "mi-job", "bad-coordination");
    expect(task.executionInfo).toMatchObject({
      result: "failure",
      exitCode: 7,
      failureInfo: { code: "FailureExitCode" },
    });
    const files = await client.file.listFromTask("mi-job", "bad-coordination", { recursive: true });
    expect(files.map((f) => f.name)).not.toContain("wd/primary-ran");
    const [sub] = (await client.task.listSubtasks("mi-job", "bad-coordination")).value!;
    expect(sub).toMatchObject({ state: "completed", exitCode: 7, result: "failure" });
  });

  it("completes when the primary's command ends, and fails with it", async () => {
    const { client } = service();
    await client.task.add("mi-job", {
      id: "primary-fails",
      commandLine: bash("exit 3"),
      multiInstanceSettings: { numberOfInstances: 3, coordinationCommandLine: "/bin/true" },
    });
    const task = await waitForTask(client, "mi-job", "primary-fails");
    expect(task.executionInfo).toMatchObject({ result: "failure", exitCode: 3 });
  });

  it("stays active on a pool without inter-node communication, as Batch never schedules it there", async () => {
    const { client } = service();
    await client.task.add("mi-plain-job", {
      id: "never-placed",
      commandLine: "/bin/true",
      multiInstanceSettings: { numberOfInstances: 2, coordinationCommandLine: "/bin/true" },
    });
    // An ordinary task added after it runs on the same idle nodes: the scheduler passed it by.
    await client.task.add("mi-plain-job", { id: "ordinary", commandLine: "/bin/true" });
    await waitForTask(client, "mi-plain-job", "ordinary");
    expect((await client.task.get("mi-plain-job", "never-placed")).state).toBe("active");
    expect((await client.pool.get(PLAIN_POOL)).enableInterNodeCommunication).toBe(false);
  });

  it("waits for as many free nodes as it has instances", async () => {
    const { client } = service();
    await client.task.add("mi-job", {
      id: "four-of-three",
      commandLine: "/bin/true",
      multiInstanceSettings: { numberOfInstances: 4, coordinationCommandLine: "/bin/true" },
    });
    await client.task.add("mi-job", { id: "after-four", commandLine: "/bin/true" });
    await waitForTask(client, "mi-job", "after-four");
    expect((await client.task.get("mi-job", "four-of-three")).state).toBe("active");
    await client.task.deleteMethod("mi-job", "four-of-three");
  });

  it("refuses requiredSlots other than 1", async () => {
    const { client } = service();
    const error = await errorOf(() =>
      client.task.add("mi-job", {
        id: "two-slots",
        commandLine: "/bin/true",
        requiredSlots: 2,
        multiInstanceSettings: { numberOfInstances: 2, coordinationCommandLine: "/bin/true" },
      }),
    );
    expect(error).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
  });
});

describe("a deleted multi-instance task", () => {
  it("leaves no files on any of its nodes", async () => {
    const { client, cloud } = service();
    await client.task.add("mi-job", {
      id: "to-delete",
      commandLine: "/bin/true",
      multiInstanceSettings: { numberOfInstances: 3, coordinationCommandLine: "/bin/true" },
    });
    const task = await waitForTask(client, "mi-job", "to-delete");
    const subtasks = (await client.task.listSubtasks("mi-job", "to-delete")).value!;
    const dirs = [task.nodeInfo!.nodeId!, ...subtasks.map((s) => s.nodeInfo!.nodeId!)].map((nodeId) =>
      path.join(cloud.dataDir, "nodes", MPI_POOL, nodeId, "workitems", "mi-job", "job-1", "to-delete"),
    );
    expect(dirs.map((d) => existsSync(d))).toEqual([true, true, true]);
    await client.task.deleteMethod("mi-job", "to-delete");
    expect(dirs.map((d) => existsSync(d))).toEqual([false, false, false]);
  });
});
