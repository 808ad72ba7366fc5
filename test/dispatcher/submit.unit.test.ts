import type { BatchServiceModels } from "@azure/batch";
import { connect } from "../../tasks/credentials";
import type { RetryOptions } from "../../tasks/retry";
import { addTasks, chunkTasks, MAX_BODY_BYTES, MAX_TASKS_PER_CALL, TARGET_BODY_BYTES } from "../../tasks/submit";
import { KEY, outputsFor, startStandIn, type StandIn } from "./batch-stand-in";

function tasks(n: number, padding = 0): BatchServiceModels.TaskAddParameter[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `task-${i}`,
    commandLine: `/bin/bash -c 'echo ${"x".repeat(padding)}'`,
  }));
}

describe("addTasks against a stand-in that injects faults", () => {
  let standIn: StandIn;
  beforeEach(async () => {
    standIn = await startStandIn();
  });
  afterEach(async () => {
    await standIn.close();
  });

  const client = (retry?: RetryOptions) =>
    connect(outputsFor(standIn.endpoint), { keys: { batchAccountKey: KEY, storageAccountKey: KEY }, retry })
      .batchClient;

  test("every task lands exactly once through 429 (Retry-After), 503, per-task server errors and TaskExists", async () => {
    const all = tasks(250);
    for (const t of all.slice(0, 30)) standIn.tasks.set(t.id, 1); // an interrupted earlier run added these
    standIn.faults.push({ status: 429, code: "TooManyRequests", retryAfter: "2" }, { status: 503, code: "ServerBusy" });
    standIn.flakyTasks.add("task-120");
    const waits: number[] = [];
    const result = await addTasks(client({ sleep: async (ms) => void waits.push(ms) }), "job-1", all, {
      concurrency: 3,
    });

    expect(result.added).toBe(220);
    expect(result.existed).toBe(30);
    expect([...standIn.tasks.keys()].sort()).toEqual(all.map((t) => t.id).sort());
    expect(waits).toContain(2000); // the service's Retry-After, not the client's own backoff
    expect(waits).toHaveLength(2); // the 429 and the 503, each waited out once by the client's policy
    expect(result.retries).toBeGreaterThanOrEqual(1); // task-120's server error, sent again
    const adds = standIn.requests.filter((r) => r.path === "/jobs/job-1/addtaskcollection");
    expect(Math.max(...adds.map((r) => r.taskCount))).toBeLessThanOrEqual(MAX_TASKS_PER_CALL);
    expect(adds.every((r) => r.apiVersion === "2025-06-01")).toBe(true);
  });

  test("task bodies are taken from the caller only as calls are free to send them, never all at once", async () => {
    const all = tasks(1000);
    let ahead = 0;
    const lazily = (function* () {
      for (const [i, t] of all.entries()) {
        ahead = Math.max(ahead, i - standIn.tasks.size);
        yield t;
      }
    })();
    const result = await addTasks(client(), "job-6", lazily, { concurrency: 1, total: all.length });
    expect(result.added).toBe(1000);
    // One chunk of 100 in flight and the next one being filled: at most 200 bodies held.
    expect(ahead).toBeLessThanOrEqual(2 * MAX_TASKS_PER_CALL);
  });

  test("a chunk the service finds too large is split until it fits", async () => {
    const all = tasks(40, 2000);
    standIn.maxBodyBytes = 25_000; // about ten of these tasks per call
    const result = await addTasks(client(), "job-2", all);
    expect(result.added).toBe(40);
    expect(result.splits).toBeGreaterThan(0);
    expect(standIn.tasks.size).toBe(40);
    const accepted = standIn.requests.filter((r) => r.bodyBytes <= 25_000 && r.taskCount > 0);
    expect(accepted.reduce((n, r) => n + r.taskCount, 0)).toBe(40);
  });

  test("a single task the service finds too large is reported with what to change", async () => {
    standIn.maxBodyBytes = 1000;
    await expect(addTasks(client(), "job-5", tasks(3, 2000))).rejects.toThrow(
      /task task-0 alone is too large for Batch \(0 resource files, \d+ bytes of JSON\); use a smaller --images-per-task/,
    );
  });

  test("gives up with the service's error after the retries are spent", async () => {
    for (let i = 0; i < 5; i++) standIn.faults.push({ status: 500, code: "InternalError" });
    await expect(
      addTasks(client({ maxRetries: 2, sleep: async () => undefined }), "job-3", tasks(3)),
    ).rejects.toMatchObject({ statusCode: 500, code: "InternalError" });
    expect(standIn.tasks.size).toBe(0);
  });

  test("Entra ID: the adapter puts a bearer token for the Batch scope on every call", async () => {
    const scopes: string[] = [];
    const credential = {
      getToken: async (scope: string | string[]) => (
        scopes.push(String(scope)),
        { token: "tok-123", expiresOnTimestamp: Date.now() + 3600_000 }
      ),
    };
    const access = connect(outputsFor(standIn.endpoint), { credential });
    expect(access.batch).toBe("entra");
    await addTasks(access.batchClient, "job-4", tasks(2));
    expect(standIn.requests[0]?.authorization).toBe("Bearer tok-123");
    expect(scopes).toEqual(["https://batch.core.windows.net//.default"]);
  });

  test("a shared key for an account that accepts only Entra ID is refused, not used", () => {
    const outputs = { ...outputsFor(standIn.endpoint), batchAuthModes: ["AAD" as const] };
    expect(() => connect(outputs, { keys: { batchAccountKey: KEY } })).toThrow(/does not accept Shared Key/);
  });
});

describe("chunkTasks", () => {
  test("at most 100 tasks and under the byte limit per chunk, order kept", () => {
    const all = tasks(450, 100);
    const chunks = [...chunkTasks(all, 10_000)];
    expect(chunks.flat().map((t) => t.id)).toEqual(all.map((t) => t.id));
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(100);
      expect(Buffer.byteLength(JSON.stringify({ value: c }))).toBeLessThan(10_000);
    }
    expect([...chunkTasks(tasks(250))].map((c) => c.length)).toEqual([100, 100, 50]);
  });

  test("by default a chunk's body stays under half of Batch's limit, and a task over that goes alone", () => {
    // About 90 kB each, as a task of 250 photos is: five fit under 512 kB where eleven fit under 1 MB.
    const big = tasks(12, 90_000);
    const sizes = [...chunkTasks(big)].map((c) => Buffer.byteLength(JSON.stringify({ value: c })));
    expect(Math.max(...sizes)).toBeLessThan(TARGET_BODY_BYTES);
    expect(sizes).toHaveLength(3);
    const oversized = [...tasks(1, 600_000), ...tasks(2, 10)];
    expect([...chunkTasks(oversized)].map((c) => c.length)).toEqual([1, 2]);
    expect(() => [...chunkTasks(tasks(1, MAX_BODY_BYTES))]).toThrow(/over the 1048576-byte limit/);
  });
});
