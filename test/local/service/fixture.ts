/**
 * One local cloud per test file, driven through the real @azure/batch client, plus the few
 * helpers the service tests share: waiting on pools, nodes and tasks (polling with generous
 * deadlines, never timing assertions), reading a RestError as Batch's error body, and raw
 * signed requests for what the client refuses to send itself.
 */
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from "@azure/batch";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from "../../../local";

export const VM_SIZE = "Standard_D2s_v5";
export const IMAGE = {
  imageReference: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
  nodeAgentSKUId: "batch.node.ubuntu 24.04",
};

/** Long enough for a loaded two-core machine running two test files at once. */
export const DEADLINE_MS = 40_000;

export interface Harness {
  cloud: LocalCloud;
  client: BatchServiceClient;
  /** A client signing with another key than the account's. */
  clientWithKey(key: string): BatchServiceClient;
  /** A signed request the typed client would refuse to send (too many tasks, unknown paths). */
  raw(method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE" | "HEAD", path: string, body?: unknown): Promise<RawReply>;
}

export interface RawReply {
  status: number;
  body: unknown;
  text: string;
}

/** Registers beforeAll/afterAll for one cloud shared by the file's tests; the getter works inside tests. */
export function useService(
  name: string,
  opts: Pick<LocalCloudOptions, "maxProcesses" | "autoscaleTimeScale" | "scheduleTimeScale"> = {},
): () => Harness {
  let harness: Harness | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `service-${name}-`));
    const cloud = await startLocalCloud({
      // Fixed, not this machine's cores: tests that hold a task running while others run must
      // behave the same on a one-core runner.
      maxProcesses: opts.maxProcesses ?? 4,
      autoscaleTimeScale: opts.autoscaleTimeScale,
      scheduleTimeScale: opts.scheduleTimeScale,
      dataDir,
      inMemoryStorage: true,
      log: (line) => {
        if (process.env.BATCH_OCR_TRACE === "1") process.stderr.write(`${line}\n`);
      },
    });
    const clientWithKey = (key: string) =>
      new BatchServiceClient(new BatchSharedKeyCredentials(cloud.batchAccountName, key), cloud.batchEndpoint);
    const client = clientWithKey(cloud.batchAccountKey);
    harness = {
      cloud,
      client,
      clientWithKey,
      async raw(method, path, body) {
        const sep = path.includes("?") ? "&" : "?";
        const res = await client.sendRequest({
          method,
          url: `${cloud.batchEndpoint}${path}${sep}api-version=${client.apiVersion}`,
          headers: { "Content-Type": "application/json; odata=minimalmetadata; charset=utf-8" },
          body: body === undefined ? undefined : JSON.stringify(body),
          disableJsonStringifyOnBody: true,
        });
        const text = res.bodyAsText ?? "";
        let parsed: unknown;
        try {
          parsed = text === "" ? undefined : JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        return { status: res.status, body: parsed, text };
      },
    };
  }, 60_000);

  afterAll(async () => {
    await harness?.cloud.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  return () => {
    if (!harness) throw new Error("the local cloud did not start (see beforeAll)");
    return harness;
  };
}

export interface BatchErrorSeen {
  status?: number;
  code?: string;
  message?: string;
  values: { key?: string; value?: string }[];
}

/** The error a call fails with, as Batch's body describes it; fails the test if the call succeeds. */
export async function errorOf(call: () => Promise<unknown>): Promise<BatchErrorSeen> {
  try {
    await call();
  } catch (err) {
    const e = err as {
      statusCode?: number;
      code?: string;
      body?: { code?: string; message?: { value?: string }; values?: { key?: string; value?: string }[] };
    };
    if (e.statusCode === undefined) throw err;
    return {
      status: e.statusCode,
      code: e.body?.code ?? e.code,
      message: e.body?.message?.value,
      values: e.body?.values ?? [],
    };
  }
  throw new Error("the request was expected to fail but succeeded");
}

/** The value of one `values` entry of a Batch error (PropertyName, Reason…). */
export const detail = (error: BatchErrorSeen, key: string): string | undefined =>
  error.values.find((v) => v.key === key)?.value;

export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = DEADLINE_MS,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Whether a get says 404, i.e. the entity is gone (a 2xx means it is still there), as pollUntil wants it. */
export async function gone(get: () => Promise<unknown>): Promise<true | undefined> {
  try {
    await get();
    return undefined;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return true;
    throw err;
  }
}

export interface PoolOptions {
  nodes?: number;
  taskSlotsPerNode?: number;
  fill?: "spread" | "pack";
  startTask?: BatchServiceModels.StartTask;
  applicationPackageReferences?: BatchServiceModels.ApplicationPackageReference[];
}

export async function addPool(client: BatchServiceClient, id: string, opts: PoolOptions = {}): Promise<void> {
  await client.pool.add({
    id,
    vmSize: VM_SIZE,
    virtualMachineConfiguration: IMAGE,
    targetDedicatedNodes: opts.nodes ?? 1,
    taskSlotsPerNode: opts.taskSlotsPerNode,
    taskSchedulingPolicy: opts.fill ? { nodeFillType: opts.fill } : undefined,
    startTask: opts.startTask,
    applicationPackageReferences: opts.applicationPackageReferences,
  });
}

/** Waits for a steady pool whose nodes are all in one of `states`; returns the nodes. */
export async function waitForNodes(
  client: BatchServiceClient,
  poolId: string,
  count: number,
  states: BatchServiceModels.ComputeNodeState[] = ["idle"],
): Promise<BatchServiceModels.ComputeNode[]> {
  return pollUntil(`pool ${poolId}: ${count} nodes in ${states.join("/")}`, async () => {
    const pool = await client.pool.get(poolId);
    if (pool.allocationState !== "steady") return undefined;
    const nodes = await client.computeNode.list(poolId);
    return nodes.length === count && nodes.every((n) => n.state !== undefined && states.includes(n.state))
      ? [...nodes]
      : undefined;
  });
}

/** A pool with idle nodes, ready for tasks. */
export async function readyPool(
  client: BatchServiceClient,
  id: string,
  opts: PoolOptions = {},
): Promise<BatchServiceModels.ComputeNode[]> {
  await addPool(client, id, opts);
  return waitForNodes(client, id, opts.nodes ?? 1);
}

export async function waitForTask(
  client: BatchServiceClient,
  jobId: string,
  taskId: string,
  until: (t: BatchServiceModels.CloudTask) => boolean = (t) => t.state === "completed",
  what = "completed",
): Promise<BatchServiceModels.CloudTask> {
  return pollUntil(`task ${jobId}/${taskId} ${what}`, async () => {
    const task = await client.task.get(jobId, taskId);
    return until(task) ? task : undefined;
  });
}

export async function waitForJob(
  client: BatchServiceClient,
  jobId: string,
  until: (j: BatchServiceModels.CloudJob) => boolean = (j) => j.state === "completed",
  what = "completed",
): Promise<BatchServiceModels.CloudJob> {
  return pollUntil(`job ${jobId} ${what}`, async () => {
    const job = await client.job.get(jobId);
    return until(job) ? job : undefined;
  });
}

export async function readText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) throw new Error("the response has no body");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString("utf8");
}

