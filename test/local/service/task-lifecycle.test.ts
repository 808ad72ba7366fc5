/**
 * A task's life on a local node: execution info, failures, retries, the wall-clock limit,
 * terminate, reactivate and delete; the command line run without a shell; the environment a
 * task sees.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { bash, errorOf, pollUntil, readText, readyPool, taskFile, useService, waitForTask } from "./fixture";

const LEAK_PROBE = "BATCH_OCR_SERVICE_TEST_HOST_ONLY";
process.env[LEAK_PROBE] = "this machine's environment";
const service = useService("lifecycle");
const JOB = "life-job";

beforeAll(async () => {
  const { client } = service();
  await readyPool(client, "life-pool", { nodes: 1, taskSlotsPerNode: 6 });
  await client.job.add({
    id: JOB,
    poolInfo: { poolId: "life-pool" },
    commonEnvironmentSettings: [
      { name: "FROM_JOB", value: "job value" },
      { name: "OVERRIDDEN", value: "job value" },
    ],
  });
});

/** Whether a process still runs; a killed one waiting for its reaper (a zombie) does not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * A long sleep in a child of the task's bash, whose process id it writes: stopping the task must
 * kill the child too (the process group), not only the bash that Batch started.
 */
const SLEEPER = bash("sleep 600 & echo $! > $AZ_BATCH_TASK_WORKING_DIR/pid; wait");

async function sleeperPid(taskId: string): Promise<number> {
  const { client } = service();
  return pollUntil(`${taskId} to write its pid`, async () => {
    const task = await client.task.get(JOB, taskId);
    if (task.state !== "running") return undefined;
    const text = await taskFile(client, JOB, taskId, "wd/pid").catch(() => "");
    return /^\d+\s*$/.test(text) ? Number(text) : undefined;
  });
}

