/**
 * Durations of a month, past what one Node timer can wait (2^31-1 ms, about 24.8 days): a P30D
 * maxWallClockTime or retentionTime, a job schedule recurring every P30D or not to run for 30 days.
 * They must not end anything at once (Node fires a longer timer after 1 ms), nor be taken as
 * unlimited. What is due after 30 days is seen on a service started again 31 days later: its
 * saved state is moved 31 days into the past while it is stopped. What the service prints while a
 * schedule waits for next month is read from `npm run local`, as a user sees it.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { startLocalCloud, type LocalCloud } from "../../local";
import { runProcess } from "../../local/batch/process-runner";
import { startLocalCli, type LocalCliProcess } from "./local-cli-process";
import { bash, errorOf, pollUntil, readyPool, waitForJob, waitForTask } from "./service/fixture";

jest.setTimeout(60_000);

const DAY_MS = 86_400_000;
/** Long enough for a timer that overflowed (1 ms) to have fired and its effect to show. */
const SETTLE_MS = 2_000;
const POOL = "month-pool";

let dataDir: string;
let cloud: LocalCloud | undefined;
let client: BatchServiceClient;

async function start(): Promise<void> {
  cloud = await startLocalCloud({ dataDir, persistState: true, inMemoryStorage: true, maxProcesses: 2 });
  client = new BatchServiceClient(
    new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
    cloud.batchEndpoint,
  );
}

async function stop(): Promise<void> {
  await cloud?.stop();
  cloud = undefined;
}

/** Every time in the stopped service's saved state (snapshot and journal) moved `ms` into the past. */
async function ageSavedState(ms: number): Promise<void> {
  const files = (await readdir(dataDir)).filter((f) => /^batch-state\./.test(f));
  for (const file of files) {
    const text = await readFile(path.join(dataDir, file), "utf8");
    const aged = text.replace(/"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"/g, (_, time: string) =>
      JSON.stringify(new Date(Date.parse(time) - ms).toISOString()),
    );
    await writeFile(path.join(dataDir, file), aged);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "long-durations-"));
  await start();
  await readyPool(client, POOL);
});
afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

describe("a month-long duration within its month", () => {
  it("keeps a job with maxWallClockTime P30D active", async () => {
    await client.job.add({ id: "month-job", poolInfo: { poolId: POOL }, constraints: { maxWallClockTime: "P30D" } });
    await sleep(SETTLE_MS);
    const job = await client.job.get("month-job");
    expect({ state: job.state, terminateReason: job.executionInfo?.terminateReason }).toEqual({
      state: "active",
      terminateReason: undefined,
    });
  });

  it("lets a task with maxWallClockTime P30D run to its end", async () => {
    await client.job.add({ id: "month-task", poolInfo: { poolId: POOL } });
    await client.task.add("month-task", {
      id: "sleeps",
      commandLine: bash("sleep 1; echo done"),
      constraints: { maxWallClockTime: "P30D" },
    });
    const task = await waitForTask(client, "month-task", "sleeps");
    expect(task.executionInfo).toMatchObject({ result: "success", exitCode: 0 });
  });

  it("keeps a completed task's files with retentionTime P30D", async () => {
    await client.job.add({ id: "month-files", poolInfo: { poolId: POOL } });
    await client.task.add("month-files", {
      id: "kept",
      commandLine: bash("echo kept"),
      constraints: { retentionTime: "P30D" },
    });
    await waitForTask(client, "month-files", "kept");
    await sleep(SETTLE_MS);
    const files = await client.file.listFromTask("month-files", "kept");
    expect(files.map((f) => f.name)).toContain("stdout.txt");
  });

  it("keeps a schedule recurring every P30D active after its first job, its next run 30 days on", async () => {
    const doNotRunUntil = new Date(Date.now() + 500);
    await client.jobSchedule.add({
      id: "monthly",
      schedule: { recurrenceInterval: "P30D", doNotRunUntil },
      jobSpecification: { poolInfo: { poolId: POOL }, onAllTasksComplete: "terminatejob" },
    });
    // The job has no tasks: it completes at once, and with it the occurrence.
    await pollUntil("monthly:job-1", async () =>
      (await client.job.listFromJobSchedule("monthly")).some((j) => j.id === "monthly:job-1") ? true : undefined,
    );
    await waitForJob(client, "monthly:job-1");
    await sleep(SETTLE_MS);
    const schedule = await client.jobSchedule.get("monthly");
    expect({ state: schedule.state, nextRunTime: schedule.executionInfo?.nextRunTime?.toISOString() }).toEqual({
      state: "active",
      nextRunTime: new Date(doNotRunUntil.getTime() + 30 * DAY_MS).toISOString(),
    });
    expect((await client.job.listFromJobSchedule("monthly")).map((j) => j.id)).toEqual(["monthly:job-1"]);
    await client.jobSchedule.deleteMethod("monthly");
  });
});

