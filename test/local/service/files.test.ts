/**
 * Files around a task, through the Batch API and the cloud's Azurite: resource files from the
 * linked auto-storage, output files uploaded to a results container, task files read whole, by
 * range and by properties (HEAD), and node file lists.
 */
import type { BatchServiceModels } from "@azure/batch";
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";
import { bash, errorOf, pollUntil, readText, readyPool, taskFile, useService, waitForTask } from "./fixture";

const service = useService("files");
const JOB = "files-job";
let blobs: BlobServiceClient;

beforeAll(async () => {
  const { client, cloud } = service();
  blobs = BlobServiceClient.fromConnectionString(cloud.storageConnectionString);
  await readyPool(client, "files-pool", { nodes: 1, taskSlotsPerNode: 4 });
  await client.job.add({ id: JOB, poolInfo: { poolId: "files-pool" } });
});

/** A container URL with a write SAS, as a dispatcher hands one to its tasks' output files. */
async function writableContainer(name: string): Promise<string> {
  const { cloud } = service();
  const container = blobs.getContainerClient(name);
  await container.createIfNotExists();
  const sas = generateBlobSASQueryParameters(
    {
      containerName: name,
      permissions: ContainerSASPermissions.parse("rcwl"),
      expiresOn: new Date(Date.now() + 3_600_000),
    },
    new StorageSharedKeyCredential(cloud.storageAccountName, cloud.storageAccountKey),
  );
  return `${container.url}?${sas.toString()}`;
}

