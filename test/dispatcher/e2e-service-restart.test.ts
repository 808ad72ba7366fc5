/**
 * The dispatcher against `npm run local -- --data DIR` whose Batch service is killed (SIGKILL)
 * while the job runs and started again on the same DIR and
 * ports: the same command with the same --job-id finishes the job, every photo exactly once.
 */
import { readdirSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalCloud } from "../../local/index";
import { deployLocalStack } from "../../tasks/local-target";
import { startLocalCli, type LocalCliProcess } from "../local/local-cli-process";
import { pollUntil, processesWith } from "../local/service/fixture";
import { freePort } from "./free-port";
import { ocrArgs, ROOT, runCli } from "./run-cli";
import { expectTrusted, resultsCsv, SAMPLES, truthRows } from "./samples";

jest.setTimeout(300_000);

let work: string;
const started: LocalCliProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "ocr-service-restart-"));
});
afterAll(async () => {
  for (const cli of started) if (cli.alive()) process.kill(-cli.child.pid!, "SIGKILL");
  await Promise.all(started.map((cli) => cli.exited));
  await rm(work, { recursive: true, force: true, maxRetries: 5 });
});

/** The group's processes, from /proc (the fifth field of stat is the process group). */
function groupMembers(group: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === group) members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

/**
 * SIGKILLs the Batch service (tsx and the node it runs) mid-job; its reaper then stops Azurite
 * with SIGTERM: this test is about the Batch service's state. Azurite killed too loses the blobs of
 * its last seconds (its metadata is saved every few seconds), result records included, which a
 * restarted Batch service cannot know about.
 */
async function crashBatchService(cli: LocalCliProcess, azuriteLocation: string): Promise<void> {
  const azurite = processesWith(azuriteLocation);
  for (const pid of groupMembers(cli.child.pid!)) if (!azurite.includes(pid)) process.kill(pid, "SIGKILL");
  await cli.exited;
  // The service's reaper asks Azurite to end (SIGTERM, so it saves its last blobs): a second
  // SIGTERM from here would make it quit without saving.
  await pollUntil(
    "Azurite stopped",
    async () => (processesWith(azuriteLocation).length === 0 ? true : undefined),
    30_000,
    100,
  );
}

test("killed mid-job and restarted on the same --data, the local cloud lets the same command finish the job with every photo once", async () => {
  const dataDir = path.join(work, "cloud");
  const [batchPort, blobPort] = [await freePort(), await freePort()];
  // The deployment (pool, worker package) is made in-process, as `npm run ocr --local` makes it, and kept in dataDir.
  const deployingCloud = await startLocalCloud({ dataDir, batchPort, blobPort, persistState: true });
  const deployment = await deployLocalStack(deployingCloud, {
    projectDir: ROOT,
    packageDir: path.join(work, "package"),
    nodes: 2,
  }).finally(() => deployingCloud.stop());
  const outputsFile = path.join(work, "outputs.json");
  await writeFile(outputsFile, JSON.stringify(deployment.outputs));
  const input = path.join(work, "photos");
  await mkdir(input);
  for (const f of await readdir(SAMPLES))
    if (f.endsWith(".jpg")) await copyFile(path.join(SAMPLES, f), path.join(input, f));
  const photos = (await readdir(input)).sort();

  const start = async () => {
    const cli = await startLocalCli(
      ["--data", dataDir, "--batch-port", String(batchPort), "--blob-port", String(blobPort)],
      { ownProcessGroup: true },
    );
    started.push(cli);
    // A fresh account key at each start, as the printed variables say.
    return {
      cli,
      env: {
        ...process.env,
        AZURE_BATCH_ACCESS_KEY: cli.vars.AZURE_BATCH_ACCESS_KEY,
        AZURE_STORAGE_CONNECTION_STRING: cli.vars.AZURE_STORAGE_CONNECTION_STRING,
      },
    };
  };
  const out = path.join(work, "out");
  const args = ocrArgs({
    outputs: outputsFile,
    input,
    profile: path.join(SAMPLES, "profile.json"),
    out,
    jobId: "restart-1",
    imagesPerTask: 1,
  });

  const first = await start();
  const submitted = await runCli([...args, "--no-wait"], { env: first.env });
  expect(submitted.code).toBe(0);
  // Killed once some photos are done and others are not.
  const atKill = await pollUntil(
    "some tasks completed, some not",
    async () => {
      const tasks = [...(await first.cli.batch.task.list("restart-1"))];
      const completed = tasks.filter((t) => t.state === "completed").length;
      return completed > 0 && completed < tasks.length ? { completed, total: tasks.length } : undefined;
    },
    120_000,
    100,
  );
  await crashBatchService(first.cli, path.join(dataDir, "azurite"));

  const second = await start();
  const last = await runCli([...args, "--json"], { env: second.env });
  expect(last.stderr).toContain("submit: every task was added by an earlier run (job active)");
  // 2: a photo the worker refuses as unreadable, which expectTrusted allows for a wheel caught between digits.
  expect([0, 2]).toContain(last.code);
  const report = JSON.parse(last.stdout) as {
    tasks: { planned: number; added: number; existed: number };
    collected: { rows: { photo: string; reading: string | null; status: string }[] };
  };
  // Not `resumed`: Azurite, killed too, may lose its last seconds of blobs (the plan record among
  // them), yet every task is found in the restored job and none is added twice.
  expect(report.tasks).toMatchObject({ planned: photos.length, added: 0, existed: photos.length });
  const rows = report.collected.rows;
  expect(rows).toHaveLength(atKill.total);
  expect(rows.map((r) => r.photo).sort()).toEqual(photos);
  const expected = new Map((await truthRows()).map((t) => [t.photo, t]));
  for (const r of rows) expectTrusted(r, expected.get(r.photo)!);
  expect((await resultsCsv(path.join(out, "restart-1"))).map((r) => r.photo).sort()).toEqual(photos);
});
