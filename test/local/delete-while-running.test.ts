/**
 * Pools, jobs and tasks deleted while their processes are still writing files, many times, against
 * `npm run local` in its own process: after every round the service still answers, and nothing of
 * a deleted entity is left (no file, no process).
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalCli, type LocalCliProcess } from "./local-cli-process";
import { addPool, bash, gone, pollUntil, processesWith } from "./service/fixture";

const ROUNDS = 6;
const NODES = 2;
const ROUND_DEADLINE_MS = 10_000;
const MARKER = `delete-while-running-${process.pid}`;

/**
 * A process that keeps creating files in its working directory and in folders below it, as fast
 * as bash can (no fork per file), so a removal always meets entries that appeared after it listed
 * the directory. The marker lets the test find every such process afterwards.
 */
const writer = (marker: string) =>
  bash(
    `: ${marker}; mkdir -p a b c; i=0; while :; do echo x > f$i; echo x > a/f$i; echo x > b/c$i; i=$(( (i + 1) % 200 )); done`,
  );

let cli: LocalCliProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  if (cli?.alive()) {
    cli.child.kill("SIGTERM");
    await cli.exited;
  }
  // Writers a failed run left behind would spin on the shared cores until the machine restarts.
  for (const pid of processesWith(MARKER)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

/** Folders under a node's task area that belong to the job (workitems/<job>), on every node of the pool. */
function jobFolders(poolId: string, jobId: string): string[] {
  const poolDir = path.join(dataDir!, "nodes", poolId);
  if (!existsSync(poolDir)) return [];
  return readdirSync(poolDir)
    .map((node) => path.join(poolDir, node, "workitems", jobId))
    .filter((dir) => existsSync(dir));
}

it("survives pools, jobs and tasks deleted while their processes write, and leaves nothing of them behind", async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "delete-while-running-"));
  // Every process slot taken by two start tasks and two tasks: enough writers to race every
  // removal, few enough for two cores, and a third node's start task has to wait for a slot.
  const started = await startLocalCli(["--data", dataDir, "--max-processes", String(NODES + 2)]);
  cli = started;
  const { batch } = started;
  // The client retries a refused connection for a long while: a dead service must fail the test at once, saying why.
  const died = started.exited.then((code) => {
    throw new Error(`npm run local exited (${code}); it printed:\n${started.output()}`);
  });
  const serving = <T>(call: Promise<T>): Promise<T> => Promise.race([call, died]);
  const waitFor = (what: string, probe: () => Promise<true | undefined>) =>
    pollUntil(what, probe, ROUND_DEADLINE_MS, 50);

  for (let round = 0; round < ROUNDS; round++) {
    const poolId = `pool-${round}`;
    const jobId = `job-${round}`;
    const marker = `${MARKER}-${round}`;
    await serving(
      addPool(batch, poolId, { nodes: NODES, startTask: { commandLine: writer(marker), waitForSuccess: false } }),
    );
    await serving(batch.job.add({ id: jobId, poolInfo: { poolId } }));
    await serving(
      batch.task.addCollection(
        jobId,
        ["t0", "t1", "t2"].map((id) => ({ id, commandLine: writer(marker) })),
      ),
    );
    await waitFor(`${poolId}: start tasks and tasks writing`, async () =>
      processesWith(marker).length >= NODES + 2 ? true : undefined,
    );

    // A running task deleted on its own: its folder goes, its pool and job stay.
    const t0 = await serving(batch.task.get(jobId, "t0"));
    expect(t0.state).toBe("running");
    await serving(batch.task.deleteMethod(jobId, "t0"));
    expect(
      existsSync(path.join(dataDir, "nodes", poolId, t0.nodeInfo!.nodeId!, "workitems", jobId, "job-1", "t0")),
    ).toBe(false);

    // One node more while every process slot is taken: its start task waits for a slot, which
    // the tasks' ends free while the node is being removed.
    await serving(batch.pool.resize(poolId, { targetDedicatedNodes: NODES + 1 }));
    await waitFor(`${poolId}: the new node's start task waiting`, async () => {
      const nodes = await serving(batch.computeNode.list(poolId));
      return nodes.length === NODES + 1 && nodes.every((n) => n.startTaskInfo !== undefined) ? true : undefined;
    });

    // Then the job and the pool, in turn: both at once, the pool first, the job first.
    const deletePool = () => serving(batch.pool.deleteMethod(poolId));
    const deleteJob = () => serving(batch.job.deleteMethod(jobId));
    if (round % 3 === 0) await Promise.all([deletePool(), deleteJob()]);
    else if (round % 3 === 1) await deletePool().then(deleteJob);
    else {
      await deleteJob();
      await waitFor(`${jobId} deleted`, () => gone(() => serving(batch.job.get(jobId))));
      // The job is gone but its pool is not: only the job's folders went.
      expect(jobFolders(poolId, jobId)).toEqual([]);
      await deletePool();
    }
    await waitFor(`${poolId} deleted`, () => gone(() => serving(batch.pool.get(poolId))));
    await waitFor(`${jobId} deleted`, () => gone(() => serving(batch.job.get(jobId))));
    await serving(batch.pool.list());

    expect(processesWith(marker)).toEqual([]);
    expect(existsSync(path.join(dataDir, "nodes", poolId))).toBe(false);
  }
  // A guard against a hang, not a speed check: 11-13 s alone, and over 30 s once on a CI run
  // that shared the machine's 2 cores with other test runs.
}, 90_000);
