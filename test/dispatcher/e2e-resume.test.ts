/**
 * The dispatcher against a local cloud that outlives it (as a deployment on Azure does): a run
 * resumed after being killed at several points, and a pool that cannot run tasks.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { startLocalCloud, type LocalCloud } from "../../local/index";
import { connect } from "../../tasks/credentials";
import { deployLocalStack, type LocalDeployment } from "../../tasks/local-target";
import { addTasks, ensureJob } from "../../tasks/submit";
import { ocrArgs, ROOT, runCli } from "./run-cli";
import { expectTrusted, resultsCsv, SAMPLES, truthRows } from "./samples";

describe("against a local cloud that outlives the dispatcher", () => {
  let work: string;
  let cloud: LocalCloud;
  let deployment: LocalDeployment;
  let client: BatchServiceClient;
  let env: NodeJS.ProcessEnv;
  let outputsFile: string;
  let input: string;
  /** The samples plus one broken photo, two photos per task. */
  let photoCount: number;
  let taskCount: number;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "ocr-resume-"));
    cloud = await startLocalCloud({ dataDir: path.join(work, "cloud") });
    deployment = await deployLocalStack(cloud, { projectDir: ROOT, packageDir: path.join(work, "package"), nodes: 2 });
    outputsFile = path.join(work, "outputs.json");
    await writeFile(outputsFile, JSON.stringify(deployment.outputs));
    // The variables `npm run local` prints: the only way a key reaches the dispatcher.
    env = {
      ...process.env,
      AZURE_BATCH_ACCESS_KEY: cloud.batchAccountKey,
      AZURE_STORAGE_CONNECTION_STRING: cloud.storageConnectionString,
    };
    client = new BatchServiceClient(
      new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
      cloud.batchEndpoint,
    );
    input = path.join(work, "photos");
    await mkdir(input);
    for (const f of await readdir(SAMPLES))
      if (f.endsWith(".jpg")) await copyFile(path.join(SAMPLES, f), path.join(input, f));
    await writeFile(path.join(input, "broken.jpg"), "this is not a JPEG");
    photoCount = (await readdir(input)).length;
    taskCount = Math.ceil(photoCount / 2);
  });
  afterAll(async () => {
    await cloud?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test("stopped after upload, after planning (both SIGKILL), after submitting (--no-wait) and while waiting (SIGKILL), the same command finishes the job: nothing uploaded or added twice", async () => {
    const out = path.join(work, "out");
    const args = ocrArgs({
      outputs: outputsFile,
      input,
      profile: path.join(SAMPLES, "profile.json"),
      out,
      jobId: "resume-1",
      imagesPerTask: 2,
    });

    const first = await runCli(args, { env, killWhen: /upload: \d+ photo\(s\) sent/ });
    expect(first.signal).toBe("SIGKILL");
    const second = await runCli(args, { env, killWhen: /^plan: /m });
    expect(second.signal).toBe("SIGKILL");
    expect(second.stderr).toContain(`upload: 0 photo(s) sent (0 B), ${photoCount} already there`);
    // Submit only, with SAS URLs for the tasks instead of the pool identity.
    const third = await runCli([...args, "--no-wait", "--task-storage", "sas"], { env });
    const jobCreatedBy = Date.now();
    expect(third.code).toBe(0);
    expect(third.stderr).toContain(`plan: resuming job resume-1 (${taskCount} task(s)`);
    expect(third.stderr).toContain("not waiting (--no-wait)");
    const fourth = await runCli(args, { env, killWhen: /^tasks: /m });
    expect(fourth.signal).toBe("SIGKILL");
    expect(fourth.stderr).toContain("submit: every task was added by an earlier run");

    const lastStarted = Date.now();
    const last = await runCli([...args, "--json", "--keep-job"], { env });
    expect(last.code).toBe(2); // broken.jpg cannot be read: some photos failed
    // The resumed run's progress counts from the job's start (the third run), not from its own.
    const final = [
      ...last.stderr.matchAll(/^tasks: (\d+)\/(\d+) tasks done.*; (?:(\d+)m)?(\d+)s elapsed(.*)$/gm),
    ].pop();
    expect(final).toBeDefined();
    const [, done, total, minutes, seconds, rest] = final as RegExpMatchArray;
    expect([Number(done), Number(total)]).toEqual([taskCount, taskCount]);
    expect(Number(minutes ?? 0) * 60 + Number(seconds)).toBeGreaterThanOrEqual(
      Math.floor((lastStarted - jobCreatedBy) / 1000),
    );
    expect(rest).toMatch(/^, [\d.]+ photos\/s$/);
    const report = JSON.parse(last.stdout) as {
      upload: { uploaded: number; skipped: number; bytesSent: number };
      tasks: { planned: number; added: number; existed: number; resumed: boolean };
      collected: { rows: { photo: string; reading: string | null; status: string; error: string | null }[] };
      summary: { run: { wallMs: number | null; nodeHours: number | null; nodes: number } };
    };
    expect(report.upload).toEqual({ uploaded: 0, skipped: photoCount, bytesSent: 0 });
    expect(report.tasks).toEqual({ planned: taskCount, added: 0, existed: taskCount, resumed: true });
    const tasks = await client.task.list("resume-1");
    expect(tasks.map((t) => t.id).sort()).toHaveLength(taskCount);
    expect(tasks.every((t) => t.state === "completed")).toBe(true);

    const expected = new Map((await truthRows()).map((t) => [t.photo, t]));
    const rows = report.collected.rows;
    expect(rows).toHaveLength(photoCount);
    const broken = rows.find((r) => r.photo === "broken.jpg");
    expect(broken).toMatchObject({ status: "error", reading: null });
    expect(broken?.error).toBeTruthy();
    for (const r of rows.filter((r) => r.photo !== "broken.jpg")) expectTrusted(r, expected.get(r.photo)!);
    expect((await resultsCsv(path.join(out, "resume-1"))).map((r) => r.photo).sort()).toEqual(
      rows.map((r) => r.photo).sort(),
    );
    await client.job.deleteMethod("resume-1");

    // Once more after the job is gone: the records in the results container are enough, nothing runs again.
    const again = await runCli([...args, "--json"], { env });
    expect(again.code).toBe(2);
    const againReport = JSON.parse(again.stdout) as typeof report & { outcome?: unknown };
    expect(againReport.tasks).toEqual({ planned: taskCount, added: 0, existed: 0, resumed: true });
    expect(againReport.outcome).toBeUndefined();
    expect(againReport.collected.rows).toEqual(rows);
    // The job's tasks are gone, but the figures the first collection kept are still reported.
    expect(report.summary.run.wallMs).toBeGreaterThan(0);
    expect(againReport.summary.run).toEqual(report.summary.run);
    expect(again.stderr).toContain(
      `no job resume-1 in the account (not created yet, or deleted); ${taskCount} task(s) have their records already, 0 to run`,
    );
  });

  test("a pool whose start task fails is reported at once, with what to do", async () => {
    await client.pool.add({
      id: "broken-pool",
      vmSize: "Standard_D2as_v5",
      virtualMachineConfiguration: {
        imageReference: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
        nodeAgentSKUId: "batch.node.ubuntu 24.04",
      },
      startTask: {
        commandLine: "/bin/bash -c 'echo no tesseract here >&2; exit 3'",
        waitForSuccess: true,
        maxTaskRetryCount: 0,
      },
      targetDedicatedNodes: 1,
    });
    const outputs = path.join(work, "broken-outputs.json");
    await writeFile(outputs, JSON.stringify({ ...deployment.outputs, poolId: "broken-pool" }));
    const args = [...ocrArgs({ outputs, input, out: path.join(work, "out-broken"), jobId: "broken-1" }), "--json"];
    const run = await runCli(args, { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /pool broken-pool cannot run tasks: the start task failed on 1 of 1 node\(s\).*fix the start task/,
    );

    // The operator gives up on the job; the same command then accounts for every photo and says why none was read.
    await client.job.terminate("broken-1");
    const after = await runCli(args, { env });
    expect(after.code).toBe(2);
    const rows = (
      JSON.parse(after.stdout) as { collected: { rows: { photo: string; status: string; error: string }[] } }
    ).collected.rows;
    expect(rows.map((r) => r.photo).sort()).toEqual((await readdir(input)).sort());
    for (const r of rows)
      expect(r).toMatchObject({
        status: "error",
        error: expect.stringMatching(
          /^no result record: task ocr-\S+ did not complete \(state active\): the job ended \(\w+\)$/,
        ),
      });
  });

  test("the submitter against the local Batch service: 1,000 tasks in collections, and again (all TaskExists), each listed once", async () => {
    await client.pool.add({
      id: "empty-pool",
      vmSize: "Standard_D2as_v5",
      virtualMachineConfiguration: {
        imageReference: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
        nodeAgentSKUId: "batch.node.ubuntu 24.04",
      },
      targetDedicatedNodes: 0,
    });
    const access = connect(deployment.outputs, { keys: deployment.keys });
    await ensureJob(access.batchClient, { jobId: "many-1", poolId: "empty-pool" });
    const tasks = Array.from({ length: 1000 }, (_, i) => ({
      id: `t-${i}`,
      commandLine: "/bin/true",
      resourceFiles: [{ httpUrl: `https://example.invalid/${"x".repeat(200)}/${i}`, filePath: `f${i}` }],
    }));
    const first = await addTasks(access.batchClient, "many-1", tasks, { concurrency: 4 });
    expect(first).toMatchObject({ added: 1000, existed: 0, calls: 10 });
    const again = await addTasks(access.batchClient, "many-1", tasks);
    expect(again).toMatchObject({ added: 0, existed: 1000 });
    const ids: string[] = [];
    let page = await access.batchClient.task.list("many-1", { taskListOptions: { select: "id", maxResults: 300 } });
    ids.push(...page.map((t) => t.id as string));
    while (page.odatanextLink) {
      page = await access.batchClient.task.listNext(page.odatanextLink);
      ids.push(...page.map((t) => t.id as string));
    }
    expect(ids.sort()).toEqual(tasks.map((t) => t.id).sort());
    await access.batchClient.job.deleteMethod("many-1");
  });
});