describe("npm run local", () => {
  let cli: LocalCliProcess | undefined;
  beforeAll(async () => {
    cli = await startLocalCli(["--max-processes", "1"]);
  }, 60_000);
  afterAll(async () => {
    if (cli?.alive()) {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  });

  it("has a schedule not to run for 30 days wait quietly: no job, its nextRunTime, no TimeoutOverflowWarning", async () => {
    if (!cli) throw new Error("npm run local did not start (see beforeAll)");
    const doNotRunUntil = new Date(Date.now() + 30 * DAY_MS);
    await cli.batch.jobSchedule.add({
      id: "next-month",
      schedule: { doNotRunUntil },
      jobSpecification: { poolInfo: { poolId: "any-pool" } },
    });
    await sleep(SETTLE_MS);
    const schedule = await cli.batch.jobSchedule.get("next-month");
    expect(schedule.state).toBe("active");
    expect(schedule.executionInfo?.nextRunTime?.toISOString()).toBe(doNotRunUntil.toISOString());
    expect(await cli.batch.job.listFromJobSchedule("next-month")).toHaveLength(0);
    // Node prints one for each timer it cuts to 1 ms.
    expect(cli.output().split("TimeoutOverflowWarning").length - 1).toBe(0);
  });
});

describe("a month-long duration on a service started again 31 days later", () => {
  beforeAll(async () => {
    await client.job.add({ id: "old-job", poolInfo: { poolId: POOL }, constraints: { maxWallClockTime: "P30D" } });
    await client.job.add({ id: "old-files", poolInfo: { poolId: POOL } });
    await client.task.add("old-files", {
      id: "expired",
      commandLine: bash("echo expired"),
      constraints: { retentionTime: "P30D" },
    });
    await waitForTask(client, "old-files", "expired");
    await stop();
    await ageSavedState(31 * DAY_MS);
    await start();
  });

  it("terminates a job whose maxWallClockTime of P30D is over (MaxWallClockTimeExpiry)", async () => {
    const job = await waitForJob(client, "old-job");
    expect(job.executionInfo?.terminateReason).toBe("MaxWallClockTimeExpiry");
  });

  it("removes a completed task's files whose retentionTime of P30D is over (TaskFilesCleanedup)", async () => {
    // Listing succeeds (errorOf throws, so undefined: poll again) until the files are gone.
    const cleaned = await pollUntil("the task's files to be cleaned up", () =>
      errorOf(() => client.file.listFromTask("old-files", "expired")).catch(() => undefined),
    );
    expect(cleaned).toMatchObject({ status: 409, code: "TaskFilesCleanedup" });
  });
});

describe("runProcess", () => {
  it("lets a process with a 30-day wall-clock limit run to its end", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "long-durations-process-"));
    try {
      const outcome = await runProcess({
        commandLine: "sleep 1",
        taskDir: dir,
        workingDir: dir,
        env: { PATH: process.env.PATH },
        timeoutMs: 30 * DAY_MS,
      }).done;
      expect(outcome).toEqual({ exitCode: 0, timedOut: false, killed: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
