/**
 * One bad node does not sink a job: a node whose task disk is full, read-only or cannot take a
 * directory becomes `unusable` with the reason in its errors, gets no new task, and every task
 * runs to success on the healthy node without spending a retry; the dispatcher's monitor names
 * the node and why. The disks are broken for real: a small tmpfs filled up, a read-only tmpfs,
 * a folder made immutable (chattr +i).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitForJob as monitorJob } from "../../../tasks/monitor";
import { addPool, bash, pollUntil, readyPool, useService, waitForJob, waitForNodes, waitForTask } from "./fixture";

const service = useService("bad-node", { maxProcesses: 4 });

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" });

/** Whether this machine lets the test mount a tmpfs and lock a folder (root with CAP_SYS_ADMIN, a file system with attributes). */
function canBreakDisks(): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), "bad-node-probe-"));
  try {
    const mounted = run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).status === 0;
    if (mounted) run("umount", [dir]);
    mkdirSync(path.join(dir, "x"));
    const locked = run("chattr", ["+i", path.join(dir, "x")]).status === 0;
    run("chattr", ["-i", path.join(dir, "x")]);
    return mounted && locked;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const whereDisksBreak = canBreakDisks() ? it : it.skip;

const mounts: string[] = [];
const locks: string[] = [];
afterAll(() => {
  for (const dir of locks) rmSync(dir, { recursive: true, force: true });
});
const locked: string[] = [];
// Nothing broken may outlive a test: the fixture's cleanup must be able to remove the data directory.
afterEach(() => {
  for (const dir of mounts.splice(0)) run("umount", ["-l", dir]);
  for (const dir of locked.splice(0)) run("chattr", ["-i", dir]);
});

function mountTmpfs(dir: string, options: string): void {
  mkdirSync(dir, { recursive: true });
  const mounted = run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  if (mounted.status !== 0) throw new Error(`mount ${dir}: ${mounted.stderr}`);
  mounts.push(dir);
}

/** Each way breaks the node's task disk (its workitems folder, where every task's directory goes). */
const BREAKAGES: { name: string; code: string; reason: RegExp; breakNode(nodeRoot: string): void }[] = [
  {
    name: "full",
    code: "DiskFull",
    reason: /ENOSPC/,
    breakNode(root) {
      const workitems = path.join(root, "workitems");
      mountTmpfs(workitems, "size=256k");
      // dd stops at the first ENOSPC: the file system is full.
      run("dd", ["if=/dev/zero", `of=${path.join(workitems, "filler")}`, "bs=4k"]);
    },
  },
  {
    name: "read-only",
    code: "DiskReadOnly",
    reason: /EROFS/,
    breakNode: (root) => mountTmpfs(path.join(root, "workitems"), "size=256k,ro"),
  },
  {
    name: "immutable",
    code: "TaskDirectoryNotWritable",
    reason: /EPERM/,
    breakNode(root) {
      if (run("chattr", ["+i", root]).status !== 0) throw new Error(`chattr +i ${root} failed`);
      locked.push(root);
    },
  },
];

const TASKS = 8;

describe.each(BREAKAGES)("a node whose task disk is $name", ({ name, code, reason, breakNode }) => {
  whereDisksBreak(
    "becomes unusable, says why, and the job completes on the other node without spending retries",
    async () => {
      const { client, cloud } = service();
      const poolId = `bad-${name}`;
      const jobId = `bad-${name}-job`;
      const [bad, good] = await readyPool(client, poolId, { nodes: 2, fill: "spread" });
      breakNode(path.join(cloud.dataDir, "nodes", poolId, bad!.id!));

      await client.job.add({ id: jobId, poolInfo: { poolId } });
      // A task writes a file as the worker does; on a full disk that write is what fails.
      const tasks = Array.from({ length: TASKS }, (_, i) => ({
        id: `t${i}`,
        commandLine: bash("echo reading > record.txt && sleep 0.2"),
        constraints: { maxTaskRetryCount: 0 },
      }));
      await client.task.addCollection(jobId, tasks);
      const lines: string[] = [];
      const monitored = monitorJob(client, jobId, poolId, TASKS, { pollMs: 100, log: (line) => lines.push(line) });
      await client.job.patch(jobId, { onAllTasksComplete: "terminatejob" });
      await waitForJob(client, jobId);
      await monitored;

      const done = await client.task.list(jobId);
      expect(done.map((t) => t.executionInfo?.result)).toEqual(Array(TASKS).fill("success"));
      for (const task of done) {
        expect(task.nodeInfo?.nodeId).toBe(good!.id);
        expect(task.executionInfo?.retryCount).toBe(0);
      }
      const node = await client.computeNode.get(poolId, bad!.id!);
      expect(node.state).toBe("unusable");
      expect(node.errors?.[0]?.code).toBe(code);
      const details = Object.fromEntries((node.errors?.[0]?.errorDetails ?? []).map((d) => [d.name, d.value]));
      expect(details.Path).toContain(path.join(bad!.id!, "workitems"));
      expect(details.Reason).toMatch(reason);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`node ${bad!.id} of pool ${poolId} is unusable: ${code}`);
      expect(lines[0]).toMatch(reason);
    },
  );
});

