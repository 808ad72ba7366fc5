/**
 * Paths stay inside (issue 13, finding 2): a task runs as this machine's user and can make
 * symlinks anywhere in its directories, so the file API must answer from real paths, refusing
 * whatever resolves outside the task's (or node's) directory, and a delete through a link must
 * remove nothing outside. Resource and output file paths that would leave the task's directory
 * are refused when the task is added, as Batch refuses them, and a link planted for a retry is
 * not written through. The files outside are the test's own, in a temp directory.
 */
import { BlobServiceClient } from "@azure/storage-blob";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IMAGE, VM_SIZE, bash, detail, errorOf, readyPool, useService, waitForTask } from "./fixture";

const service = useService("file-paths");
const POOL = "paths-pool";
const JOB = "paths-job";
const SECRET = "not for the file API";
let outside: string;
let nodeId: string;

/** A file path as the file API takes it, from the outside directory reached through a link to "/". */
const throughRoot = (link: string, file: string) => `${link}${join(outside, file)}`;

beforeAll(async () => {
  outside = mkdtempSync(join(tmpdir(), "file-paths-outside-"));
  writeFileSync(join(outside, "secret.txt"), SECRET);
  const { client } = service();
  nodeId = (await readyPool(client, POOL, { nodes: 1, taskSlotsPerNode: 4 }))[0]!.id!;
  await client.job.add({ id: JOB, poolInfo: { poolId: POOL } });
  await client.task.add(JOB, {
    id: "linker",
    commandLine: bash(
      [
        `ln -s ${join(outside, "secret.txt")} leak.txt`,
        "ln -s / root",
        `ln -s ${outside} outdir`,
        `ln -s ${join(outside, "secret.txt")} "$AZ_BATCH_NODE_SHARED_DIR/leak.txt"`,
        `ln -s / "$AZ_BATCH_NODE_SHARED_DIR/root"`,
        "echo inside > inside.txt",
      ].join("; "),
    ),
  });
  expect((await waitForTask(service().client, JOB, "linker")).executionInfo?.result).toBe("success");
});

afterAll(() => rmSync(outside, { recursive: true, force: true }));

/** A victim file outside, fresh for each delete attempt. */
function victim(name: string): string {
  writeFileSync(join(outside, name), "must survive");
  return name;
}

describe("task files", () => {
  it.each([
    ["a link to a file outside", "wd/leak.txt"],
    ["a link to / and on to a file outside", ""],
    ["a link to a directory outside", "wd/outdir/secret.txt"],
  ])("GET and HEAD through %s answer 404 FileNotFound", async (_what, given) => {
    const { client } = service();
    const name = given || throughRoot("wd/root", "secret.txt");
    // Raw, because the typed client does not parse the error body of a file download.
    const got = await service().raw("GET", `/jobs/${JOB}/tasks/linker/files/${encodeURIComponent(name)}`);
    expect(got).toMatchObject({ status: 404, body: { code: "FileNotFound" } });
    expect(got.text).not.toContain(SECRET);
    expect((await errorOf(() => client.file.getPropertiesFromTask(JOB, "linker", name))).status).toBe(404);
  });

  it.each([
    ["a link to /", "wd/root"],
    ["a link to a directory outside", "wd/outdir"],
  ])("DELETE through %s removes nothing outside", async (_what, link) => {
    const { client } = service();
    const name = victim(`victim-${link.replace(/\W/g, "")}.txt`);
    const path = link === "wd/root" ? throughRoot(link, name) : `${link}/${name}`;
    expect(await errorOf(() => client.file.deleteFromTask(JOB, "linker", path))).toMatchObject({
      status: 404,
      code: "FileNotFound",
    });
    expect(existsSync(join(outside, name))).toBe(true);
  });

  it("DELETE of the link itself removes the link, not what it points to", async () => {
    const { client } = service();
    await client.file.deleteFromTask(JOB, "linker", "wd/leak.txt");
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe(SECRET);
    expect((await errorOf(() => client.file.getPropertiesFromTask(JOB, "linker", "wd/leak.txt"))).status).toBe(404);
  });

  it("still serves the task's own files", async () => {
    const { client } = service();
    const res = await client.file.getFromTask(JOB, "linker", "wd/inside.txt");
    expect(res.contentLength).toBe(7);
  });

  it("answers 409 TaskFilesUnavailable for a task whose directory was swapped for a link to outside", async () => {
    const { client } = service();
    // The task moves its own directory away and leaves a link to the outside directory in its place.
    await client.task.add(JOB, {
      id: "swapper",
      commandLine: bash(
        `cd /; mv "$AZ_BATCH_TASK_DIR" "$AZ_BATCH_TASK_DIR.gone"; ln -s ${outside} "$AZ_BATCH_TASK_DIR"`,
      ),
    });
    await waitForTask(client, JOB, "swapper");
    const got = await service().raw("GET", `/jobs/${JOB}/tasks/swapper/files/secret.txt`);
    expect(got).toMatchObject({ status: 409, body: { code: "TaskFilesUnavailable" } });
    expect(got.text).not.toContain(SECRET);
    expect(await errorOf(() => client.file.listFromTask(JOB, "swapper", { recursive: true }))).toMatchObject({
      status: 409,
      code: "TaskFilesUnavailable",
    });
    const name = victim("victim-swapped.txt");
    await errorOf(() => client.file.deleteFromTask(JOB, "swapper", name));
    expect(existsSync(join(outside, name))).toBe(true);
  });
});