describe("execution info", () => {
  it("records start and end, exit code 0, result success and where the task ran", async () => {
    const { client } = service();
    const before = Date.now();
    await client.task.add(JOB, { id: "succeeds", commandLine: bash("echo hello; echo oops >&2") });
    const task = await waitForTask(client, JOB, "succeeds");
    const info = task.executionInfo!;
    expect(info).toMatchObject({ exitCode: 0, result: "success", retryCount: 0, requeueCount: 0 });
    expect(info.failureInfo).toBeUndefined();
    expect(info.startTime!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(info.endTime!.getTime()).toBeGreaterThanOrEqual(info.startTime!.getTime());
    expect(task.previousState).toBe("running");
    const nodes = await client.computeNode.list("life-pool");
    expect(task.nodeInfo).toMatchObject({ poolId: "life-pool", nodeId: nodes[0]?.id });
    expect(await taskFile(client, JOB, "succeeds", "stdout.txt")).toBe("hello\n");
    expect(await taskFile(client, JOB, "succeeds", "stderr.txt")).toBe("oops\n");
  });

  it("marks a non-zero exit as a failure with failureInfo", async () => {
    const { client } = service();
    await client.task.add(JOB, { id: "fails", commandLine: bash("exit 3") });
    const task = await waitForTask(client, JOB, "fails");
    expect(task.executionInfo).toMatchObject({
      exitCode: 3,
      result: "failure",
      failureInfo: { category: "usererror", code: expect.any(String) },
    });
  });

  it("fails a task whose program does not exist", async () => {
    const { client } = service();
    await client.task.add(JOB, { id: "no-program", commandLine: "/no/such/program --flag" });
    const task = await waitForTask(client, JOB, "no-program");
    expect(task.executionInfo).toMatchObject({ result: "failure", failureInfo: { category: "usererror" } });
  });

  it("retries a failing task maxTaskRetryCount times and counts the retries", async () => {
    const { client } = service();
    await client.task.add(JOB, {
      id: "retried",
      commandLine: bash("echo run >> $AZ_BATCH_NODE_SHARED_DIR/retried-runs; exit 2"),
      constraints: { maxTaskRetryCount: 2 },
    });
    const task = await waitForTask(client, JOB, "retried");
    expect(task.executionInfo).toMatchObject({ exitCode: 2, result: "failure", retryCount: 2 });
    expect(task.executionInfo?.lastRetryTime).toBeInstanceOf(Date);
    const node = (await client.computeNode.list("life-pool"))[0]!;
    const runs = await client.file.getFromComputeNode("life-pool", node.id!, "shared/retried-runs");
    const text = await readText(runs.readableStreamBody);
    expect(text.trim().split("\n")).toHaveLength(3);
  });
});

describe("stopping tasks", () => {
  it("kills a task that outlives maxWallClockTime, its whole process group included", async () => {
    const { client } = service();
    await client.task.add(JOB, { id: "too-long", commandLine: SLEEPER, constraints: { maxWallClockTime: "PT2S" } });
    const pid = await sleeperPid("too-long");
    const task = await waitForTask(client, JOB, "too-long");
    expect(task.executionInfo).toMatchObject({ result: "failure", failureInfo: { code: "MaxWallClockTimeExpiry" } });
    await pollUntil("the sleep to be gone", async () => (alive(pid) ? undefined : true));
  });

  it("terminates a running task: completed, failed as ended by the user, process gone", async () => {
    const { client } = service();
    await client.task.add(JOB, { id: "terminated", commandLine: SLEEPER });
    const pid = await sleeperPid("terminated");
    await client.task.terminate(JOB, "terminated");
    const task = await waitForTask(client, JOB, "terminated");
    expect(task.executionInfo).toMatchObject({ result: "failure", failureInfo: { code: "TaskEnded" } });
    await pollUntil("the terminated sleep to be gone", async () => (alive(pid) ? undefined : true));
  });

  it("deletes a running task: gone from the job, process gone", async () => {
    const { client } = service();
    await client.task.add(JOB, { id: "deleted", commandLine: SLEEPER });
    const pid = await sleeperPid("deleted");
    await client.task.deleteMethod(JOB, "deleted");
    expect(await errorOf(() => client.task.get(JOB, "deleted"))).toMatchObject({ status: 404, code: "TaskNotFound" });
    await pollUntil("the deleted task's sleep to be gone", async () => (alive(pid) ? undefined : true));
  });

  it("reactivates a failed task, which then runs again from a clean record", async () => {
    const { client, cloud } = service();
    const marker = `reactivate-marker-${Date.now()}`;
    await client.task.add(JOB, {
      id: "second-chance",
      commandLine: bash(`echo $AZ_BATCH_NODE_SHARED_DIR; test -f $AZ_BATCH_NODE_SHARED_DIR/${marker}`),
    });
    const failed = await waitForTask(client, JOB, "second-chance");
    expect(failed.executionInfo?.result).toBe("failure");

    const sharedDir = (await taskFile(client, JOB, "second-chance", "stdout.txt")).trim();
    expect(sharedDir.startsWith(cloud.dataDir)).toBe(true);
    await writeFile(path.join(sharedDir, marker), "");
    await client.task.reactivate(JOB, "second-chance");
    const again = await waitForTask(
      client,
      JOB,
      "second-chance",
      (t) => t.state === "completed" && t.executionInfo?.result === "success",
      "succeeded",
    );
    expect(again.executionInfo).toMatchObject({ exitCode: 0, retryCount: 0 });
    expect(again.executionInfo?.failureInfo).toBeUndefined();

    expect(await errorOf(() => client.task.reactivate(JOB, "second-chance"))).toMatchObject({ status: 409 });
  });
});

describe("command line and environment", () => {
  it("runs the command line without a shell: no variable expansion, quotes kept as words", async () => {
    const { client } = service();
    await client.task.addCollection(JOB, [
      { id: "no-shell", commandLine: "echo $HOME" },
      { id: "quoted", commandLine: `/bin/echo "two  spaces" 'single $X'` },
    ]);
    await waitForTask(client, JOB, "no-shell");
    await waitForTask(client, JOB, "quoted");
    expect(await taskFile(client, JOB, "no-shell", "stdout.txt")).toBe("$HOME\n");
    expect(await taskFile(client, JOB, "quoted", "stdout.txt")).toBe("two  spaces single $X\n");
  });

  it("sets job and task environment settings (the task's win) and the AZ_BATCH_* variables", async () => {
    const { client } = service();
    await client.task.add(JOB, {
      id: "env",
      commandLine: bash(`env; echo "PWD_IS=$(pwd)"`),
      environmentSettings: [
        { name: "OVERRIDDEN", value: "task value" },
        { name: "FROM_TASK", value: "with spaces and $dollar" },
      ],
    });
    await waitForTask(client, JOB, "env");
    const out = await taskFile(client, JOB, "env", "stdout.txt");
    const env = new Map(
      out.split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    const task = await client.task.get(JOB, "env");

    expect(env.get("FROM_JOB")).toBe("job value");
    expect(env.get("OVERRIDDEN")).toBe("task value");
    expect(env.get("FROM_TASK")).toBe("with spaces and $dollar");
    expect(env.get("AZ_BATCH_JOB_ID")).toBe(JOB);
    expect(env.get("AZ_BATCH_TASK_ID")).toBe("env");
    expect(env.get("AZ_BATCH_POOL_ID")).toBe("life-pool");
    expect(env.get("AZ_BATCH_NODE_ID")).toBe(task.nodeInfo?.nodeId);
    expect(env.get("AZ_BATCH_TASK_WORKING_DIR")).toBe(env.get("PWD_IS"));
    expect(path.dirname(env.get("AZ_BATCH_TASK_WORKING_DIR")!)).toBe(env.get("AZ_BATCH_TASK_DIR"));
    expect(existsSync(path.join(env.get("AZ_BATCH_TASK_DIR")!, "stdout.txt"))).toBe(true);
    for (const name of ["AZ_BATCH_NODE_SHARED_DIR", "AZ_BATCH_NODE_STARTUP_DIR", "AZ_BATCH_NODE_ROOT_DIR"]) {
      expect(existsSync(env.get(name)!)).toBe(true);
    }
    expect(env.has(LEAK_PROBE)).toBe(false);
    expect(await readFile(path.join(env.get("AZ_BATCH_TASK_DIR")!, "stdout.txt"), "utf8")).toBe(out);
  });
});
