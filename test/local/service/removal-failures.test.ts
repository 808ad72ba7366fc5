/**
 * Files that cannot be removed (a folder made immutable with chattr +i, which not even root can
 * remove): the deletion is reported on the pool or job, which stays `deleting`, the service goes
 * on serving, and a DELETE again, once the files can go, finishes the deletion.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bash, pollUntil, readyPool, useService, waitForTask } from "./fixture";

const service = useService("removal-failures");

const chattr = (flag: "+i" | "-i", dir: string) => spawnSync("chattr", ["-R", flag, dir]).status === 0;

/** Whether this machine can make a folder immutable here (root on a file system with attributes). */
function canLockFolders(): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), "removal-failures-probe-"));
  try {
    mkdirSync(path.join(dir, "x"));
    const locked = chattr("+i", path.join(dir, "x"));
    chattr("-i", path.join(dir, "x"));
    return locked;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const whereFoldersLock = canLockFolders() ? it : it.skip;

// A failed test must not leave folders that nothing (the fixture's cleanup included) can remove.
afterEach(() => void chattr("-i", service().cloud.dataDir));

/** A task that leaves a folder its node cannot remove until the test unlocks it. */
async function lockedTask(jobId: string, poolId: string): Promise<void> {
  const { client } = service();
  await client.job.add({ id: jobId, poolInfo: { poolId } });
  await client.task.add(jobId, { id: "lock", commandLine: bash("mkdir locked && touch locked/f && chattr +i locked") });
  expect((await waitForTask(client, jobId, "lock")).executionInfo?.exitCode).toBe(0);
}

async function gone(get: () => Promise<unknown>): Promise<true | undefined> {
  try {
    await get();
    return undefined;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return true;
    throw err;
  }
}

whereFoldersLock("a pool whose files cannot be removed stays deleting, says why, and goes on a DELETE again", async () => {
  const { client, cloud } = service();
  await readyPool(client, "locked-pool");
  await lockedTask("locked-pool-job", "locked-pool");

  await client.pool.deleteMethod("locked-pool");
  const pool = await pollUntil("the pool to report its files", async () => {
    const p = await client.pool.get("locked-pool");
    return p.resizeErrors?.length ? p : undefined;
  });
  expect(pool.state).toBe("deleting");
  expect(pool.resizeErrors?.[0]?.code).toBe("NodeFilesNotRemoved");
  expect(pool.resizeErrors?.[0]?.message).toMatch(/could not be removed: .*locked/);
  // Still serving, and what it reports stays put.
  expect((await client.pool.get("locked-pool")).state).toBe("deleting");

  const poolDir = path.join(cloud.dataDir, "nodes", "locked-pool");
  chattr("-i", poolDir);
  await client.pool.deleteMethod("locked-pool");
  await pollUntil("the pool deleted", () => gone(() => client.pool.get("locked-pool")));
  expect(existsSync(poolDir)).toBe(false);
});

whereFoldersLock("a job whose files cannot be removed stays deleting, says why, and goes on a DELETE again", async () => {
  const { client, cloud } = service();
  await readyPool(client, "job-files-pool");
  await lockedTask("locked-job", "job-files-pool");

  await client.job.deleteMethod("locked-job");
  const job = await pollUntil("the job to report its files", async () => {
    const j = await client.job.get("locked-job");
    return j.executionInfo?.schedulingError ? j : undefined;
  });
  expect(job.state).toBe("deleting");
  expect(job.executionInfo?.schedulingError).toMatchObject({ category: "servererror", code: "JobFilesNotRemoved" });
  expect(job.executionInfo?.schedulingError?.message).toMatch(/could not be removed: .*locked/);

  chattr("-i", path.join(cloud.dataDir, "nodes", "job-files-pool"));
  await client.job.deleteMethod("locked-job");
  await pollUntil("the job deleted", () => gone(() => client.job.get("locked-job")));
  const nodes = await client.computeNode.list("job-files-pool");
  for (const node of nodes) expect(existsSync(path.join(cloud.dataDir, "nodes", "job-files-pool", node.id!, "workitems", "locked-job"))).toBe(false);
});