describe("node files", () => {
  it.each([
    ["a link to a file outside", "shared/leak.txt"],
    ["a link to / and on to a file outside", ""],
  ])("GET through %s answers 404 FileNotFound", async (_what, given) => {
    const { client } = service();
    const name = given || throughRoot("shared/root", "secret.txt");
    const got = await service().raw("GET", `/pools/${POOL}/nodes/${nodeId}/files/${encodeURIComponent(name)}`);
    expect(got).toMatchObject({ status: 404, body: { code: "FileNotFound" } });
    expect(got.text).not.toContain(SECRET);
    expect((await errorOf(() => client.file.getPropertiesFromComputeNode(POOL, nodeId, name))).status).toBe(404);
  });

  it("DELETE through a link to / removes nothing outside, and a node's own file can be deleted", async () => {
    const { client } = service();
    const name = victim("victim-node.txt");
    expect(
      (await errorOf(() => client.file.deleteFromComputeNode(POOL, nodeId, throughRoot("shared/root", name)))).status,
    ).toBe(404);
    expect(existsSync(join(outside, name))).toBe(true);
    await client.file.deleteFromComputeNode(POOL, nodeId, "shared/leak.txt");
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe(SECRET);
  });
});

describe("resource and output file paths", () => {
  it.each([
    [
      "a resource filePath with ..",
      { resourceFiles: [{ httpUrl: "http://127.0.0.1:9/x", filePath: "../../../escape.txt" }] },
    ],
    [
      "an absolute resource filePath",
      { resourceFiles: [{ httpUrl: "http://127.0.0.1:9/x", filePath: "/tmp/escape.txt" }] },
    ],
  ])("refuses %s when the task is added (400 InvalidPropertyValue, as Batch)", async (_what, files) => {
    const { client } = service();
    const error = await errorOf(() =>
      client.task.add(JOB, {
        id: `bad-rf-${Math.random().toString(36).slice(2, 8)}`,
        commandLine: "/bin/true",
        ...files,
      }),
    );
    expect(error).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(detail(error, "PropertyName")).toBe("resourceFiles[0].filePath");
  });

  it("refuses a start task's resource filePath with .. when the pool is added", async () => {
    const { client } = service();
    const error = await errorOf(() =>
      client.pool.add({
        id: "bad-start-files",
        vmSize: VM_SIZE,
        virtualMachineConfiguration: IMAGE,
        startTask: {
          commandLine: "/bin/true",
          resourceFiles: [{ httpUrl: "http://127.0.0.1:9/x", filePath: "../../escape.txt" }],
        },
      }),
    );
    expect(error).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
  });

  it.each([
    ["above the task directory", "../../*.txt"],
    ["absolute", "/etc/*"],
  ])(
    "refuses an output filePattern %s when the task is added (501: valid on Batch, outside what this service reads)",
    async (_what, filePattern) => {
      const { client } = service();
      const error = await errorOf(() =>
        client.task.add(JOB, {
          id: `bad-of-${Math.random().toString(36).slice(2, 8)}`,
          commandLine: "/bin/true",
          outputFiles: [upload(filePattern)],
        }),
      );
      expect(error).toMatchObject({ status: 501, code: "NotSupportedByLocalBatch" });
      expect(error.message).toContain("outputFiles[0].filePattern");
    },
  );

  it("accepts ../stdout.txt as an output filePattern (the task directory is inside)", async () => {
    const { client } = service();
    await client.task.add(JOB, { id: "stdout-upload", commandLine: "/bin/true", outputFiles: [upload("../std*.txt")] });
  });

  it.each([
    [
      "a directory of the download",
      "data",
      (dir: string) => `if [ -L data ]; then exit 0; fi; rm -rf data; ln -s ${dir} data; exit 1`,
    ],
    [
      "the working directory itself",
      "",
      (dir: string) => `if [ -L ../wd ]; then exit 0; fi; cd ..; rm -rf wd; ln -s ${dir} wd; exit 1`,
    ],
  ])(
    "does not write a retried task's resource file through a link the first attempt put in place of %s",
    async (_what, filePath, firstAttempt) => {
      const { client, cloud } = service();
      const container = BlobServiceClient.fromConnectionString(cloud.storageConnectionString).getContainerClient(
        "planted",
      );
      await container.createIfNotExists();
      await container.getBlockBlobClient("planted.txt").upload("planted", 7);
      const id = `planter-${filePath || "wd"}`;
      await client.task.add(JOB, {
        id,
        // The first attempt plants the link and fails, so Batch retries in the same working directory.
        commandLine: bash(firstAttempt(outside)),
        resourceFiles: [{ autoStorageContainerName: "planted", ...(filePath ? { filePath } : {}) }],
        constraints: { maxTaskRetryCount: 1 },
      });
      const task = await waitForTask(client, JOB, id);
      expect(existsSync(join(outside, "planted.txt"))).toBe(false);
      expect(task.executionInfo?.result).toBe("failure");
    },
  );
});

