/**
 * Adding tasks in collections and reading them back: a result per task, Batch's limits on a
 * collection, paging through more than a thousand tasks, and $filter / $select on task lists.
 */
import type { BatchServiceModels } from "@azure/batch";
import { addPool, bash, detail, errorOf, listAllTasks, readyPool, useService, waitForTask } from "./fixture";

const service = useService("collections");

const tasks = (prefix: string, count: number, commandLine = "/bin/true"): BatchServiceModels.TaskAddParameter[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${String(i).padStart(5, "0")}`, commandLine }));

beforeAll(async () => {
  // No nodes: every task stays active, so the lists below hold still.
  const { client } = service();
  await addPool(client, "empty-pool", { nodes: 0 });
  await client.job.add({ id: "idle-job", poolInfo: { poolId: "empty-pool" } });
});

describe("add collection", () => {
  it("answers a result per task and reports TaskExists for one while adding the others", async () => {
    const { client } = service();
    await client.task.add("idle-job", { id: "dup", commandLine: "/bin/true" });
    const added = await client.task.addCollection("idle-job", [
      { id: "first-new", commandLine: "/bin/true" },
      { id: "dup", commandLine: "/bin/false" },
      { id: "second-new", commandLine: "/bin/true" },
    ]);
    const byId = new Map((added.value ?? []).map((r) => [r.taskId, r]));
    expect(byId.size).toBe(3);
    expect(byId.get("first-new")).toMatchObject({
      status: "success",
      eTag: expect.any(String),
      location: expect.stringContaining("/jobs/idle-job/tasks/first-new"),
    });
    expect(byId.get("second-new")?.status).toBe("success");
    // On the wire Batch writes the status in lower case ("clienterror"), whatever the SDK's enum says.
    expect(String(byId.get("dup")?.status).toLowerCase()).toBe("clienterror");
    expect(byId.get("dup")?.error?.code).toBe("TaskExists");

    expect((await client.task.get("idle-job", "second-new")).state).toBe("active");
    expect((await client.task.get("idle-job", "dup")).commandLine).toBe("/bin/true");
  });

  it("reports an invalid task in its own result and adds the valid ones", async () => {
    const { client } = service();
    const added = await client.task.addCollection("idle-job", [
      { id: "valid-one", commandLine: "/bin/true" },
      { id: "bad id", commandLine: "/bin/true" },
    ]);
    const bad = (added.value ?? []).find((r) => r.taskId === "bad id");
    expect(String(bad?.status).toLowerCase()).toBe("clienterror");
    expect(bad?.error?.code).toBe("InvalidPropertyValue");
    expect((await client.task.get("idle-job", "valid-one")).id).toBe("valid-one");
  });

  it("refuses more than 100 tasks in one collection and adds none of them", async () => {
    const { client, raw } = service();
    const reply = await raw("POST", "/jobs/idle-job/addtaskcollection", { value: tasks("over-limit-", 101) });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: expect.any(String), message: { value: expect.stringContaining("100") } });
    expect(await errorOf(() => client.task.get("idle-job", "over-limit-00000"))).toMatchObject({
      code: "TaskNotFound",
    });
  });

  it("refuses a body over 1 MB with 413 RequestBodyTooLarge and adds none of it", async () => {
    const { client } = service();
    const long = tasks("too-big-", 100, bash(`echo ${"x".repeat(11_000)}`));
    const error = await errorOf(() => client.task.addCollection("idle-job", long));
    expect(error).toMatchObject({ status: 413, code: "RequestBodyTooLarge" });
    expect(await errorOf(() => client.task.get("idle-job", "too-big-00000"))).toMatchObject({ code: "TaskNotFound" });
  });
});

describe("listing many tasks", () => {
  const COUNT = 1_100;

  beforeAll(async () => {
    const { client } = service();
    await client.job.add({ id: "many-job", poolInfo: { poolId: "empty-pool" } });
    const all = tasks("many-", COUNT);
    for (let i = 0; i < all.length; i += 100) {
      const added = await client.task.addCollection("many-job", all.slice(i, i + 100));
      expect((added.value ?? []).every((r) => r.status === "success")).toBe(true);
    }
  });

  it("pages with maxresults and odata.nextLink: every task once, in full pages", async () => {
    const { client } = service();
    const { tasks: listed, pages } = await listAllTasks(client, "many-job", { maxResults: 250 });
    expect(listed).toHaveLength(COUNT);
    expect(new Set(listed.map((t) => t.id)).size).toBe(COUNT);
    expect(pages).toBe(Math.ceil(COUNT / 250));
  });

  it("stops a page at 1,000 tasks when no maxresults is given", async () => {
    const { client } = service();
    const first = await client.task.list("many-job");
    expect(first).toHaveLength(1000);
    expect(first.odatanextLink).toEqual(expect.stringContaining("many-job/tasks"));
    const rest = await client.task.listNext(first.odatanextLink!);
    expect(rest).toHaveLength(COUNT - 1000);
    expect(rest.odatanextLink).toBeUndefined();
  });

  it("filters on state and selects properties across pages", async () => {
    const { client } = service();
    const active = await listAllTasks(client, "many-job", {
      filter: "state eq 'active'",
      select: "id,state",
      maxResults: 400,
    });
    expect(active.tasks).toHaveLength(COUNT);
    expect(active.tasks[0]).toEqual({ id: "many-00000", state: "active" });
    const completed = await listAllTasks(client, "many-job", { filter: "state eq 'completed'" });
    expect(completed.tasks).toHaveLength(0);
    const someIds = await listAllTasks(client, "many-job", { filter: "startswith(id, 'many-0001')" });
    expect(someIds.tasks.map((t) => t.id)).toEqual(Array.from({ length: 10 }, (_, i) => `many-0001${i}`));
  });

  it("keeps paging exact when tasks already listed leave the filter or the job between pages", async () => {
    // A dispatcher polls `state eq 'active'` page by page while tasks complete under it.
    const { client } = service();
    const first = await client.task.list("many-job", {
      taskListOptions: { filter: "state eq 'active'", maxResults: 300 },
    });
    expect(first).toHaveLength(300);
    for (const t of first.slice(0, 10)) await client.task.terminate("many-job", t.id!);
    for (const t of first.slice(10, 15)) await client.task.deleteMethod("many-job", t.id!);
    const seen = [...first];
    let page = first;
    while (page.odatanextLink) {
      page = await client.task.listNext(page.odatanextLink);
      seen.push(...page);
    }
    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(COUNT);
    expect((await listAllTasks(client, "many-job", { filter: "state eq 'active'" })).tasks).toHaveLength(COUNT - 15);
  });

  it("refuses a filter it cannot read instead of ignoring it", async () => {
    const { client } = service();
    const error = await errorOf(() => client.task.list("many-job", { taskListOptions: { filter: "state eq" } }));
    expect(error).toMatchObject({ status: 400, code: "InvalidQueryParameterValue" });
    expect(detail(error, "QueryParameterName")).toBe("$filter");
  });
});

describe("filtering on results", () => {
  it("filters completed tasks on executionInfo/result", async () => {
    const { client } = service();
    await readyPool(client, "result-pool", { nodes: 1, taskSlotsPerNode: 4 });
    await client.job.add({ id: "result-job", poolInfo: { poolId: "result-pool" } });
    await client.task.addCollection("result-job", [
      { id: "ok-1", commandLine: "/bin/true" },
      { id: "ok-2", commandLine: "/bin/true" },
      { id: "bad-1", commandLine: "/bin/false" },
    ]);
    for (const id of ["ok-1", "ok-2", "bad-1"]) await waitForTask(client, "result-job", id);

    const failed = await client.task.list("result-job", {
      taskListOptions: { filter: "executionInfo/result eq 'failure'", select: "id,executionInfo" },
    });
    expect(failed.map((t) => t.id)).toEqual(["bad-1"]);
    expect(failed[0]?.executionInfo).toMatchObject({ result: "failure", exitCode: 1 });
    expect(failed[0]?.commandLine).toBeUndefined();

    const succeeded = await client.task.list("result-job", {
      taskListOptions: { filter: "state eq 'completed' and executionInfo/result eq 'success'" },
    });
    expect(succeeded.map((t) => t.id).sort()).toEqual(["ok-1", "ok-2"]);
  });
});
