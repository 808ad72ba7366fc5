/**
 * The README's MPI example (examples/mpi-ring/), run as written: a pool with inter-node
 * communication, the ring program uploaded to the account's storage, and two multi-instance
 * tasks side by side, each running Debian's Open MPI (`mpirun`, with mpi4py) across its nodes.
 */
import { BlobServiceClient } from "@azure/storage-blob";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pollUntil, taskFile, useService, waitForNodes } from "./service/fixture";

const EXAMPLE = path.join(__dirname, "..", "..", "examples", "mpi-ring");
const service = useService("mpi-example", { maxProcesses: 4 });

it("runs two tightly coupled MPI jobs side by side, each across its own two nodes", async () => {
  const { client, cloud } = service();
  const container = BlobServiceClient.fromConnectionString(cloud.storageConnectionString).getContainerClient(
    "mpi-example",
  );
  await container.createIfNotExists();
  await container.getBlockBlobClient("ring.py").uploadFile(path.join(EXAMPLE, "ring.py"));
  await client.pool.add(JSON.parse(readFileSync(path.join(EXAMPLE, "pool.json"), "utf8")));
  const nodes = await waitForNodes(client, "mpi-pool", 4);
  await client.job.add({ id: "mpi", poolInfo: { poolId: "mpi-pool" } });
  await client.task.addCollection("mpi", JSON.parse(readFileSync(path.join(EXAMPLE, "tasks.json"), "utf8")));

  const tasks = await pollUntil("both rings completed", async () => {
    const list = await client.task.list("mpi");
    return list.length === 2 && list.every((t) => t.state === "completed") ? list : undefined;
  });
  const nodesOf: Record<string, string[]> = {};
  for (const task of tasks) {
    // On failure, what mpirun said: a one-off failure under load must be diagnosable from CI's log.
    const failed =
      task.executionInfo?.result === "success"
        ? undefined
        : {
            failureInfo: task.executionInfo?.failureInfo,
            exitCode: task.executionInfo?.exitCode,
            stderr: await taskFile(client, "mpi", task.id!, "stderr.txt").catch((e: Error) => e.message),
          };
    expect(failed).toBeUndefined();
    const out = await taskFile(client, "mpi", task.id!, "stdout.txt");
    const ranks = [...out.matchAll(/^rank (\d) of 2 on node (\S+): token (\d) from the left, sum 3$/gm)];
    expect(ranks.map((r) => [r[1], r[3]])).toEqual([
      ["0", "1"],
      ["1", "0"],
    ]);
    const subtasks = (await client.task.listSubtasks("mpi", task.id!)).value!;
    nodesOf[task.id!] = [task.nodeInfo!.nodeId!, ...subtasks.map((s) => s.nodeInfo!.nodeId!)];
    // Each rank ran on its own node of the task, the primary's first.
    expect(ranks.map((r) => r[2])).toEqual(nodesOf[task.id!]);
  }
  // Side by side: the two tasks held four different nodes.
  expect(new Set(Object.values(nodesOf).flat())).toEqual(new Set(nodes.map((n) => n.id)));
}, 60_000);
