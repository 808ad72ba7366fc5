import type { ContainerClient } from "@azure/storage-blob";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { uploadOutputFiles, type OutputFile } from "../../../local/task-files";
import { detail, failureOf, makeTaskDir, startStorage, type Storage } from "./fixture";

let storage: Storage;
let task: Awaited<ReturnType<typeof makeTaskDir>>;
let results: ContainerClient;
let containerCount = 0;

/** What a finished task leaves on a node: logs in the task directory, outputs in the working directory. */
const TASK_FILES: Record<string, string> = {
  "stdout.txt": "reading 0042.7\n",
  "stderr.txt": "warning: low contrast\n",
  "wd/out/a.txt": "a",
  "wd/out/sub/b.txt": "b",
  "wd/out/.hidden.txt": "hidden",
  "wd/out/c.log": "c",
  "wd/result.json": '{"reading":42.7}',
};

beforeAll(async () => {
  storage = await startStorage();
});

afterAll(async () => {
  await storage?.stop();
});

beforeEach(async () => {
  task = await makeTaskDir();
  for (const [name, content] of Object.entries(TASK_FILES)) {
    const file = path.join(task.taskDir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  containerCount += 1;
  results = storage.service.getContainerClient(`results-${containerCount}`);
  await results.create();
});

afterEach(async () => {
  await task.remove();
});

const writeSas = () => `${results.url}?${storage.sas({ container: results.containerName, permissions: "cw" })}`;

function output(
  filePattern: string,
  options: { path?: string; condition?: OutputFile["uploadOptions"]["uploadCondition"]; containerUrl?: string } = {},
): OutputFile {
  return {
    filePattern,
    destination: {
      container: {
        containerUrl: options.containerUrl ?? writeSas(),
        ...(options.path !== undefined ? { path: options.path } : {}),
      },
    },
    uploadOptions: { uploadCondition: options.condition ?? "taskcompletion" },
  };
}

async function blobNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of results.listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

const blobText = async (name: string) => (await results.getBlobClient(name).downloadToBuffer()).toString("utf8");
const upload = (files: OutputFile[], outcome: "success" | "failure" = "success") =>
  uploadOutputFiles(files, task.workingDir, outcome, storage.access);

describe("patterns and blob names", () => {
  it("uploads ** matches under the path as a virtual directory, keeping their relative paths and skipping dotfiles", async () => {
    const { uploaded } = await upload([output("**/*.txt", { path: "run-1" })]);
    expect(await blobNames()).toEqual(["run-1/out/a.txt", "run-1/out/sub/b.txt"]);
    expect(uploaded.sort()).toEqual([`${results.url}/run-1/out/a.txt`, `${results.url}/run-1/out/sub/b.txt`]);
    expect(await blobText("run-1/out/sub/b.txt")).toBe("b");
  });

  it("reaches the task directory's stdout.txt and stderr.txt with ../std*.txt", async () => {
    await upload([output("../std*.txt", { path: "logs/task-7" })]);
    expect(await blobNames()).toEqual(["logs/task-7/stderr.txt", "logs/task-7/stdout.txt"]);
    expect(await blobText("logs/task-7/stdout.txt")).toBe("reading 0042.7\n");
  });

  it("names blobs relative to the pattern's fixed prefix, at the container root without a path", async () => {
    await upload([output("out/**/*")]);
    expect(await blobNames()).toEqual(["a.txt", "c.log", "sub/b.txt"]);
  });

  it("matches a dotfile when the pattern spells the dot", async () => {
    await upload([output("out/.*.txt", { path: "dot" })]);
    expect(await blobNames()).toEqual(["dot/.hidden.txt"]);
  });

  it("uses path as the blob name for a single file, and the file name without a path", async () => {
    await upload([output("result.json", { path: "readings/photo-1.json" }), output("out/sub/b.txt")]);
    expect(await blobNames()).toEqual(["b.txt", "readings/photo-1.json"]);
    expect(await blobText("readings/photo-1.json")).toBe('{"reading":42.7}');
  });

  it("expands $VAR and ${VAR} from the task's environment in the pattern, as Batch does on Linux", async () => {
    const environment = { AZ_BATCH_TASK_DIR: task.taskDir, OUT: "out" };
    await uploadOutputFiles(
      [
        output("$AZ_BATCH_TASK_DIR/stdout.txt", { path: "o.txt" }),
        output("${AZ_BATCH_TASK_DIR}/wd/${OUT}/sub/*.txt"),
        output("$UNSET_VAR/*.txt"),
      ],
      task.workingDir,
      "success",
      storage.access,
      { environment },
    );
    expect(await blobNames()).toEqual(["b.txt", "o.txt"]);
    expect(await blobText("o.txt")).toBe("reading 0042.7\n");
    expect(await readFile(path.join(task.taskDir, "fileuploadout.txt"), "utf8")).toContain(
      "No file matches the pattern $UNSET_VAR/*.txt",
    );
  });

  it("is not an error when a pattern matches nothing, and says so in fileuploadout.txt", async () => {
    const { uploaded } = await upload([output("missing.json"), output("**/*.tif")]);
    expect(uploaded).toEqual([]);
    expect(await blobNames()).toEqual([]);
    const log = await readFile(path.join(task.taskDir, "fileuploadout.txt"), "utf8");
    expect(log).toContain("No file matches the pattern missing.json");
    expect(log).toContain("No file matches the pattern **/*.tif");
  });
});

describe("upload conditions", () => {
  const cases: [OutputFile["uploadOptions"]["uploadCondition"], "success" | "failure", boolean][] = [
    ["tasksuccess", "success", true],
    ["tasksuccess", "failure", false],
    ["taskfailure", "success", false],
    ["taskfailure", "failure", true],
    ["taskcompletion", "success", true],
    ["taskcompletion", "failure", true],
  ];
  it.each(cases)("%s on a task that ended in %s uploads: %s", async (condition, outcome, expected) => {
    const { uploaded } = await upload([output("result.json", { condition })], outcome);
    expect(await blobNames()).toEqual(expected ? ["result.json"] : []);
    expect(uploaded).toHaveLength(expected ? 1 : 0);
  });
});

describe("destination access and headers", () => {
  it("applies uploadHeaders: content type and metadata", async () => {
    const file = output("result.json", { path: "r.json" });
    file.destination.container!.uploadHeaders = [
      { name: "Content-Type", value: "application/json" },
      { name: "x-ms-meta-photo", value: "meter-1" },
    ];
    await upload([file]);
    const properties = await results.getBlobClient("r.json").getProperties();
    expect(properties.contentType).toBe("application/json");
    expect(properties.metadata).toEqual({ photo: "meter-1" });
  });

  it("refuses an upload header it cannot apply instead of dropping it", async () => {
    const file = output("result.json");
    file.destination.container!.uploadHeaders = [{ name: "x-ms-lease-id", value: "abc" }];
    const info = await failureOf(upload([file]));
    expect(info.code).toBe("FileUploadMiscError");
    expect(detail(info, "HeaderName")).toBe("x-ms-lease-id");
  });

  it("uses the service's own storage access for identityReference without a SAS", async () => {
    const file = output("result.json", { containerUrl: results.url });
    file.destination.container!.identityReference = { resourceId: "/subscriptions/0/identities/node" };
    await upload([file]);
    expect(await blobNames()).toEqual(["result.json"]);
  });

  it("fails with FileUploadMiscError on an expired SAS, after trying every file, and logs to fileuploaderr.txt", async () => {
    const expired = `${results.url}?${storage.sas({ container: results.containerName, permissions: "cw", expiresInMinutes: -5 })}`;
    const info = await failureOf(upload([output("../std*.txt", { containerUrl: expired }), output("result.json")]));
    expect(info).toMatchObject({ category: "usererror", code: "FileUploadMiscError" });
    expect(detail(info, "HttpStatusCode")).toBe("403");
    expect(JSON.stringify(info)).not.toContain("sig=");
    // The second output file has a good SAS: it is still uploaded.
    expect(await blobNames()).toEqual(["result.json"]);
    const errors = await readFile(path.join(task.taskDir, "fileuploaderr.txt"), "utf8");
    expect(errors).toContain("FileUploadMiscError");
    expect(errors).not.toContain("sig=");
  });

  it("fails with FileUploadMiscError for anonymous access (no SAS, no identity)", async () => {
    const info = await failureOf(upload([output("result.json", { containerUrl: results.url })]));
    expect(info.code).toBe("FileUploadMiscError");
  });
});
