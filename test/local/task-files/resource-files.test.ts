import { ContainerClient } from "@azure/storage-blob";
import { readFile, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { downloadResourceFiles, type ResourceFile } from "../../../local/task-files";
import { detail, failureOf, makeTaskDir, startStorage, type Storage } from "./fixture";

const IDENTITY = {
  resourceId: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/node",
};

let storage: Storage;
let inputs: ContainerClient;
let task: Awaited<ReturnType<typeof makeTaskDir>>;

const BLOBS: Record<string, string> = {
  "photos/meter-1.jpg": "jpeg one",
  "photos/site-b/meter-2.jpg": "jpeg two",
  "photosynthesis.txt": "not a photo folder, but shares the prefix letters",
  "tools/run.sh": "#!/bin/sh\necho run\n",
};

beforeAll(async () => {
  storage = await startStorage();
  inputs = storage.service.getContainerClient("inputs");
  await inputs.create();
  for (const [name, content] of Object.entries(BLOBS))
    await inputs.getBlockBlobClient(name).upload(content, Buffer.byteLength(content));
});

afterAll(async () => {
  await storage?.stop();
});

beforeEach(async () => {
  task = await makeTaskDir();
});

afterEach(async () => {
  await task.remove();
});

const read = (relative: string) => readFile(path.join(task.workingDir, relative), "utf8");
const modeOf = async (relative: string) => (await stat(path.join(task.workingDir, relative))).mode & 0o777;
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );
const download = (files: ResourceFile[]) => downloadResourceFiles(files, task.workingDir, storage.access);
const blobUrl = (name: string, sas?: string) => `${inputs.url}/${name}${sas ? `?${sas}` : ""}`;

describe("httpUrl", () => {
  it("downloads a blob through its SAS to filePath with Batch's default mode 0770", async () => {
    const sas = storage.sas({ container: "inputs", blob: "photos/meter-1.jpg", permissions: "r" });
    await download([{ httpUrl: blobUrl("photos/meter-1.jpg", sas), filePath: "meter.jpg" }]);
    expect(await read("meter.jpg")).toBe("jpeg one");
    expect(await modeOf("meter.jpg")).toBe(0o770);
  });

  it("creates the directories of filePath and applies fileMode", async () => {
    const sas = storage.sas({ container: "inputs", permissions: "r" });
    await download([{ httpUrl: blobUrl("tools/run.sh", sas), filePath: "bin/tools/run.sh", fileMode: "0755" }]);
    expect(await read("bin/tools/run.sh")).toContain("echo run");
    expect(await modeOf("bin/tools/run.sh")).toBe(0o755);
  });

  it("replaces a read-only file left by an earlier attempt, and lets the later of two resource files for one path win", async () => {
    const sas = storage.sas({ container: "inputs", permissions: "r" });
    await download([{ httpUrl: blobUrl("photos/meter-1.jpg", sas), filePath: "m.jpg", fileMode: "0440" }]);
    await download([
      { httpUrl: blobUrl("photos/meter-1.jpg", sas), filePath: "m.jpg" },
      { httpUrl: blobUrl("photos/site-b/meter-2.jpg", sas), filePath: "m.jpg", fileMode: "0600" },
    ]);
    expect(await read("m.jpg")).toBe("jpeg two");
    expect(await modeOf("m.jpg")).toBe(0o600);
  });

  it("uses the service's own storage access for identityReference without a SAS", async () => {
    await download([{ httpUrl: blobUrl("photos/meter-1.jpg"), filePath: "m.jpg", identityReference: IDENTITY }]);
    expect(await read("m.jpg")).toBe("jpeg one");
  });

  it("fails with BlobAccessDenied on an expired SAS, and keeps the SAS out of the failure record", async () => {
    const expired = storage.sas({
      container: "inputs",
      blob: "photos/meter-1.jpg",
      permissions: "r",
      expiresInMinutes: -5,
    });
    const info = await failureOf(download([{ httpUrl: blobUrl("photos/meter-1.jpg", expired), filePath: "m.jpg" }]));
    expect(info).toMatchObject({ category: "usererror", code: "BlobAccessDenied" });
    expect(detail(info, "HttpStatusCode")).toBe("403");
    expect(detail(info, "BlobSource")).toBe(blobUrl("photos/meter-1.jpg"));
    expect(JSON.stringify(info)).not.toContain("sig=");
    expect(await exists(path.join(task.workingDir, "m.jpg"))).toBe(false);
  });

  it("fails with BlobAccessDenied on a SAS with a forged signature", async () => {
    const forged = storage.sas({ container: "inputs", permissions: "r" }).replace(/sig=[^&]+/, "sig=Zm9yZ2Vk");
    const info = await failureOf(download([{ httpUrl: blobUrl("photos/meter-1.jpg", forged), filePath: "m.jpg" }]));
    expect(info.code).toBe("BlobAccessDenied");
  });

  it("fails with BlobAccessDenied for anonymous access to a private container", async () => {
    const info = await failureOf(download([{ httpUrl: blobUrl("photos/meter-1.jpg"), filePath: "m.jpg" }]));
    expect(info.code).toBe("BlobAccessDenied");
  });

  it("fails with BlobNotFound for a missing blob", async () => {
    const sas = storage.sas({ container: "inputs", permissions: "r" });
    const info = await failureOf(download([{ httpUrl: blobUrl("photos/nope.jpg", sas), filePath: "m.jpg" }]));
    expect(info.code).toBe("BlobNotFound");
    expect(detail(info, "StorageErrorCode")).toBe("BlobNotFound");
  });

  it("fails with BlobDownloadMiscError when the host cannot be reached", async () => {
    const info = await failureOf(
      download([{ httpUrl: "http://127.0.0.1:1/devstoreaccount1/inputs/x", filePath: "x" }]),
    );
    expect(info.code).toBe("BlobDownloadMiscError");
  });

  it("does not send the service's key to a host other than its own storage", async () => {
    const info = await failureOf(
      download([{ httpUrl: "http://127.0.0.2:1/otheraccount/inputs/x", filePath: "x", identityReference: IDENTITY }]),
    );
    expect(info.code).toBe("BlobAccessDenied");
    expect(detail(info, "Reason")).toContain(storage.access.blobEndpoint);
  });
});