/** A task file's text, through the file API. */
export async function taskFile(
  client: BatchServiceClient,
  jobId: string,
  taskId: string,
  name: string,
): Promise<string> {
  const res = await client.file.getFromTask(jobId, taskId, name);
  return readText(res.readableStreamBody);
}

/** Every page of a task list, following odata.nextLink. */
export async function listAllTasks(
  client: BatchServiceClient,
  jobId: string,
  options: BatchServiceModels.TaskListOptions = {},
): Promise<{ tasks: BatchServiceModels.CloudTask[]; pages: number }> {
  let page = await client.task.list(jobId, { taskListOptions: options });
  const tasks = [...page];
  let pages = 1;
  while (page.odatanextLink) {
    page = await client.task.listNext(page.odatanextLink);
    tasks.push(...page);
    pages += 1;
  }
  return { tasks, pages };
}

/** A command line that runs a bash script, as a Batch user writes one (Batch starts no shell itself). */
export const bash = (script: string): string => `/bin/bash -c '${script.replace(/'/g, `'"'"'`)}'`;

export interface Gate {
  /** Runs until the gate opens. */
  commandLine: string;
  open(): void;
}

/**
 * Tasks that run until the test opens their gate (a file), so a test decides when they end
 * instead of guessing with sleeps. Every gate opens after each test, so a failed test does not
 * leave tasks holding slots that the next tests need.
 */
export function useGates(name: string): { gate(id: string, before?: string): Gate; dir(): string } {
  let dir: string | undefined;
  const made: Gate[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `service-${name}-gates-`));
  });
  afterEach(() => {
    for (const g of made.splice(0)) g.open();
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const where = () => {
    if (!dir) throw new Error("gates are made inside tests");
    return dir;
  };
  return {
    dir: where,
    /** `before` runs first, in the same bash. */
    gate(id, before) {
      const file = join(where(), `gate-${id}`);
      const wait = `while [ ! -f ${file} ]; do sleep 0.05; done`;
      const g = { commandLine: bash(before ? `${before}; ${wait}` : wait), open: () => writeFileSync(file, "") };
      made.push(g);
      return g;
    },
  };
}

/**
 * Process ids whose command line contains a marker, read from /proc; with `orWorkingDirUnder`
 * also those whose working directory is inside that folder (a task's process is known by where it runs).
 */
export function processesWith(marker: string | undefined, orWorkingDirUnder?: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") continue;
      const inside =
        orWorkingDirUnder !== undefined && readlinkSync(`/proc/${entry}/cwd`).startsWith(orWorkingDirUnder);
      if (inside || (marker !== undefined && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)))
        found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