async function blobNames(container: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of blobs.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

const blobText = async (container: string, name: string): Promise<string> =>
  (await blobs.getContainerClient(container).getBlobClient(name).downloadToBuffer()).toString("utf8");

describe("resource files", () => {
  it("downloads a linked auto-storage container (whole, and by blobPrefix into a filePath)", async () => {
    const { client } = service();
    const inputs = blobs.getContainerClient("inputs");
    await inputs.createIfNotExists();
    await inputs.getBlockBlobClient("photos/meter-1.txt").upload("reading 42", 10);
    await inputs.getBlockBlobClient("photos/meter-2.txt").upload("reading 43", 10);
    await inputs.getBlockBlobClient("other/notes.txt").upload("notes!", 6);

    await client.task.add(JOB, {
      id: "with-inputs",
      commandLine: bash("cat photos/meter-1.txt; echo; cat mine/photos/meter-2.txt; echo; ls mine"),
      resourceFiles: [
        { autoStorageContainerName: "inputs" },
        { autoStorageContainerName: "inputs", blobPrefix: "photos/", filePath: "mine" },
      ],
    });
    const task = await waitForTask(client, JOB, "with-inputs");
    expect(task.executionInfo?.result).toBe("success");
    expect(await taskFile(client, JOB, "with-inputs", "stdout.txt")).toBe("reading 42\nreading 43\nphotos\n");
  });

  it("fails the task in preparation when a resource file cannot be fetched", async () => {
    const { client } = service();
    await client.task.add(JOB, {
      id: "missing-inputs",
      commandLine: "/bin/true",
      resourceFiles: [{ autoStorageContainerName: "no-such-container" }],
    });
    const task = await waitForTask(client, JOB, "missing-inputs");
    expect(task.executionInfo).toMatchObject({ result: "failure", failureInfo: { category: "usererror" } });
    expect(task.executionInfo?.exitCode).toBeUndefined();
  });
});

describe("output files", () => {
  it("uploads ../std*.txt and **/*.txt on completion, under the given paths", async () => {
    const { client } = service();
    const containerUrl = await writableContainer("results");
    const upload = (filePattern: string, path: string): BatchServiceModels.OutputFile => ({
      filePattern,
      destination: { container: { containerUrl, path } },
      uploadOptions: { uploadCondition: "taskcompletion" },
    });
    await client.task.add(JOB, {
      id: "with-outputs",
      commandLine: bash(
        "mkdir -p out/deep; echo one > out/a.txt; echo two > out/deep/b.txt; echo skip > out/c.bin; echo logged",
      ),
      outputFiles: [upload("../std*.txt", "logs/with-outputs"), upload("**/*.txt", "records")],
    });
    const task = await waitForTask(client, JOB, "with-outputs");
    expect(task.executionInfo?.result).toBe("success");
    expect(await blobNames("results")).toEqual([
      "logs/with-outputs/stderr.txt",
      "logs/with-outputs/stdout.txt",
      "records/out/a.txt",
      "records/out/deep/b.txt",
    ]);
    expect(await blobText("results", "logs/with-outputs/stdout.txt")).toBe("logged\n");
    expect(await blobText("results", "records/out/deep/b.txt")).toBe("two\n");
  });

  it("uploads on failure only what asks for taskfailure", async () => {
    const { client } = service();
    const containerUrl = await writableContainer("failures");
    await client.task.add(JOB, {
      id: "fails-with-outputs",
      commandLine: bash("echo why >&2; exit 1"),
      outputFiles: [
        {
          filePattern: "../stderr.txt",
          destination: { container: { containerUrl, path: "errors/stderr.txt" } },
          uploadOptions: { uploadCondition: "taskfailure" },
        },
        {
          filePattern: "../stdout.txt",
          destination: { container: { containerUrl, path: "ok/stdout.txt" } },
          uploadOptions: { uploadCondition: "tasksuccess" },
        },
      ],
    });
    await waitForTask(client, JOB, "fails-with-outputs");
    expect(await blobNames("failures")).toEqual(["errors/stderr.txt"]);
    expect(await blobText("failures", "errors/stderr.txt")).toBe("why\n");
  });
});

describe("task and node files", () => {
  beforeAll(async () => {
    const { client } = service();
    await client.task.add(JOB, {
      id: "writes",
      commandLine: bash('printf "0123456789" > digits.txt; mkdir sub; echo nested > "sub/a b.txt"; echo done'),
    });
    await waitForTask(client, JOB, "writes");
  });

  it("lists a task's files, recursively or not", async () => {
    const { client } = service();
    const top = await client.file.listFromTask(JOB, "writes");
    expect(top.map((f) => f.name).sort()).toEqual(["stderr.txt", "stdout.txt", "wd"]);
    expect(top.find((f) => f.name === "wd")?.isDirectory).toBe(true);
    const all = await client.file.listFromTask(JOB, "writes", { recursive: true });
    expect(
      all
        .filter((f) => !f.isDirectory)
        .map((f) => f.name)
        .sort(),
    ).toEqual(["stderr.txt", "stdout.txt", "wd/digits.txt", "wd/sub/a b.txt"]);
    expect(all.find((f) => f.name === "wd/digits.txt")?.properties?.contentLength).toBe(10);
  });

  it("reads a file whole and by ocp-range, with a name that needs encoding", async () => {
    const { client } = service();
    expect(await taskFile(client, JOB, "writes", "wd/sub/a b.txt")).toBe("nested\n");
    const ranged = await client.file.getFromTask(JOB, "writes", "wd/digits.txt", {
      fileGetFromTaskOptions: { ocpRange: "bytes=2-5" },
    });
    expect(await readText(ranged.readableStreamBody)).toBe("2345");
    const tail = await client.file.getFromTask(JOB, "writes", "wd/digits.txt", {
      fileGetFromTaskOptions: { ocpRange: "bytes=7-" },
    });
    expect(await readText(tail.readableStreamBody)).toBe("789");
  });

  it("answers properties (HEAD) for files and directories", async () => {
    const { client } = service();
    const file = await client.file.getPropertiesFromTask(JOB, "writes", "wd/digits.txt");
    expect(file).toMatchObject({ contentLength: 10, ocpBatchFileIsdirectory: false });
    expect(file.lastModified).toBeInstanceOf(Date);
    const dir = await client.file.getPropertiesFromTask(JOB, "writes", "wd/sub");
    expect(dir.ocpBatchFileIsdirectory).toBe(true);
  });

  it("refuses files that do not exist or lie outside the task's directory", async () => {
    // The SDK does not parse error bodies of streamed downloads, so read the code from a raw request.
    const { client, raw } = service();
    expect(await errorOf(() => client.file.getFromTask(JOB, "writes", "wd/nope.txt"))).toMatchObject({ status: 404 });
    expect(
      (await raw("GET", `/jobs/${JOB}/tasks/writes/files/${encodeURIComponent("wd/nope.txt")}`)).body,
    ).toMatchObject({ code: "FileNotFound" });
    const outside = await raw("GET", `/jobs/${JOB}/tasks/writes/files/${encodeURIComponent("../../../../../shared")}`);
    expect(outside.status).toBe(404);
  });

  it("deletes a task file, and a directory only when asked recursively", async () => {
    const { client } = service();
    await client.task.add(JOB, {
      id: "tidies",
      commandLine: bash("mkdir -p keep/inner; echo x > keep/inner/f.txt; echo y > drop.txt"),
    });
    await waitForTask(client, JOB, "tidies");
    await client.file.deleteFromTask(JOB, "tidies", "wd/drop.txt");
    expect(await errorOf(() => client.file.getPropertiesFromTask(JOB, "tidies", "wd/drop.txt"))).toMatchObject({
      status: 404,
    });
    expect((await errorOf(() => client.file.deleteFromTask(JOB, "tidies", "wd/keep"))).status).toBe(409);
    await client.file.deleteFromTask(JOB, "tidies", "wd/keep", { recursive: true });
    const left = await client.file.listFromTask(JOB, "tidies", { recursive: true });
    expect(left.map((f) => f.name).sort()).toEqual(["stderr.txt", "stdout.txt", "wd"]);
  });

  it("removes a task's files once its retentionTime is over (TaskFilesCleanedup), and a deleted task's at once", async () => {
    const { client } = service();
    await client.task.addCollection(JOB, [
      { id: "short-lived", commandLine: bash("echo soon gone"), constraints: { retentionTime: "PT1S" } },
      { id: "deleted-files", commandLine: bash("echo deleted") },
    ]);
    await waitForTask(client, JOB, "short-lived");
    const deleted = await waitForTask(client, JOB, "deleted-files");
    // Listing succeeds (errorOf throws, so undefined: poll again) until the files are gone.
    const cleaned = await pollUntil("the short-lived task's files to be cleaned up", () =>
      errorOf(() => client.file.listFromTask(JOB, "short-lived")).catch(() => undefined),
    );
    expect(cleaned).toMatchObject({ status: 409, code: "TaskFilesCleanedup" });

    await client.task.deleteMethod(JOB, "deleted-files");
    const nodeFiles = await client.file.listFromComputeNode("files-pool", deleted.nodeInfo!.nodeId!, {
      recursive: true,
    });
    expect(nodeFiles.map((f) => f.name).filter((n) => n?.startsWith(deleted.nodeInfo!.taskRootDirectory!))).toEqual([]);
    expect(nodeFiles.map((f) => f.name)).toContain(
      `${deleted.nodeInfo!.taskRootDirectory!.replace("deleted-files", "writes")}/stdout.txt`,
    );
  });

  it("lists a node's files: the task's directory under workitems, and the shared and startup directories", async () => {
    const { client } = service();
    const task = await client.task.get(JOB, "writes");
    const nodeId = task.nodeInfo!.nodeId!;
    const files = await client.file.listFromComputeNode("files-pool", nodeId, { recursive: true });
    const names = files.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "shared",
        "startup",
        `${task.nodeInfo!.taskRootDirectory}/stdout.txt`,
        `${task.nodeInfo!.taskRootDirectory}/wd/digits.txt`,
      ]),
    );
    const viaNode = await client.file.getFromComputeNode(
      "files-pool",
      nodeId,
      `${task.nodeInfo!.taskRootDirectory}/stdout.txt`,
    );
    expect(await readText(viaNode.readableStreamBody)).toBe("done\n");
  });
});
