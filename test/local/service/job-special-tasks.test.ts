/**
 * A job's special tasks as a client sees them: the job manager task (first, exclusive, ending
 * the job with killJobOnCompletion, or leaving that to onAllTasksComplete), and the job
 * preparation and release tasks with their per-node status list.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  bash,
  errorOf,
  gone,
  pollUntil,
  processesWith,
  readyPool,
  taskFile,
  useGates,
  useService,
  waitForJob,
  waitForNodes,
  waitForTask,
} from "./fixture";

const service = useService("special");
const gates = useGates("special");

beforeAll(async () => {
  await readyPool(service().client, "special-pool", { nodes: 1, taskSlotsPerNode: 4 });
});

describe("job manager task", () => {
  it("runs alone on its node and ends the job when it completes (killJobOnCompletion)", async () => {
    const { client } = service();
    const gate = gates.gate("manager");
    await client.job.add({
      id: "managed",
      poolInfo: { poolId: "special-pool" },
      jobManagerTask: { id: "manager", commandLine: gate.commandLine },
    });
    await client.task.add("managed", { id: "worker", commandLine: "/bin/true" });
    const manager = await waitForTask(client, "managed", "manager", (t) => t.state === "running", "running");
    expect(manager.commandLine).toBe(gate.commandLine);
    // Three of the node's four slots are free, but the manager has the node to itself.
    await new Promise((r) => setTimeout(r, 500));
    expect((await client.task.get("managed", "worker")).state).toBe("active");

    gate.open();
    const job = await waitForJob(client, "managed");
    expect(job.executionInfo?.terminateReason).toBe("JMComplete");
    expect((await client.task.get("managed", "manager")).executionInfo?.result).toBe("success");
    expect((await client.task.get("managed", "worker")).executionInfo?.startTime).toBeUndefined();
  });

  it("without killJobOnCompletion, leaves the job's end to onAllTasksComplete, which waits for the manager too", async () => {
    const { client } = service();
    const gate = gates.gate("lasting-manager");
    await client.job.add({
      id: "manager-keeps-going",
      poolInfo: { poolId: "special-pool" },
      onAllTasksComplete: "terminatejob",
      jobManagerTask: { id: "manager", commandLine: gate.commandLine, killJobOnCompletion: false, runExclusive: false },
    });
    await client.task.add("manager-keeps-going", { id: "worker", commandLine: "/bin/true" });
    // Not exclusive: the worker runs beside the manager, and its end alone does not end the job.
    await waitForTask(client, "manager-keeps-going", "worker");
    expect((await client.task.get("manager-keeps-going", "manager")).state).toBe("running");
    expect((await client.job.get("manager-keeps-going")).state).toBe("active");

    gate.open();
    const job = await waitForJob(client, "manager-keeps-going");
    expect(job.executionInfo?.terminateReason).toBe("AllTasksComplete");
  });
});

describe("job preparation and release tasks", () => {
  it("prepares the node before the job's first task there and releases it when the job ends", async () => {
    const { client } = service();
    const released = path.join(gates.dir(), "released");
    await client.job.add({
      id: "prepared",
      poolInfo: { poolId: "special-pool" },
      jobPreparationTask: { commandLine: bash("echo ready > prepared.txt") },
      jobReleaseTask: { commandLine: bash(`cat "$AZ_BATCH_JOB_PREP_WORKING_DIR/prepared.txt" > ${released}`) },
    });
    expect(await client.job.listPreparationAndReleaseTaskStatus("prepared")).toHaveLength(0);
    await client.task.add("prepared", {
      id: "reads",
      commandLine: bash('cat "$AZ_BATCH_JOB_PREP_WORKING_DIR/prepared.txt"'),
    });
    await waitForTask(client, "prepared", "reads");
    expect(await taskFile(client, "prepared", "reads", "stdout.txt")).toBe("ready\n");

    const [before] = await client.job.listPreparationAndReleaseTaskStatus("prepared");
    expect(before?.jobPreparationTaskExecutionInfo).toMatchObject({
      state: "completed",
      result: "success",
      exitCode: 0,
      retryCount: 0,
      taskRootDirectory: "workitems/prepared/job-1/jobpreparation",
    });
    expect(before?.jobReleaseTaskExecutionInfo).toBeUndefined();
    expect(existsSync(released)).toBe(false);

    await client.job.terminate("prepared");
    await waitForJob(client, "prepared");
    const [after] = await client.job.listPreparationAndReleaseTaskStatus("prepared");
    expect(after?.jobReleaseTaskExecutionInfo).toMatchObject({ state: "completed", result: "success", exitCode: 0 });
    expect(existsSync(released)).toBe(true);
  });

  it("runs the release task when an active job is deleted, before the job is gone", async () => {
    const { client } = service();
    const released = path.join(gates.dir(), "released-on-delete");
    await client.job.add({
      id: "deleted-prepared",
      poolInfo: { poolId: "special-pool" },
      jobPreparationTask: { commandLine: "/bin/true" },
      jobReleaseTask: { commandLine: bash(`touch ${released}`) },
    });
    await client.task.add("deleted-prepared", { id: "t", commandLine: "/bin/true" });
    await waitForTask(client, "deleted-prepared", "t");
    await client.job.deleteMethod("deleted-prepared");
    await pollUntil("job gone", () => gone(() => client.job.get("deleted-prepared")));
    expect(existsSync(released)).toBe(true);
  });

  it("runs none of the job's tasks on a node where the preparation task failed (waitForSuccess)", async () => {
    const { client } = service();
    await client.job.add({
      id: "unprepared",
      poolInfo: { poolId: "special-pool" },
      jobPreparationTask: { commandLine: bash("exit 5"), constraints: { maxTaskRetryCount: 1 } },
    });
    await client.task.add("unprepared", { id: "never", commandLine: "/bin/true" });
    const status = await pollUntil("preparation failed", async () => {
      const [s] = await client.job.listPreparationAndReleaseTaskStatus("unprepared");
      return s?.jobPreparationTaskExecutionInfo?.state === "completed" ? s : undefined;
    });
    expect(status.jobPreparationTaskExecutionInfo).toMatchObject({
      result: "failure",
      exitCode: 5,
      retryCount: 1,
      failureInfo: { code: "FailureExitCode" },
    });
    await new Promise((r) => setTimeout(r, 300));
    const task = await client.task.get("unprepared", "never");
    expect(task.state).toBe("active");
    expect(task.executionInfo?.startTime).toBeUndefined();
  });

  it("ends a preparation task still running when the job is terminated, and the task waiting on it", async () => {
    const { client } = service();
    const gate = gates.gate("slow-prep");
    await client.job.add({
      id: "prep-cut",
      poolInfo: { poolId: "special-pool" },
      jobPreparationTask: { commandLine: gate.commandLine },
    });
    await client.task.add("prep-cut", { id: "waits", commandLine: "/bin/true" });
    await waitForTask(client, "prep-cut", "waits", (t) => t.state === "preparing", "preparing");
    await client.job.terminate("prep-cut");
    const job = await waitForJob(client, "prep-cut");
    expect(job.executionInfo?.terminateReason).toBe("UserTerminate");
    expect((await client.task.get("prep-cut", "waits")).executionInfo).toMatchObject({
      result: "failure",
      failureInfo: { code: "TaskEnded" },
    });
    const [status] = await client.job.listPreparationAndReleaseTaskStatus("prep-cut");
    expect(status?.jobPreparationTaskExecutionInfo).toMatchObject({ state: "completed", result: "failure" });
    expect(processesWith(path.join(gates.dir(), "gate-slow-prep"))).toEqual([]);
  });

  it("runs the preparation task again on a rebooted node unless rerunOnNodeRebootAfterSuccess is false", async () => {
    const { client } = service();
    const [node] = await readyPool(client, "reboot-prep");
    const runs = (job: string) => path.join(gates.dir(), `prepared-${job}`);
    const prepare = (job: string) => ({ commandLine: bash(`echo run >> ${runs(job)}`) });
    await client.job.add({
      id: "reprepared",
      poolInfo: { poolId: "reboot-prep" },
      jobPreparationTask: prepare("reprepared"),
    });
    await client.job.add({
      id: "prepared-once",
      poolInfo: { poolId: "reboot-prep" },
      jobPreparationTask: { ...prepare("prepared-once"), rerunOnNodeRebootAfterSuccess: false },
    });
    for (const job of ["reprepared", "prepared-once"]) {
      await client.task.add(job, { id: "before", commandLine: "/bin/true" });
      await waitForTask(client, job, "before");
    }
    await client.computeNode.reboot("reboot-prep", node!.id!);
    await waitForNodes(client, "reboot-prep", 1);
    for (const job of ["reprepared", "prepared-once"]) {
      await client.task.add(job, { id: "after", commandLine: "/bin/true" });
      await waitForTask(client, job, "after");
    }
    expect(readFileSync(runs("reprepared"), "utf8")).toBe("run\nrun\n");
    expect(readFileSync(runs("prepared-once"), "utf8")).toBe("run\n");
  });

  it("answers Batch's errors: no such tasks, a release task alone, a task taking the preparation task's id", async () => {
    const { client } = service();
    await client.job.add({ id: "plain", poolInfo: { poolId: "special-pool" } });
    expect(await errorOf(() => client.job.listPreparationAndReleaseTaskStatus("plain"))).toMatchObject({
      status: 409,
      code: "JobPreparationTaskOrReleaseTaskNotSpecified",
    });
    const alone = await errorOf(() =>
      client.job.add({
        id: "release-alone",
        poolInfo: { poolId: "special-pool" },
        jobReleaseTask: { commandLine: "/bin/true" },
      }),
    );
    expect(alone).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    await client.job.add({
      id: "prep-id",
      poolInfo: { poolId: "special-pool" },
      jobPreparationTask: { commandLine: "/bin/true" },
    });
    expect(
      await errorOf(() => client.task.add("prep-id", { id: "jobpreparation", commandLine: "/bin/true" })),
    ).toMatchObject({ status: 409, code: "TaskIdSameAsJobPreparationTask" });
  });
});