describe("output files", () => {
  const results = async (name: string) => {
    const container = BlobServiceClient.fromConnectionString(
      service().cloud.storageConnectionString,
    ).getContainerClient(name);
    await container.createIfNotExists();
    return container;
  };
  // identityReference: the service uploads with its own storage access, so no SAS is needed.
  const toContainer = (containerUrl: string, filePattern: string) => ({
    filePattern,
    destination: { container: { containerUrl, identityReference: { resourceId: "local" } } },
    uploadOptions: { uploadCondition: "taskcompletion" as const },
  });
  const names = async (container: Awaited<ReturnType<typeof results>>) => {
    const found: string[] = [];
    for await (const blob of container.listBlobsFlat()) found.push(blob.name);
    return found.sort();
  };

  it.each([
    ["a link to a file outside", "out/leak.txt"],
    ["a link to / and on to a file outside", ""],
  ])("does not upload what %s leads to, and fails the upload", async (_what, given) => {
    const { client } = service();
    const container = await results(`leaks-${given ? "file" : "root"}`);
    const id = `leaker-${given ? "file" : "root"}`;
    await client.task.add(JOB, {
      id,
      commandLine: bash(`mkdir out; ln -s ${join(outside, "secret.txt")} out/leak.txt; ln -s / out/root`),
      outputFiles: [toContainer(container.url, given || throughRoot("out/root", "secret.txt"))],
    });
    const task = await waitForTask(client, JOB, id);
    expect(task.executionInfo?.failureInfo?.code).toBe("FileUploadMiscError");
    expect(await names(container)).toEqual([]);
  });

  it("uploads a link to a file inside, from its real path", async () => {
    const { client } = service();
    const container = await results("aliases");
    await client.task.add(JOB, {
      id: "aliaser",
      commandLine: bash("mkdir out; echo ok > out/ok.txt; ln -s ok.txt out/alias.txt"),
      outputFiles: [toContainer(container.url, "out/*.txt")],
    });
    expect((await waitForTask(client, JOB, "aliaser")).executionInfo?.result).toBe("success");
    expect(await names(container)).toEqual(["alias.txt", "ok.txt"]);
  });
});

function upload(filePattern: string) {
  return {
    filePattern,
    destination: { container: { containerUrl: "http://127.0.0.1:9/devstoreaccount1/results" } },
    uploadOptions: { uploadCondition: "taskcompletion" as const },
  };
}
