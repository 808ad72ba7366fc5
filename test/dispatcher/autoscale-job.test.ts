/**
 * `npm run autoscale -- --job ID` against a real local Batch service: a job whose tasks ran and
 * completed is replayed from its task history, reached through stack outputs and the key
 * `npm run local` prints, as `npm run ocr --outputs` reaches Batch.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { startLocalCloud, type LocalCloud } from "../../local/index";
import type { PendingPoint, Replay } from "../../tasks/autoscale-replay";
import { deployLocalStack } from "../../tasks/local-target";
import { pollUntil } from "../local/service/fixture";
import { autoscaleInProcess } from "./in-process";
import { ROOT, runCli } from "./run-cli";

const JOB = "replay-done";
const EMPTY_JOB = "replay-empty";

describe("npm run autoscale --job, from a finished job's task history", () => {
  let work: string;
  let cloud: LocalCloud;
  let outputsFile: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "autoscale-job-"));
    cloud = await startLocalCloud({ dataDir: path.join(work, "cloud"), inMemoryStorage: true });
    // The dev stack's pool as `npm run ocr` deploys it; one node, so both tasks run on it.
    const deployment = await deployLocalStack(cloud, {
      projectDir: ROOT,
      packageDir: path.join(work, "package"),
      nodes: 1,
    });
    outputsFile = path.join(work, "outputs.json");
    await writeFile(outputsFile, JSON.stringify(deployment.outputs));
    env = { ...process.env, AZURE_BATCH_ACCESS_KEY: cloud.batchAccountKey };

    const client = new BatchServiceClient(
      new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
      cloud.batchEndpoint,
    );
    const poolInfo = { poolId: deployment.outputs.poolId };
    await client.job.add({ id: JOB, poolInfo });
    await client.job.add({ id: EMPTY_JOB, poolInfo });
    // One after the other, so that the history has a moment with one task pending and one with two.
    await client.task.add(JOB, { id: "first", commandLine: "/bin/sleep 1" });
    await client.task.add(JOB, { id: "second", commandLine: "/bin/sleep 2" });
    await pollUntil(
      "both tasks to complete",
      async () => ((await client.task.list(JOB)).every((t) => t.state === "completed") ? true : undefined),
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await cloud?.stop();
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  test("replays the pending tasks Batch counted through the dev stack's formula: one node for the work, released once the window forgets it", async () => {
    const run = await runCli(["--outputs", outputsFile, "--job", JOB, "--stack", "dev", "--json"], {
      script: "autoscale-cli.ts",
      env,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const replay = JSON.parse(run.stdout) as Replay & { job: { tasks: number; points: PendingPoint[] } };
    expect(replay.job.tasks).toBe(2);
    // Created one, created the other, then each completed: pending counts active and running alike.
    expect(replay.job.points.map((p) => p.pending)).toEqual([1, 2, 1, 0]);
    // The job took seconds, less than one 30 s sample: the first evaluation saw the first task
    // pending, two slots per node make one node of it, and the 5-minute window keeps it one more run.
    expect(replay.steps).toEqual([
      { minute: 0, pending: 1, dedicated: 1, lowPriority: 0 },
      { minute: 5, pending: 0, dedicated: 1, lowPriority: 0 },
      { minute: 10, pending: 0, dedicated: 0, lowPriority: 0 },
    ]);
    expect(replay.dedicatedNodeHours).toBeCloseTo(10 / 60);

    const table = await runCli(["--outputs", outputsFile, "--job", JOB, "--price-per-node-hour", "0.096"], {
      script: "autoscale-cli.ts",
      env,
    });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(
        `^job ${JOB}: 2 task\\(s\\) from \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(minute 0\\), the last completed at minute 0\\.\\d\\d; at most 2 pending$`,
        "m",
      ),
    );
    expect(table.stdout).toContain("formula: stack dev, evaluated every 5 min");
    expect(table.stdout).toMatch(/^\s+0\s+1\s+1\s+0\s+#$/m);
    expect(table.stdout).toContain("node-hours: 0.17 dedicated, 0.00 Spot/low-priority");
    expect(table.stdout).toContain("cost: 0.0160 (0.17 dedicated node-hours at 0.096)");
  }, 120_000);

  test("a job Batch does not have, or one with no tasks, is refused with what to do", async () => {
    const unknown = await autoscaleInProcess(["--outputs", outputsFile, "--job", "never-ran"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      `has no job "never-ran" (npm run ocr deletes a job once it has collected it: run it with --keep-job to replay it)`,
    );
    const empty = await autoscaleInProcess(["--outputs", outputsFile, "--job", EMPTY_JOB], env);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain(`job "${EMPTY_JOB}" has no tasks: there is nothing to replay`);
    expect(empty.stdout).toBe("");
  });
});
