/**
 * The task-files library as the local Batch service uses it, driven by the real @azure/batch client:
 * resource files in, an application package on the node, output files out, and failures reported in
 * the task's executionInfo as Batch reports them.
 */
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from "@azure/batch";
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { finished } from "node:stream/promises";
import { ZipFile } from "yazl";
import { startLocalCloud, type LocalCloud } from "../../../local";
import { POC_POOL, pollUntil } from "../clients/poc-outcome";
import { sasQuery } from "./fixture";

const POOL = "files-pool";
const JOB = "files-job";
const TIMEOUT_MS = 60_000;

let cloud: LocalCloud;
let dataDir: string;
let client: BatchServiceClient;
let inputs: ContainerClient;
let results: ContainerClient;
let key: StorageSharedKeyCredential;

function sas(container: string, permissions: string, expiresInMinutes: number, blob?: string): string {
  return sasQuery(key, { container, permissions, expiresInMinutes, ...(blob ? { blob } : {}) });
}

async function workerZip(file: string): Promise<string> {
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from("#!/bin/sh\necho worker says hello\n"), "bin/hello", { mode: 0o100755 });
  zip.end();
  await finished(zip.outputStream.pipe(createWriteStream(file)));
  return file;
}

async function completed(taskId: string): Promise<BatchServiceModels.CloudTask> {
  return pollUntil(
    `task ${taskId} completed`,
    async () => {
      const task = await client.task.get(JOB, taskId);
      return task.state === "completed" ? task : undefined;
    },
    TIMEOUT_MS,
    200,
  );
}

async function blobText(name: string): Promise<string> {
  return (await results.getBlobClient(name).downloadToBuffer()).toString("utf8");
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "task-files-service-"));
  cloud = await startLocalCloud({ dataDir: path.join(dataDir, "cloud") });
  key = new StorageSharedKeyCredential(cloud.storageAccountName, cloud.storageAccountKey);
  const blobs = BlobServiceClient.fromConnectionString(cloud.storageConnectionString);
  inputs = blobs.getContainerClient("inputs");
  results = blobs.getContainerClient("results");
  await inputs.create();
  await results.create();
  await inputs.getBlockBlobClient("photos/meter-1.jpg").upload("jpeg one", 8);
  await inputs.getBlockBlobClient("tools/tool.sh").upload("#!/bin/sh\necho tool ran\n", 24);
  await cloud.registerApplicationPackage("ocrworker", "1.0", await workerZip(path.join(dataDir, "worker.zip")));

  client = new BatchServiceClient(
    new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
    cloud.batchEndpoint,
  );
  await client.pool.add({
    id: POOL,
    vmSize: POC_POOL.vmSize,
    targetDedicatedNodes: 1,
    virtualMachineConfiguration: { imageReference: { ...POC_POOL.image }, nodeAgentSKUId: POC_POOL.nodeAgentSkuId },
  });
  await client.job.add({ id: JOB, poolInfo: { poolId: POOL } });
}, TIMEOUT_MS);

afterAll(async () => {
  await cloud?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, TIMEOUT_MS);

it("downloads resource files, installs the package, runs the task and uploads its outputs", async () => {
  const resultsUrl = `${results.url}?${sas("results", "cw", 60)}`;
  await client.task.add(JOB, {
    id: "good",
    commandLine:
      "/bin/sh -c 'mkdir -p out && cat in/photos/meter-1.jpg > out/copy.txt && ./tool.sh > out/tool.txt && $AZ_BATCH_APP_PACKAGE_ocrworker_1_0/bin/hello > out/hello.txt && echo finished'",
    resourceFiles: [
      { autoStorageContainerName: "inputs", blobPrefix: "photos/", filePath: "in" },
      {
        httpUrl: `${inputs.url}/tools/tool.sh?${sas("inputs", "r", 60, "tools/tool.sh")}`,
        filePath: "tool.sh",
        fileMode: "0755",
      },
    ],
    applicationPackageReferences: [{ applicationId: "ocrworker", version: "1.0" }],
    outputFiles: [
      {
        filePattern: "../std*.txt",
        destination: { container: { containerUrl: resultsUrl, path: "logs/good" } },
        uploadOptions: { uploadCondition: "taskcompletion" },
      },
      {
        filePattern: "out/**/*.txt",
        destination: { container: { containerUrl: resultsUrl, path: "good" } },
        uploadOptions: { uploadCondition: "tasksuccess" },
      },
      {
        filePattern: "out/*.txt",
        destination: { container: { containerUrl: resultsUrl, path: "never" } },
        uploadOptions: { uploadCondition: "taskfailure" },
      },
    ],
  });
  const task = await completed("good");
  expect(task.executionInfo).toMatchObject({ result: "success", exitCode: 0 });
  expect(task.executionInfo?.failureInfo).toBeUndefined();
  expect(await blobText("logs/good/stdout.txt")).toBe("finished\n");
  expect(await blobText("good/copy.txt")).toBe("jpeg one");
  expect(await blobText("good/tool.txt")).toBe("tool ran\n");
  expect(await blobText("good/hello.txt")).toBe("worker says hello\n");
  const names: string[] = [];
  for await (const blob of results.listBlobsFlat({ prefix: "never/" })) names.push(blob.name);
  expect(names).toEqual([]);
});

it("fails the task with BlobAccessDenied when a resource file's SAS has expired, without running it", async () => {
  await client.task.add(JOB, {
    id: "expired-input",
    commandLine: "/bin/sh -c 'echo should not run'",
    resourceFiles: [
      {
        httpUrl: `${inputs.url}/photos/meter-1.jpg?${sas("inputs", "r", -5, "photos/meter-1.jpg")}`,
        filePath: "m.jpg",
      },
    ],
  });
  const task = await completed("expired-input");
  expect(task.executionInfo?.result).toBe("failure");
  expect(task.executionInfo?.failureInfo).toMatchObject({ category: "usererror", code: "BlobAccessDenied" });
  expect(task.executionInfo?.exitCode).toBeUndefined();
  expect(JSON.stringify(task.executionInfo?.failureInfo)).not.toContain("sig=");
});

it("fails the task with FileUploadMiscError when its output destination refuses the upload", async () => {
  await client.task.add(JOB, {
    id: "expired-output",
    commandLine: "/bin/sh -c 'echo result > r.txt'",
    outputFiles: [
      {
        filePattern: "r.txt",
        destination: { container: { containerUrl: `${results.url}?${sas("results", "cw", -5)}` } },
        uploadOptions: { uploadCondition: "tasksuccess" },
      },
    ],
  });
  const task = await completed("expired-output");
  expect(task.executionInfo?.result).toBe("failure");
  expect(task.executionInfo?.failureInfo).toMatchObject({ category: "usererror", code: "FileUploadMiscError" });
});