test("a node whose start task fails is named with its failure while the job completes on the other node", async () => {
  const { client } = service();
  const poolId = "bad-start";
  const jobId = "bad-start-job";
  // The first node to get here takes the lock; the other's start task fails, as a flaky node's would.
  const lockDir = mkdtempSync(path.join(tmpdir(), "bad-start-"));
  locks.push(lockDir);
  await addPool(client, poolId, {
    nodes: 2,
    startTask: {
      commandLine: bash(`mkdir ${path.join(lockDir, "lock")} || exit 3`),
      waitForSuccess: true,
      maxTaskRetryCount: 0,
    },
  });
  const nodes = await waitForNodes(client, poolId, 2, ["idle", "starttaskfailed"]);
  const failed = nodes.find((n) => n.state === "starttaskfailed");
  const good = nodes.find((n) => n.state === "idle");
  expect([failed, good].every(Boolean)).toBe(true);

  await client.job.add({ id: jobId, poolInfo: { poolId } });
  await client.task.addCollection(
    jobId,
    Array.from({ length: 4 }, (_, i) => ({ id: `t${i}`, commandLine: bash("sleep 0.2") })),
  );
  const lines: string[] = [];
  await monitorJob(client, jobId, poolId, 4, { pollMs: 100, log: (line) => lines.push(line) });
  const done = await client.task.list(jobId);
  expect(done.map((t) => [t.executionInfo?.result, t.nodeInfo?.nodeId])).toEqual(Array(4).fill(["success", good!.id]));
  expect(lines).toEqual([
    expect.stringContaining(
      `node ${failed!.id} of pool ${poolId} is starttaskfailed: The task process exited with an unexpected exit code`,
    ),
  ]);
});

whereDisksBreak(
  "an unusable node rebooted once its disk is mended loses its errors and runs the task that waited",
  async () => {
    const { client, cloud } = service();
    const poolId = "mended";
    const [node] = await readyPool(client, poolId, { nodes: 1 });
    const workitems = path.join(cloud.dataDir, "nodes", poolId, node!.id!, "workitems");
    mountTmpfs(workitems, "size=256k,ro");
    await client.job.add({ id: "mended-job", poolInfo: { poolId } });
    await client.task.add("mended-job", { id: "waits", commandLine: bash("echo reading > record.txt") });
    await waitForNodes(client, poolId, 1, ["unusable"]);
    expect((await client.task.get("mended-job", "waits")).state).toBe("active");

    run("umount", [mounts.splice(mounts.indexOf(workitems), 1)[0]!]);
    await client.computeNode.reboot(poolId, node!.id!);
    expect((await waitForTask(client, "mended-job", "waits")).executionInfo).toMatchObject({
      result: "success",
      retryCount: 0,
    });
    const mended = await pollUntil("the node idle", async () => {
      const n = await client.computeNode.get(poolId, node!.id!);
      return n.state === "idle" ? n : undefined;
    });
    expect(mended.errors ?? []).toEqual([]);
    expect(mended.lastBootTime!.getTime()).toBeGreaterThan(node!.lastBootTime!.getTime());
  },
);
