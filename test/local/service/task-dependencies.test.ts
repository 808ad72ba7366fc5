/**
 * Task dependencies as a client sees them: a dependent task stays active until the tasks it
 * depends on (by id or id range) complete with a dependencyAction of satisfy, a failed
 * dependency blocks it unless its exit conditions say satisfy, and the job must ask for
 * dependencies before a task may use them.
 */
import { bash, errorOf, pollUntil, readyPool, useGates, useService, waitForTask } from "./fixture";

const service = useService("deps");
const gates = useGates("deps");

beforeAll(async () => {
  await readyPool(service().client, "deps-pool", { nodes: 1, taskSlotsPerNode: 4 });
});

const started = async (jobId: string, taskId: string): Promise<Date> => {
  const task = await waitForTask(service().client, jobId, taskId);
  if (!task.executionInfo?.startTime) throw new Error(`${taskId} has no start time`);
  return task.executionInfo.startTime;
};
const ended = async (jobId: string, taskId: string): Promise<Date> => {
  const task = await waitForTask(service().client, jobId, taskId);
  if (!task.executionInfo?.endTime) throw new Error(`${taskId} has no end time`);
  return task.executionInfo.endTime;
};

it("refuses a task with dependsOn in a job that does not use task dependencies, with Batch's code", async () => {
  const { client } = service();
  await client.job.add({ id: "no-deps", poolInfo: { poolId: "deps-pool" } });
  expect((await client.job.get("no-deps")).usesTaskDependencies).toBe(false);
  const refused = await errorOf(() =>
    client.task.add("no-deps", { id: "after", commandLine: "/bin/true", dependsOn: { taskIds: ["before"] } }),
  );
  expect(refused).toMatchObject({ status: 400, code: "TaskDependenciesNotSpecifiedOnJob" });
  await client.job.deleteMethod("no-deps");
});

it("starts a dependent task only once all its dependencies have succeeded, counting it active meanwhile", async () => {
  const { client } = service();
  const gate = gates.gate("slow-parent");
  await client.job.add({ id: "chain", poolInfo: { poolId: "deps-pool" }, usesTaskDependencies: true });
  await client.task.addCollection("chain", [
    { id: "merge", commandLine: "/bin/true", dependsOn: { taskIds: ["slow", "quick"] } },
    { id: "slow", commandLine: gate.commandLine },
    { id: "quick", commandLine: "/bin/true" },
  ]);
  await waitForTask(client, "chain", "quick");
  await waitForTask(client, "chain", "slow", (t) => t.state === "running", "running");
  // Free slots and a completed dependency are not enough while another one still runs.
  expect((await client.task.get("chain", "merge")).state).toBe("active");
  const counts = await client.job.getTaskCounts("chain");
  expect(counts.taskCounts).toMatchObject({ active: 1, running: 1, completed: 1, succeeded: 1 });

  gate.open();
  const mergeStart = await started("chain", "merge");
  expect(mergeStart.getTime()).toBeGreaterThanOrEqual((await ended("chain", "slow")).getTime());
  expect((await client.task.get("chain", "merge")).executionInfo?.result).toBe("success");
});

it("waits for every task whose id lies in a taskIdRanges range", async () => {
  const { client } = service();
  const gate = gates.gate("range-3");
  await client.job.add({ id: "ranges", poolInfo: { poolId: "deps-pool" }, usesTaskDependencies: true });
  await client.task.addCollection("ranges", [
    { id: "1", commandLine: "/bin/true" },
    { id: "2", commandLine: "/bin/true" },
    { id: "3", commandLine: gate.commandLine },
    { id: "after", commandLine: "/bin/true", dependsOn: { taskIdRanges: [{ start: 1, end: 3 }] } },
  ]);
  await waitForTask(client, "ranges", "2");
  await waitForTask(client, "ranges", "3", (t) => t.state === "running", "running");
  expect((await client.task.get("ranges", "after")).state).toBe("active");
  gate.open();
  expect((await started("ranges", "after")).getTime()).toBeGreaterThanOrEqual((await ended("ranges", "3")).getTime());
});

it("keeps the dependents of a failed task waiting (block), unless its exit conditions say satisfy", async () => {
  const { client } = service();
  await client.job.add({ id: "failing", poolInfo: { poolId: "deps-pool" }, usesTaskDependencies: true });
  await client.task.addCollection("failing", [
    { id: "breaks", commandLine: bash("exit 3") },
    {
      id: "forgiven",
      commandLine: bash("exit 3"),
      exitConditions: { exitCodes: [{ code: 3, exitOptions: { dependencyAction: "satisfy" } }] },
    },
    { id: "blocked", commandLine: "/bin/true", dependsOn: { taskIds: ["breaks"] } },
    { id: "runs-anyway", commandLine: "/bin/true", dependsOn: { taskIds: ["forgiven"] } },
  ]);
  const forgiven = await waitForTask(client, "failing", "forgiven");
  expect(forgiven.executionInfo).toMatchObject({ result: "failure", exitCode: 3 });
  expect((await waitForTask(client, "failing", "runs-anyway")).executionInfo?.result).toBe("success");
  expect((await waitForTask(client, "failing", "breaks")).executionInfo?.result).toBe("failure");
  // Blocked is not cancelled: Batch leaves it active for good, and counts it so.
  expect((await client.task.get("failing", "blocked")).state).toBe("active");
  const counts = await pollUntil("counts settled", async () => {
    const c = (await client.job.getTaskCounts("failing")).taskCounts;
    return c.completed === 3 ? c : undefined;
  });
  expect(counts).toMatchObject({ active: 1, running: 0, completed: 3, succeeded: 1, failed: 2 });
});

it("refuses a dependencyAction other than satisfy or block", async () => {
  const { client, raw } = service();
  await client.job.add({ id: "bad-action", poolInfo: { poolId: "deps-pool" }, usesTaskDependencies: true });
  const reply = await raw("POST", "/jobs/bad-action/tasks", {
    id: "t",
    commandLine: "/bin/true",
    exitConditions: { default: { dependencyAction: "cancel" } },
  });
  expect(reply.status).toBe(400);
  expect(reply.body).toMatchObject({ code: "InvalidPropertyValue" });
});
