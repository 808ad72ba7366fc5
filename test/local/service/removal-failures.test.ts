/**
 * Files that cannot be removed (a folder made immutable with chattr +i, which not even root can
 * remove): the deletion is reported on the pool or job, which stays `deleting`, the service goes
 * on serving, and a DELETE again, once the files can go, finishes the deletion.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bash, gone, pollUntil, readyPool, useService, waitForTask } from "./fixture";

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

/** A pool and a job whose task left a folder its node cannot remove until the test unlocks it. */
async function lockedFiles(poolId: string, jobId: string): Promise<void> {
  const { client } = service();
  await readyPool(client, poolId);
  await client.job.add({ id: jobId, poolInfo: { poolId } });
  await client.task.add(jobId, { id: "lock", commandLine: bash("mkdir locked && touch locked/f && chattr +i locked") });
  expect((await waitForTask(client, jobId, "lock")).executionInfo?.exitCode).toBe(0);
}

/**
 * Deletes an entity whose files cannot go, waits until it says why, lets the files go (unlocks
 * `dir`) and deletes it again, waiting until it is gone. Returns the entity as it said why.
 */
async function deleteThroughLockedFiles<T>(
  what: string,
  dir: string,
  del: () => Promise<unknown>,
  get: () => Promise<T>,
  reported: (entity: T) => boolean,
): Promise<T> {
  await del();
  const said = await pollUntil(`${what} to report its files`, async () => {
    const entity = await get();
    return reported(entity) ? entity : undefined;
  });
  // It still serves, and the report stays until the files can go.
  expect(reported(await get())).toBe(true);
  chattr("-i", dir);
  await del();
  await pollUntil(`${what} deleted`, () => gone(get));
  return said;
}

whereFoldersLock(
  "a pool whose files cannot be removed stays deleting, says why, and goes on a DELETE again",
  async () => {
    const { client, cloud } = service();
    await lockedFiles("locked-pool", "locked-pool-job");
    const poolDir = path.join(cloud.dataDir, "nodes", "locked-pool");
    const pool = await deleteThroughLockedFiles(
      "the pool",
      poolDir,
      () => client.pool.deleteMethod("locked-pool"),
      () => client.pool.get("locked-pool"),
      (p) => (p.resizeErrors?.length ?? 0) > 0,
    );
    expect(pool.state).toBe("deleting");
    expect(pool.resizeErrors?.[0]?.code).toBe("NodeFilesNotRemoved");
    expect(pool.resizeErrors?.[0]?.message).toMatch(/could not be removed: .*locked/);
    expect(existsSync(poolDir)).toBe(false);
  },
);

whereFoldersLock(
  "a job whose files cannot be removed stays deleting, says why, and goes on a DELETE again",
  async () => {
    const { client, cloud } = service();
    await lockedFiles("job-files-pool", "locked-job");
    const poolDir = path.join(cloud.dataDir, "nodes", "job-files-pool");
    const job = await deleteThroughLockedFiles(
      "the job",
      poolDir,
      () => client.job.deleteMethod("locked-job"),
      () => client.job.get("locked-job"),
      (j) => j.executionInfo?.schedulingError !== undefined,
    );
    expect(job.state).toBe("deleting");
    expect(job.executionInfo?.schedulingError).toMatchObject({ category: "servererror", code: "JobFilesNotRemoved" });
    expect(job.executionInfo?.schedulingError?.message).toMatch(/could not be removed: .*locked/);
    // Only the job's folders went; its pool's nodes are still there.
    const nodes = await client.computeNode.list("job-files-pool");
    expect(nodes.length).toBe(1);
    for (const node of nodes) expect(existsSync(path.join(poolDir, node.id!, "workitems", "locked-job"))).toBe(false);
  },
);
