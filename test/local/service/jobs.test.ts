/**
 * What happens to a job: onAllTasksComplete and onTaskFailure, terminate, disable with requeue
 * and enable, and the task and slot counts a dispatcher shows as progress.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { bash, errorOf, pollUntil, readyPool, useGates, useService, waitForJob, waitForTask } from "./fixture";

const service = useService("jobs");
const gates = useGates("jobs");

beforeAll(async () => {
  await readyPool(service().client, "jobs-pool", { nodes: 1, taskSlotsPerNode: 6 });
});

const running = (jobId: string, taskId: string) =>
  waitForTask(service().client, jobId, taskId, (t) => t.state === "running", "running");

describe("onAllTasksComplete", () => {
  it("ends an empty job created with terminatejob at once, as Batch does", async () => {
    const { client } = service();
    await client.job.add({
      id: "empty-terminatejob",
      poolInfo: { poolId: "jobs-pool" },
      onAllTasksComplete: "terminatejob",
    });
    const job = await waitForJob(client, "empty-terminatejob");
    expect(job.executionInfo?.terminateReason).toBe("AllTasksComplete");
  });

  it("switches from noaction to terminatejob by patch and ends the job once its tasks complete", async () => {
    const { client } = service();
    const gate = gates.gate("all-complete");
    await client.job.add({ id: "all-complete", poolInfo: { poolId: "jobs-pool" } });
    await client.task.addCollection("all-complete", [
      { id: "quick", commandLine: "/bin/true" },
      { id: "slow", commandLine: gate.commandLine },
    ]);
    await waitForTask(client, "all-complete", "quick");
    await running("all-complete", "slow");
    await client.job.patch("all-complete", { onAllTasksComplete: "terminatejob" });
    expect((await client.job.get("all-complete")).state).toBe("active");

    gate.open();
    const job = await waitForJob(client, "all-complete");
    expect(job.executionInfo).toMatchObject({ terminateReason: "AllTasksComplete", endTime: expect.any(Date) });
    expect((await client.task.get("all-complete", "slow")).executionInfo?.result).toBe("success");

    const back = await errorOf(() => client.job.add({ id: "all-complete", poolInfo: { poolId: "jobs-pool" } }));
    expect(back).toMatchObject({ status: 409, code: "JobExists" });
    expect(
      await errorOf(() => client.task.add("all-complete", { id: "late", commandLine: "/bin/true" })),
    ).toMatchObject({ status: 409, code: "JobCompleted" });
  });

  it("refuses to go back from terminatejob to noaction", async () => {
    const { client } = service();
    const gate = gates.gate("no-way-back");
    await client.job.add({ id: "no-way-back", poolInfo: { poolId: "jobs-pool" } });
    await client.task.add("no-way-back", { id: "holds", commandLine: gate.commandLine });
    await client.job.patch("no-way-back", { onAllTasksComplete: "terminatejob" });
    expect(await errorOf(() => client.job.patch("no-way-back", { onAllTasksComplete: "noaction" }))).toMatchObject({
      status: 400,
    });
    gate.open();
    await waitForJob(client, "no-way-back");
  });
});

describe("onTaskFailure", () => {
  it("with performexitoptionsjobaction, terminates the job when a task fails and ends its other tasks", async () => {
    const { client } = service();
    const gate = gates.gate("fail-fast");
    await client.job.add({
      id: "fail-fast",
      poolInfo: { poolId: "jobs-pool" },
      onTaskFailure: "performexitoptionsjobaction",
    });
    await client.task.add("fail-fast", { id: "bystander", commandLine: gate.commandLine });
    await running("fail-fast", "bystander");
    await client.task.add("fail-fast", { id: "breaks", commandLine: bash("exit 4") });

    const job = await waitForJob(client, "fail-fast");
    expect(job.executionInfo?.terminateReason).toBe("TaskFailed");
    const bystander = await waitForTask(client, "fail-fast", "bystander");
    expect(bystander.executionInfo).toMatchObject({ result: "failure", failureInfo: { code: "TaskEnded" } });
    gate.open();
  });

  it("disables the job when the failed task's exit options say jobAction disable", async () => {
    const { client } = service();
    await client.job.add({
      id: "pauses",
      poolInfo: { poolId: "jobs-pool" },
      onTaskFailure: "performexitoptionsjobaction",
    });
    await client.task.add("pauses", {
      id: "breaks",
      commandLine: bash("exit 9"),
      exitConditions: { default: { jobAction: "disable" } },
    });
    await waitForJob(client, "pauses", (j) => j.state === "disabled", "disabled");
    await client.job.terminate("pauses");
  });

  it("leaves the job running when the failed task's exit options say jobAction none", async () => {
    const { client } = service();
    await client.job.add({
      id: "tolerant",
      poolInfo: { poolId: "jobs-pool" },
      onTaskFailure: "performexitoptionsjobaction",
    });
    await client.task.add("tolerant", {
      id: "forgiven",
      commandLine: bash("exit 4"),
      exitConditions: { exitCodes: [{ code: 4, exitOptions: { jobAction: "none" } }] },
    });
    await waitForTask(client, "tolerant", "forgiven");
    await client.task.add("tolerant", { id: "after", commandLine: "/bin/true" });
    expect((await waitForTask(client, "tolerant", "after")).executionInfo?.result).toBe("success");
    expect((await client.job.get("tolerant")).state).toBe("active");
    await client.job.terminate("tolerant");
  });
});

describe("terminate, disable and enable", () => {
  it("terminates a job: its running task ends, the reason is recorded", async () => {
    const { client } = service();
    const gate = gates.gate("terminated-job");
    await client.job.add({ id: "terminated-job", poolInfo: { poolId: "jobs-pool" } });
    await client.task.add("terminated-job", { id: "holds", commandLine: gate.commandLine });
    await running("terminated-job", "holds");
    await client.job.terminate("terminated-job", { terminateReason: "OperatorStopped" });
    const job = await waitForJob(client, "terminated-job");
    expect(job.executionInfo?.terminateReason).toBe("OperatorStopped");
    expect((await client.task.get("terminated-job", "holds")).executionInfo?.failureInfo?.code).toBe("TaskEnded");
    gate.open();
  });

  it("disables with requeue (the running task goes back to active, counted) and enables (it runs again)", async () => {
    const { client } = service();
    const runs = path.join(gates.dir(), "requeued-runs");
    const gate = gates.gate("requeued", `echo run >> ${runs}`);
    await client.job.add({ id: "requeued", poolInfo: { poolId: "jobs-pool" } });
    await client.task.add("requeued", { id: "holds", commandLine: gate.commandLine });
    await running("requeued", "holds");

    await client.job.disable("requeued", "requeue");
    await waitForJob(client, "requeued", (j) => j.state === "disabled", "disabled");
    const requeued = await client.task.get("requeued", "holds");
    expect(requeued.state).toBe("active");
    expect(requeued.executionInfo?.requeueCount).toBe(1);
    // Disabled: the requeued task waits instead of running again.
    expect((await client.job.getTaskCounts("requeued")).taskCounts).toMatchObject({ active: 1, running: 0 });

    await client.job.enable("requeued");
    await running("requeued", "holds");
    gate.open();
    expect((await waitForTask(client, "requeued", "holds")).executionInfo).toMatchObject({
      result: "success",
      requeueCount: 1,
    });
    await pollUntil("both runs recorded", async () => (existsSync(runs) ? true : undefined));
    expect(readFileSync(runs, "utf8").trim().split("\n")).toHaveLength(2);
  });
});

describe("disable with wait", () => {
  it("stays disabling until running tasks finish, then is disabled", async () => {
    const { client } = service();
    const gate = gates.gate("disable-wait");
    await client.job.add({ id: "disable-wait", poolInfo: { poolId: "jobs-pool" } });
    await client.task.add("disable-wait", { id: "holds", commandLine: gate.commandLine });
    await running("disable-wait", "holds");
    await client.job.disable("disable-wait", "wait");
    expect((await client.job.get("disable-wait")).state).toBe("disabling");
    expect((await client.task.get("disable-wait", "holds")).state).toBe("running");
    gate.open();
    await waitForJob(client, "disable-wait", (j) => j.state === "disabled", "disabled");
    expect((await client.task.get("disable-wait", "holds")).executionInfo?.result).toBe("success");
    await client.job.enable("disable-wait");
    expect((await client.job.get("disable-wait")).state).toBe("active");
  });
});

describe("job constraints", () => {
  it("terminates a job that outlives its maxWallClockTime", async () => {
    const { client } = service();
    const gate = gates.gate("job-wall-clock");
    await client.job.add({
      id: "job-wall-clock",
      poolInfo: { poolId: "jobs-pool" },
      constraints: { maxWallClockTime: "PT1S" },
    });
    await client.task.add("job-wall-clock", { id: "holds", commandLine: gate.commandLine });
    const job = await waitForJob(client, "job-wall-clock");
    expect(job.executionInfo?.terminateReason).toBe("MaxWallClockTimeExpiry");
    expect((await client.task.get("job-wall-clock", "holds")).state).toBe("completed");
    gate.open();
  });

  it("applies a maxWallClockTime set later by patch", async () => {
    const { client } = service();
    const gate = gates.gate("patched-wall-clock");
    await client.job.add({ id: "patched-wall-clock", poolInfo: { poolId: "jobs-pool" } });
    await client.task.add("patched-wall-clock", { id: "holds", commandLine: gate.commandLine });
    await running("patched-wall-clock", "holds");
    await client.job.patch("patched-wall-clock", { constraints: { maxWallClockTime: "PT1S" } });
    const job = await waitForJob(client, "patched-wall-clock");
    expect(job.executionInfo?.terminateReason).toBe("MaxWallClockTimeExpiry");
  });

  it("runs at most maxParallelTasks of a job at once", async () => {
    const { client } = service();
    const first = gates.gate("parallel-1");
    const second = gates.gate("parallel-2");
    await client.job.add({ id: "one-at-a-time", poolInfo: { poolId: "jobs-pool" }, maxParallelTasks: 1 });
    await client.task.addCollection("one-at-a-time", [
      { id: "first", commandLine: first.commandLine },
      { id: "second", commandLine: second.commandLine },
    ]);
    await running("one-at-a-time", "first");
    expect((await client.task.get("one-at-a-time", "second")).state).toBe("active");
    first.open();
    await running("one-at-a-time", "second");
    second.open();
    await waitForTask(client, "one-at-a-time", "second");
    await client.job.terminate("one-at-a-time");
  });
});

describe("task counts", () => {
  it("counts tasks and their slots by state and result", async () => {
    const { client } = service();
    await readyPool(client, "counts-pool", { nodes: 1, taskSlotsPerNode: 4 });
    const gate = gates.gate("counts");
    await client.job.add({ id: "counts", poolInfo: { poolId: "counts-pool" } });
    await client.task.addCollection("counts", [
      { id: "ok-1", commandLine: "/bin/true" },
      { id: "ok-2", commandLine: "/bin/true" },
      { id: "bad", commandLine: "/bin/false", requiredSlots: 2 },
    ]);
    for (const id of ["ok-1", "ok-2", "bad"]) await waitForTask(client, "counts", id);
    await client.task.add("counts", { id: "holds", commandLine: gate.commandLine, requiredSlots: 2 });
    await running("counts", "holds");
    // Three slots do not fit beside the two in use on a four-slot node: it waits.
    await client.task.add("counts", { id: "waits", commandLine: "/bin/true", requiredSlots: 3 });

    const counts = await client.job.getTaskCounts("counts");
    expect(counts.taskCounts).toEqual({ active: 1, running: 1, completed: 3, succeeded: 2, failed: 1 });
    expect(counts.taskSlotCounts).toEqual({ active: 3, running: 2, completed: 4, succeeded: 2, failed: 2 });

    gate.open();
    await waitForTask(client, "counts", "waits");
    const after = await client.job.getTaskCounts("counts");
    expect(after.taskCounts).toEqual({ active: 0, running: 0, completed: 5, succeeded: 4, failed: 1 });
  });
});
