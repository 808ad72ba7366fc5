/**
 * Task dependencies driven by the Azure CLI, as a user writes them: a job created with
 * --uses-task-dependencies, tasks from `az batch task create --json-file` whose merge task
 * depends on the others, and the error az shows for dependsOn in a job without dependencies.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { azCli, type AzCli } from "./clients/az-cli";
import { useLocalCloud } from "./clients/local-cloud-fixture";
import { POC_POOL } from "./clients/poc-outcome";

const connection = useLocalCloud("deps-az");
let az: AzCli;
let dir: string;

beforeAll(() => {
  az = azCli(connection());
  dir = mkdtempSync(join(tmpdir(), "deps-az-"));
});
afterAll(() => {
  az.dispose();
  rmSync(dir, { recursive: true, force: true });
});

interface TaskShown {
  state: string;
  executionInfo?: { startTime?: string; endTime?: string; result?: string };
}

async function completed(jobId: string, taskId: string): Promise<TaskShown> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = await az.json<TaskShown>(["batch", "task", "show", "--job-id", jobId, "--task-id", taskId]);
    if (task.state === "completed") return task;
    if (Date.now() > deadline) throw new Error(`${jobId}/${taskId} did not complete`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test("a merge task added with az --json-file runs after the tasks it depends on", async () => {
  await az.ok([
    "batch",
    "pool",
    "create",
    "--id",
    "az-deps",
    "--vm-size",
    POC_POOL.vmSize,
    "--target-dedicated-nodes",
    "1",
    "--image",
    POC_POOL.imageUrn,
    "--node-agent-sku-id",
    POC_POOL.nodeAgentSkuId,
  ]);
  await az.ok(["batch", "job", "create", "--id", "az-deps-job", "--pool-id", "az-deps", "--uses-task-dependencies"]);
  const tasks = join(dir, "tasks.json");
  writeFileSync(
    tasks,
    JSON.stringify([
      {
        id: "merge",
        commandLine: "/bin/true",
        dependsOn: { taskIds: ["page-1"], taskIdRanges: [{ start: 2, end: 3 }] },
      },
      { id: "page-1", commandLine: "/bin/sleep 1" },
      { id: "2", commandLine: "/bin/sleep 1" },
      { id: "3", commandLine: "/bin/sleep 1" },
    ]),
  );
  const added = await az.json<{ taskId: string; status: string }[]>([
    "batch",
    "task",
    "create",
    "--job-id",
    "az-deps-job",
    "--json-file",
    tasks,
  ]);
  expect(added.map((a) => a.status)).toEqual(["success", "success", "success", "success"]);

  const merge = await completed("az-deps-job", "merge");
  const lastEnd = Math.max(
    ...(await Promise.all(["page-1", "2", "3"].map((id) => completed("az-deps-job", id)))).map((t) =>
      Date.parse(t.executionInfo!.endTime!),
    ),
  );
  expect(Date.parse(merge.executionInfo!.startTime!)).toBeGreaterThanOrEqual(lastEnd);
  expect(merge.executionInfo?.result).toBe("success");

  await az.ok(["batch", "job", "create", "--id", "az-no-deps", "--pool-id", "az-deps"]);
  const single = join(dir, "single.json");
  writeFileSync(single, JSON.stringify({ id: "after", commandLine: "/bin/true", dependsOn: { taskIds: ["before"] } }));
  const refused = await az.error(["batch", "task", "create", "--job-id", "az-no-deps", "--json-file", single]);
  expect(refused).toMatchObject({ status: 400, code: "TaskDependenciesNotSpecifiedOnJob" });
}, 180_000);