describe("containers", () => {
  it("downloads every blob under blobPrefix from a container SAS URL, keeping blob names under filePath", async () => {
    const sas = storage.sas({ container: "inputs", permissions: "rl" });
    await download([
      { storageContainerUrl: `${inputs.url}?${sas}`, blobPrefix: "photos/", filePath: "in", fileMode: "0640" },
    ]);
    expect(await read("in/photos/meter-1.jpg")).toBe("jpeg one");
    expect(await read("in/photos/site-b/meter-2.jpg")).toBe("jpeg two");
    expect(await modeOf("in/photos/site-b/meter-2.jpg")).toBe(0o640);
    expect(await exists(path.join(task.workingDir, "in/photosynthesis.txt"))).toBe(false);
    expect(await exists(path.join(task.workingDir, "in/tools"))).toBe(false);
  });

  it("treats blobPrefix as a name prefix, not only a folder", async () => {
    await download([{ autoStorageContainerName: "inputs", blobPrefix: "photo" }]);
    expect(await read("photosynthesis.txt")).toContain("prefix letters");
    expect(await read("photos/meter-1.jpg")).toBe("jpeg one");
  });

  it("resolves autoStorageContainerName in the linked storage and downloads the whole container to the working directory", async () => {
    await download([{ autoStorageContainerName: "inputs" }]);
    for (const [name, content] of Object.entries(BLOBS)) expect(await read(name)).toBe(content);
    expect(await modeOf("tools/run.sh")).toBe(0o770);
  });

  it("uses the service's own storage access for a container URL with identityReference and no SAS", async () => {
    await download([{ storageContainerUrl: inputs.url, blobPrefix: "tools/", identityReference: IDENTITY }]);
    expect(await read("tools/run.sh")).toContain("echo run");
  });

  it("fails with ResourceContainerAccessDenied for anonymous access, an expired SAS or a SAS without list permission", async () => {
    const expired = storage.sas({ container: "inputs", permissions: "rl", expiresInMinutes: -5 });
    const readOnly = storage.sas({ container: "inputs", permissions: "r" });
    for (const url of [inputs.url, `${inputs.url}?${expired}`, `${inputs.url}?${readOnly}`]) {
      const info = await failureOf(download([{ storageContainerUrl: url }]));
      expect(info).toMatchObject({ category: "usererror", code: "ResourceContainerAccessDenied" });
      expect(detail(info, "ContainerSource")).toBe(inputs.url);
    }
  });

  it("fails with ResourceContainerListMiscError for a container that does not exist", async () => {
    const info = await failureOf(download([{ autoStorageContainerName: "no-such-container" }]));
    expect(info.code).toBe("ResourceContainerListMiscError");
    expect(detail(info, "StorageErrorCode")).toBe("ContainerNotFound");
  });

  it("downloads nothing and succeeds when blobPrefix matches no blob", async () => {
    await download([{ autoStorageContainerName: "inputs", blobPrefix: "nothing-here/", filePath: "in" }]);
    expect(await exists(path.join(task.workingDir, "in"))).toBe(false);
  });
});

