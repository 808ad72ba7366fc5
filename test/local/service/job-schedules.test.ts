/**
 * Job schedules: jobs `{scheduleId}:job-N` created at each recurrence from the job
 * specification, doNotRunUntil/doNotRunAfter, one active job at a time, disable/enable,
 * terminate, delete. Intervals run 60 times faster (scheduleTimeScale), so PT1M is a second.
 */
import { errorOf, gone, pollUntil, readyPool, useService } from "./fixture";

const service = useService("job-schedules", { scheduleTimeScale: 60 });
const POOL = "sched-pool";

beforeAll(async () => {
  await readyPool(service().client, POOL);
});

const jobIdsOf = async (scheduleId: string): Promise<string[]> =>
  (await service().client.job.listFromJobSchedule(scheduleId)).map((j) => j.id!);

/** Waits for a schedule's job to exist (a get of it says 404 until then). */
async function jobAppears(scheduleId: string, jobId: string) {
  await pollUntil(`${jobId} created`, async () => ((await jobIdsOf(scheduleId)).includes(jobId) ? true : undefined));
  return service().client.job.get(jobId);
}

describe("job schedules", () => {
  it("creates a job at each recurrence and completes once doNotRunAfter has passed", async () => {
    const { client } = service();
    const doNotRunAfter = new Date(Date.now() + 3_500);
    await client.jobSchedule.add({
      id: "nightly",
      schedule: { recurrenceInterval: "PT1M", doNotRunAfter },
      jobSpecification: {
        poolInfo: { poolId: POOL },
        onAllTasksComplete: "terminatejob",
        metadata: [{ name: "kind", value: "ocr" }],
      },
    });
    const first = await client.jobSchedule.get("nightly");
    expect(first.state).toBe("active");

    const ids = await pollUntil("two jobs of the schedule", async () => {
      const found = await jobIdsOf("nightly");
      return found.length >= 2 ? found : undefined;
    });
    expect(ids.slice(0, 2)).toEqual(["nightly:job-1", "nightly:job-2"]);
    const job = await client.job.get("nightly:job-2");
    expect(job.poolInfo?.poolId).toBe(POOL);
    expect(job.metadata).toEqual([{ name: "kind", value: "ocr" }]);

    const running = await client.jobSchedule.get("nightly");
    expect(running.executionInfo?.recentJob?.id).toMatch(/^nightly:job-\d+$/);

    const done = await pollUntil("the schedule completed", async () => {
      const schedule = await client.jobSchedule.get("nightly");
      return schedule.state === "completed" ? schedule : undefined;
    });
    expect(done.executionInfo?.nextRunTime).toBeUndefined();
    expect(done.executionInfo?.endTime).toBeDefined();
    const jobs = await client.job.listFromJobSchedule("nightly");
    for (const j of jobs) expect(j.creationTime!.getTime()).toBeLessThanOrEqual(doNotRunAfter.getTime());
    expect(jobs.length).toBeGreaterThanOrEqual(2);
  });

  it("without a recurrence creates one job at doNotRunUntil and completes when that job does", async () => {
    const { client } = service();
    const doNotRunUntil = new Date(Date.now() + 1_000);
    await client.jobSchedule.add({
      id: "once",
      schedule: { doNotRunUntil },
      jobSpecification: { poolInfo: { poolId: POOL } },
    });
    expect((await client.jobSchedule.get("once")).executionInfo?.nextRunTime?.getTime()).toBe(doNotRunUntil.getTime());
    const job = await jobAppears("once", "once:job-1");
    expect(job.creationTime!.getTime()).toBeGreaterThanOrEqual(doNotRunUntil.getTime());
    expect((await client.jobSchedule.get("once")).state).toBe("active");
    await client.job.terminate("once:job-1");
    await pollUntil("the schedule completed", async () =>
      (await client.jobSchedule.get("once")).state === "completed" ? true : undefined,
    );
    expect(await jobIdsOf("once")).toEqual(["once:job-1"]);
  });

  it("keeps one job active at a time: an occurrence while the last job runs waits, then is skipped", async () => {
    const { client } = service();
    await client.jobSchedule.add({
      id: "busy",
      schedule: { recurrenceInterval: "PT1M", startWindow: "PT1M" },
      jobSpecification: { poolInfo: { poolId: POOL } },
    });
    await jobAppears("busy", "busy:job-1");
    const firstNext = (await client.jobSchedule.get("busy")).executionInfo!.nextRunTime!.getTime();
    // Two occurrences later, the first job (never ending) is still the only one.
    await pollUntil("two more occurrences", async () =>
      (await client.jobSchedule.get("busy")).executionInfo!.nextRunTime!.getTime() >= firstNext + 2_000
        ? true
        : undefined,
    );
    expect(await jobIdsOf("busy")).toEqual(["busy:job-1"]);
    await client.job.terminate("busy:job-1");
    await pollUntil("a second job once the first ended", async () =>
      (await jobIdsOf("busy")).includes("busy:job-2") ? true : undefined,
    );
    await client.jobSchedule.terminate("busy");
  });

  it("disables and enables, terminates with its active job, and deletes with its jobs", async () => {
    const { client } = service();
    await client.jobSchedule.add({
      id: "switch",
      schedule: { recurrenceInterval: "PT1M" },
      jobSpecification: { poolInfo: { poolId: POOL } },
    });
    await jobAppears("switch", "switch:job-1");

    await client.jobSchedule.disable("switch");
    const disabled = await client.jobSchedule.get("switch");
    expect(disabled.state).toBe("disabled");
    expect(disabled.executionInfo?.nextRunTime).toBeUndefined();
    await client.jobSchedule.enable("switch");
    const enabled = await client.jobSchedule.get("switch");
    expect(enabled.state).toBe("active");
    expect(enabled.executionInfo?.nextRunTime).toBeDefined();

    await client.jobSchedule.terminate("switch");
    await pollUntil("the schedule completed", async () =>
      (await client.jobSchedule.get("switch")).state === "completed" ? true : undefined,
    );
    expect((await client.job.get("switch:job-1")).state).toBe("completed");

    await client.jobSchedule.deleteMethod("switch");
    await pollUntil("the schedule gone", () => gone(() => client.jobSchedule.get("switch")));
    await pollUntil("its job gone", () => gone(() => client.job.get("switch:job-1")));
  });

  it("answers as Batch for a recurrence under a minute, a duplicate id and an unknown schedule", async () => {
    const { client } = service();
    const short = await errorOf(() =>
      client.jobSchedule.add({
        id: "too-often",
        schedule: { recurrenceInterval: "PT30S" },
        jobSpecification: { poolInfo: { poolId: POOL } },
      }),
    );
    expect(short).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    await client.jobSchedule.add({
      id: "twice",
      schedule: { doNotRunUntil: new Date(Date.now() + 3_600_000) },
      jobSpecification: { poolInfo: { poolId: POOL } },
    });
    expect(
      await errorOf(() =>
        client.jobSchedule.add({ id: "twice", schedule: {}, jobSpecification: { poolInfo: { poolId: POOL } } }),
      ),
    ).toMatchObject({ status: 409, code: "JobScheduleExists" });
    expect(await errorOf(() => client.jobSchedule.get("no-such-schedule"))).toMatchObject({
      status: 404,
      code: "JobScheduleNotFound",
    });
    expect((await client.jobSchedule.exists("twice")).body).toBe(true);
    await client.jobSchedule.patch("twice", { metadata: [{ name: "m", value: "1" }] });
    expect((await client.jobSchedule.get("twice")).metadata).toEqual([{ name: "m", value: "1" }]);
  });

  it("checks a schedule's body as Batch's: a typo 400 (nothing added), a job manager task in its job specification 501", async () => {
    const { raw } = service();
    const spec = { poolInfo: { poolId: POOL } };
    const typo = await raw("POST", "/jobschedules", {
      id: "typo",
      schedule: { recurrenceIntervall: "PT1M" },
      jobSpecification: spec,
    });
    expect(typo).toMatchObject({
      status: 400,
      body: {
        code: "InvalidRequestBody",
        values: expect.arrayContaining([{ key: "PropertyName", value: "schedule.recurrenceIntervall" }]),
      },
    });
    expect((await raw("GET", "/jobschedules/typo")).status).toBe(404);
    const managed = await raw("POST", "/jobschedules", {
      id: "managed",
      schedule: {},
      jobSpecification: { ...spec, jobManagerTask: { id: "m", commandLine: "/bin/true" } },
    });
    expect(managed).toMatchObject({
      status: 501,
      body: { message: { value: expect.stringContaining("jobSchedule.jobSpecification.jobManagerTask") } },
    });
    await raw("POST", "/jobschedules", {
      id: "patched",
      schedule: { doNotRunUntil: new Date(Date.now() + 3_600_000).toISOString() },
      jobSpecification: spec,
    });
    const patch = await raw("PATCH", "/jobschedules/patched", { jobSpecification: { ...spec, priorty: 5 } });
    expect(patch).toMatchObject({
      status: 400,
      body: { values: expect.arrayContaining([{ key: "PropertyName", value: "jobSpecification.priorty" }]) },
    });
  });
});
