/**
 * The state keeper's files on their own: a snapshot plus journal lines read back as the latest
 * state (tasks changed and deleted included), a last line cut short by a crash dropped, and a
 * new start beginning a new generation whose snapshot holds everything, the old journal gone; a
 * multi-instance task's subtasks, which change without the task's ETag, kept with it, and files
 * written before they were kept still read.
 */
import { appendFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Job, SubtaskInformation, Task } from "../../local/batch/model";
import { BatchState, changeCount, key, newETag } from "../../local/batch/state";
import { loadSavedState, STATE_FILE, StateKeeper } from "../../local/batch/state-keeper";
import { restoreState } from "../../local/batch/state-snapshot";

const BASE = "http://127.0.0.1:1111";
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "state-keeper-"));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const job = (id: string) =>
  ({ id, url: `${BASE}/jobs/${id}`, eTag: newETag(), state: "active", poolInfo: { poolId: "p" } }) as unknown as Job;
const task = (id: string, state: Task["state"]) =>
  ({
    id,
    url: `${BASE}/jobs/j/tasks/${id}`,
    eTag: newETag(),
    state,
    executionInfo: { retryCount: 0, requeueCount: 0 },
  }) as unknown as Task;

function keeperOf(state: BatchState, baseUrl = BASE): StateKeeper {
  return new StateKeeper({ dataDir, state, baseUrl: () => baseUrl, revision: changeCount, log: () => undefined });
}

async function reload(baseUrl: string): Promise<BatchState> {
  const saved = await loadSavedState(dataDir);
  if (!saved) throw new Error("nothing saved");
  const state = new BatchState();
  restoreState(saved, state, baseUrl, dataDir, saved.file);
  return state;
}

test("journal lines after the snapshot are replayed in order; a torn last line is dropped; a new start compacts into a new generation", async () => {
  const state = new BatchState();
  state.jobs.set("j", job("j"));
  const tasks = state.jobTasks("j").all;
  for (const id of ["a", "b", "c"]) tasks.set(key(id), task(id, "active"));
  const keeper = keeperOf(state);
  await keeper.begin(0);

  const done = { ...tasks.get("a")!, state: "completed", eTag: newETag() } as Task;
  tasks.set("a", done);
  await keeper.flush();
  tasks.delete("b");
  await keeper.flush();
  await keeper.close();
  expect((await readdir(dataDir)).sort()).toEqual(["batch-state.1.journal", STATE_FILE]);
  // A crash while appending a line nobody was told about yet.
  await appendFile(path.join(dataDir, "batch-state.1.journal"), '[{"jobKey":"j","task":{"id":"c","sta');

  const restored = await reload("http://127.0.0.1:2222");
  const back = restored.jobTasks("j");
  expect([...back.all.keys()]).toEqual(["a", "c"]);
  expect(back.all.get("a")).toMatchObject({
    state: "completed",
    eTag: done.eTag,
    url: "http://127.0.0.1:2222/jobs/j/tasks/a",
  });
  expect([...back.queue]).toEqual(["c"]);

  const next = keeperOf(restored, "http://127.0.0.1:2222");
  await next.begin(1);
  await next.close();
  expect((await readdir(dataDir)).sort()).toEqual([STATE_FILE]);
  const again = await reload("http://127.0.0.1:3333");
  expect([...again.jobTasks("j").all.keys()]).toEqual(["a", "c"]);
  expect(again.job("j").url).toBe("http://127.0.0.1:3333/jobs/j");
});

test("the nodes the bad-node fault spoiled are kept through a journal line and the next start's snapshot", async () => {
  const state = new BatchState();
  const keeper = keeperOf(state);
  await keeper.begin(0);
  state.injectedBadNodes = 1;
  // No entity changed with it: the fault counts a change when it marks the node unusable.
  newETag();
  await keeper.close();
  const restored = await reload(BASE);
  expect(restored.injectedBadNodes).toBe(1);

  const next = keeperOf(restored);
  await next.begin(1);
  await next.close();
  expect((await reload(BASE)).injectedBadNodes).toBe(1);
});

test("a state file this service did not write stops the start, saying what to do", async () => {
  await appendFile(path.join(dataDir, STATE_FILE), "not json");
  await expect(loadSavedState(dataDir)).rejects.toThrow(/is not a state this service wrote .*move it away/);
});

test("a multi-instance task's subtasks changed in place, its ETag unchanged, are written and read back with it, from the journal and from the snapshot", async () => {
  const state = new BatchState();
  state.jobs.set("j", job("j"));
  const mpi = task("mpi", "running");
  state.jobTasks("j").all.set("mpi", mpi);
  const sub: SubtaskInformation = {
    id: 1,
    nodeInfo: {
      affinityId: "TVM:n1",
      nodeUrl: `${BASE}/pools/p/nodes/n1`,
      poolId: "p",
      nodeId: "n1",
      taskRootDirectory: "workitems/j/job-1/mpi",
      taskRootDirectoryUrl: `${BASE}/pools/p/nodes/n1/files/workitems/j/job-1/mpi`,
    },
    state: "running",
    stateTransitionTime: "2024-01-01T00:00:00.000Z",
  };
  state.subtasks.set(mpi, [sub]);
  const keeper = keeperOf(state);
  await keeper.begin(0);
  Object.assign(sub, { state: "completed", exitCode: 0, result: "success" });
  state.subtasks.changed(mpi);
  await keeper.close();

  const expected = [JSON.parse(JSON.stringify(sub).split(BASE).join("http://127.0.0.1:2222")) as SubtaskInformation];
  const restored = await reload("http://127.0.0.1:2222");
  const back = restored.jobTasks("j").all.get("mpi")!;
  expect(back.eTag).toBe(mpi.eTag);
  expect(restored.subtasks.of(back)).toEqual(expected);

  const next = keeperOf(restored, "http://127.0.0.1:2222");
  await next.begin(1);
  await next.close();
  const again = await reload("http://127.0.0.1:2222");
  expect(again.subtasks.of(again.jobTasks("j").all.get("mpi")!)).toEqual(expected);
});

test("a state written before subtasks were kept reads back with none", async () => {
  const [a, b] = [task("a", "completed"), task("b", "completed")];
  await writeFile(
    path.join(dataDir, STATE_FILE),
    JSON.stringify({
      format: 1,
      generation: 1,
      baseUrl: BASE,
      pools: [],
      jobs: [{ job: job("j"), tasks: [a] }],
      applications: [],
    }),
  );
  await writeFile(path.join(dataDir, "batch-state.1.journal"), `${JSON.stringify([{ jobKey: "j", task: b }])}\n`);
  const restored = await reload(BASE);
  const tasks = restored.jobTasks("j").all;
  expect([...tasks.keys()]).toEqual(["a", "b"]);
  for (const t of tasks.values()) expect(restored.subtasks.of(t)).toEqual([]);
});