describe("validation and local failures", () => {
  it("refuses a filePath that breaks out of the working directory, before downloading anything", async () => {
    const sas = storage.sas({ container: "inputs", permissions: "r" });
    const good = { httpUrl: blobUrl("photos/meter-1.jpg", sas), filePath: "fine.jpg" };
    for (const filePath of ["../escaped.jpg", "a/../../escaped.jpg", "/tmp/escaped.jpg"]) {
      const info = await failureOf(download([good, { httpUrl: blobUrl("photos/meter-1.jpg", sas), filePath }]));
      expect(info).toMatchObject({ category: "usererror", code: "InvalidPropertyValue" });
      expect(detail(info, "PropertyName")).toBe("filePath");
      expect(info.message).toContain("working directory");
    }
    expect(await exists(path.join(task.taskDir, "escaped.jpg"))).toBe(false);
    expect(await exists(path.join(task.workingDir, "fine.jpg"))).toBe(false);
  });

  it("refuses a container filePath that breaks out too", async () => {
    const info = await failureOf(download([{ autoStorageContainerName: "inputs", filePath: "../up" }]));
    expect(info.code).toBe("InvalidPropertyValue");
  });

  it("requires exactly one source, filePath with httpUrl and an octal fileMode", async () => {
    const sas = storage.sas({ container: "inputs", permissions: "r" });
    const url = blobUrl("photos/meter-1.jpg", sas);
    expect(await failureOf(download([{ filePath: "x" }]))).toMatchObject({ code: "InvalidPropertyValue" });
    const both = await failureOf(download([{ httpUrl: url, autoStorageContainerName: "inputs", filePath: "x" }]));
    expect(detail(both, "Reason")).toBe("autoStorageContainerName and httpUrl are given together");
    expect(await failureOf(download([{ httpUrl: url }]))).toMatchObject({ code: "MissingRequiredProperty" });
    expect(await failureOf(download([{ httpUrl: url, filePath: "x", fileMode: "rwx" }]))).toMatchObject({
      code: "InvalidPropertyValue",
    });
    expect(await failureOf(download([{ httpUrl: url, filePath: "x", blobPrefix: "p" }]))).toMatchObject({
      code: "InvalidPropertyValue",
    });
  });

  it("reports ResourceDirectoryCreateFailed when the target directory cannot be created", async () => {
    await writeFile(path.join(task.workingDir, "blocked"), "a file where a directory should go");
    const sas = storage.sas({ container: "inputs", permissions: "r" });
    const info = await failureOf(
      download([{ httpUrl: blobUrl("photos/meter-1.jpg", sas), filePath: "blocked/m.jpg" }]),
    );
    expect(info.code).toBe("ResourceDirectoryCreateFailed");
  });
});

describe("stalled downloads", () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (request.url === "/silent") return; // never answers
      response.writeHead(200, { "content-type": "application/octet-stream" });
      if (request.url === "/stops") {
        response.write("first bytes, then nothing");
        return;
      }
      // /slow: keeps sending for about 1 s in all, a chunk every 100 ms: longer than the stall timeout used
      // below, each gap far shorter than it.
      let sent = 0;
      const timer = setInterval(() => {
        sent += 1;
        response.write(`chunk ${sent}\n`);
        if (sent === 10) {
          clearInterval(timer);
          response.end();
        }
      }, 100);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("fails with BlobDownloadTimedOut when the server never answers or stops sending", async () => {
    for (const url of [`${base}/silent`, `${base}/stops`]) {
      const info = await failureOf(
        downloadResourceFiles([{ httpUrl: url, filePath: "x.bin" }], task.workingDir, storage.access, {
          stallTimeoutMs: 300,
        }),
      );
      expect(info).toMatchObject({ category: "usererror", code: "BlobDownloadTimedOut" });
      expect(detail(info, "BlobSource")).toBe(url);
    }
  });

  it("lets a slow download that keeps moving finish", async () => {
    await downloadResourceFiles([{ httpUrl: `${base}/slow`, filePath: "slow.txt" }], task.workingDir, storage.access, {
      stallTimeoutMs: 700,
    });
    expect((await read("slow.txt")).split("\n").filter(Boolean)).toHaveLength(10);
  });
});
