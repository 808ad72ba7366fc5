/**
 * A job schedule kept with the service's state (`--data`): stopped and started again on the
 * same data directory, the schedule is there as it was and goes on creating jobs, numbered on
 * from the last one.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { startLocalCloud, type LocalCloud } from "../../local";
import { pollUntil } from "./service/fixture";

jest.setTimeout(90_000);

let dataDir: string;
const clouds: LocalCloud[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "schedules-restart-"));
});
afterAll(async () => {
  await Promise.all(clouds.map((c) => c.stop().catch(() => undefined)));
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

async function start(): Promise<BatchServiceClient> {
  const cloud = await startLocalCloud({
    dataDir,
    persistState: true,
    inMemoryStorage: true,
    scheduleTimeScale: 60,
    maxProcesses: 2,
  });
  clouds.push(cloud);
  return new BatchServiceClient(
    new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
    cloud.batchEndpoint,
  );
}

const jobIds = async (client: BatchServiceClient) => (await client.job.listFromJobSchedule("kept")).map((j) => j.id!);

test("a schedule comes back after a restart on the same data directory and numbers its jobs on", async () => {
  const first = await start();
  await first.jobSchedule.add({
    id: "kept",
    schedule: { recurrenceInterval: "PT1M" },
    jobSpecification: { poolInfo: { poolId: "any-pool" }, onAllTasksComplete: "terminatejob" },
    metadata: [{ name: "purpose", value: "nightly OCR" }],
  });
  await pollUntil("kept:job-2", async () => ((await jobIds(first)).includes("kept:job-2") ? true : undefined));
  await clouds.pop()!.stop();

  const second = await start();
  const back = await second.jobSchedule.get("kept");
  expect(back).toMatchObject({
    state: "active",
    metadata: [{ name: "purpose", value: "nightly OCR" }],
    schedule: { recurrenceInterval: "PT1M" },
  });
  const seen = await jobIds(second);
  expect(seen.slice(0, 2)).toEqual(["kept:job-1", "kept:job-2"]);
  const next = `kept:job-${seen.length + 1}`;
  await pollUntil(next, async () => ((await jobIds(second)).includes(next) ? true : undefined));
});
