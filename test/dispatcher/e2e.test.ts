/**
 * The dispatcher end to end against the local cloud with the real worker on the sample photos:
 * `npm run ocr` as a fresh clone runs it, a run resumed after being killed at several points, and
 * a pool that cannot run tasks.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { parse } from "csv-parse/sync";
import { startLocalCloud, type LocalCloud } from "../../local/index";
import { deployLocalStack, type LocalDeployment } from "../../tasks/local-target";
import { ROOT, runCli } from "./run-cli";

const SAMPLES = path.join(ROOT, "samples");

async function truth(): Promise<Map<string, string>> {
  const rows = parse(await readFile(path.join(SAMPLES, "truth.csv"), "utf8"), { columns: true }) as { photo: string; reading: string }[];
  return new Map(rows.map((r) => [r.photo, r.reading]));
}

type Row = { photo: string; reading: string; confidence: string; status: string; error: string; task_id: string };

async function resultsCsv(dir: string): Promise<Row[]> {
  return parse(await readFile(path.join(dir, "results.csv"), "utf8"), { columns: true }) as Row[];
}

describe("npm run ocr with no arguments", () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(path.join(tmpdir(), "ocr-e2e-"));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  test("reads the bundled samples locally, prints the readings and writes the results files", async () => {
    const run = await runCli(["--out", out]);
    expect(run.code).toBe(0);
    const expected = await truth();
    const [jobDir] = await readdir(out);
    const dir = path.join(out, jobDir as string);
    const rows = await resultsCsv(dir);
    expect(rows.map((r) => r.photo).sort()).toEqual([...expected.keys()].sort());
    for (const r of rows) {
      expect({ photo: r.photo, reading: r.reading, status: r.status }).toEqual({ photo: r.photo, reading: expected.get(r.photo), status: "ok" });
      expect(run.stdout).toMatch(new RegExp(`${r.photo.replace(".", "\\.")}\\s+${r.reading}\\s`));
      expect(await readFile(path.join(dir, "text", `${r.photo}.txt`), "utf8")).toContain(`reading: ${r.reading}`);
    }
    const json = JSON.parse(await readFile(path.join(dir, "results.json"), "utf8")) as { photo: string; reading: string; taskId: string }[];
    expect(json.map((r) => [r.photo, r.reading, r.taskId])).toEqual(rows.map((r) => [r.photo, r.reading, r.task_id]));
    expect(run.stdout).toContain(`${expected.size} photo(s): ${expected.size} read, 0 unreadable, 0 failed`);
  });
});

describe("against a local cloud that outlives the dispatcher", () => {
  let work: string;
  let cloud: LocalCloud;
  let deployment: LocalDeployment;
  let client: BatchServiceClient;
  let env: NodeJS.ProcessEnv;
  let outputsFile: string;
  let input: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "ocr-resume-"));
    cloud = await startLocalCloud({ dataDir: path.join(work, "cloud") });
    deployment = await deployLocalStack(cloud, { projectDir: ROOT, packageDir: path.join(work, "package"), nodes: 2 });
    outputsFile = path.join(work, "outputs.json");
    await writeFile(outputsFile, JSON.stringify(deployment.outputs));
    // The variables `npm run local` prints: the only way a key reaches the dispatcher.
    env = { ...process.env, AZURE_BATCH_ACCESS_KEY: cloud.batchAccountKey, AZURE_STORAGE_CONNECTION_STRING: cloud.storageConnectionString };
    client = new BatchServiceClient(new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey), cloud.batchEndpoint);
    input = path.join(work, "photos");
    await mkdir(input);
    for (const f of await readdir(SAMPLES)) if (f.endsWith(".jpg")) await copyFile(path.join(SAMPLES, f), path.join(input, f));
    await writeFile(path.join(input, "broken.jpg"), "this is not a JPEG");
  });
  afterAll(async () => {
    await cloud?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test("killed after upload, after planning, after submitting and while waiting, the same command finishes the job: nothing uploaded or added twice", async () => {
    const out = path.join(work, "out");
    const args = ["--outputs", outputsFile, "--input", input, "--profile", path.join(SAMPLES, "profile.json"), "--out", out, "--job-id", "resume-1", "--images-per-task", "2", "--poll", "0.5"];

    const first = await runCli(args, { env, killWhen: /upload: 13 photo\(s\) sent/ });
    expect(first.signal).toBe("SIGKILL");
    const second = await runCli(args, { env, killWhen: /^plan: /m });
    expect(second.signal).toBe("SIGKILL");
    expect(second.stderr).toContain("upload: 0 photo(s) sent (0 B), 13 already there");
    // Submit only, with SAS URLs for the tasks instead of the pool identity.
    const third = await runCli([...args, "--no-wait", "--task-storage", "sas"], { env });
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/plan: resuming job resume-1 \(7 task\(s\)/);
    expect(third.stderr).toContain("not waiting (--no-wait)");
    const fourth = await runCli(args, { env, killWhen: /^tasks: /m });
    expect(fourth.signal).toBe("SIGKILL");
    expect(fourth.stderr).toContain("submit: every task was added by an earlier run");

    const last = await runCli([...args, "--json", "--keep-job"], { env });
    expect(last.code).toBe(2); // broken.jpg cannot be read: some photos failed
    const report = JSON.parse(last.stdout) as {
      upload: { uploaded: number; skipped: number; bytesSent: number };
      tasks: { planned: number; added: number; existed: number; resumed: boolean };
      collected: { rows: { photo: string; reading: string | null; status: string; error: string | null }[] };
    };
    expect(report.upload).toEqual({ uploaded: 0, skipped: 13, bytesSent: 0 });
    expect(report.tasks).toEqual({ planned: 7, added: 0, existed: 7, resumed: true });
    const tasks = await client.task.list("resume-1");
    expect(tasks.map((t) => t.id).sort()).toHaveLength(7);
    expect(tasks.every((t) => t.state === "completed")).toBe(true);

    const expected = await truth();
    const rows = report.collected.rows;
    expect(rows).toHaveLength(13);
    const broken = rows.find((r) => r.photo === "broken.jpg");
    expect(broken).toMatchObject({ status: "error", reading: null });
    expect(broken?.error).toBeTruthy();
    for (const r of rows.filter((r) => r.photo !== "broken.jpg")) expect([r.photo, r.status, r.reading]).toEqual([r.photo, "ok", expected.get(r.photo)]);
    expect((await resultsCsv(path.join(out, "resume-1"))).map((r) => r.photo).sort()).toEqual(rows.map((r) => r.photo).sort());
    await client.job.deleteMethod("resume-1");

    // Once more after the job is gone: the records in the results container are enough, nothing runs again.
    const again = await runCli([...args, "--json"], { env });
    expect(again.code).toBe(2);
    const againReport = JSON.parse(again.stdout) as typeof report & { outcome?: unknown };
    expect(againReport.tasks).toEqual({ planned: 7, added: 0, existed: 0, resumed: true });
    expect(againReport.outcome).toBeUndefined();
    expect(againReport.collected.rows).toEqual(rows);
    expect(again.stderr).toContain("job resume-1 is gone; 7 task(s) left their records already, 0 to run");
  });

  test("a pool whose start task fails is reported at once, with what to do", async () => {
    await client.pool.add({
      id: "broken-pool",
      vmSize: "Standard_D2as_v5",
      virtualMachineConfiguration: { imageReference: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" }, nodeAgentSKUId: "batch.node.ubuntu 24.04" },
      startTask: { commandLine: "/bin/bash -c 'echo no tesseract here >&2; exit 3'", waitForSuccess: true, maxTaskRetryCount: 0 },
      targetDedicatedNodes: 1,
    });
    const outputs = path.join(work, "broken-outputs.json");
    await writeFile(outputs, JSON.stringify({ ...deployment.outputs, poolId: "broken-pool" }));
    const run = await runCli(["--outputs", outputs, "--input", input, "--out", path.join(work, "out-broken"), "--job-id", "broken-1", "--poll", "0.5"], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/pool broken-pool cannot run tasks: the start task failed on 1 of 1 node\(s\).*fix the start task/);
  });
});
