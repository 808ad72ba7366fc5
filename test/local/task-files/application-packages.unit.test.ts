import { createWriteStream } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { ZipFile } from "yazl";
import { installApplicationPackage } from "../../../local/task-files";
import { detail, failureOf, makeTaskDir } from "./fixture";

let dirs: Awaited<ReturnType<typeof makeTaskDir>>;
let appsDir: string;

interface ZipEntry {
  name: string;
  content: string;
  mode?: number;
}

async function makeZip(file: string, entries: ZipEntry[]): Promise<string> {
  const zip = new ZipFile();
  for (const entry of entries)
    zip.addBuffer(Buffer.from(entry.content), entry.name, {
      compress: false,
      ...(entry.mode !== undefined ? { mode: entry.mode } : {}),
    });
  zip.end();
  const target = path.join(dirs.root, file);
  await finished(zip.outputStream.pipe(createWriteStream(target)));
  return target;
}

const WORKER_ZIP: ZipEntry[] = [
  { name: "bin/ocr-worker", content: "#!/bin/sh\necho worker\n", mode: 0o100755 },
  { name: "lib/models/eng.traineddata", content: "model bytes", mode: 0o100644 },
  { name: "README.txt", content: "the worker bundle" },
];

beforeEach(async () => {
  dirs = await makeTaskDir();
  appsDir = path.join(dirs.root, "node", "applications");
});

afterEach(async () => {
  await dirs.remove();
});

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;
const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

it("unzips nested files into <apps>/<appId>#<version>, keeping the exec bit the zip carries", async () => {
  const zip = await makeZip("worker.zip", WORKER_ZIP);
  const dir = await installApplicationPackage(zip, appsDir, "ocrworker", "1.0.0");
  expect(dir).toBe(path.join(appsDir, "ocrworker#1.0.0"));
  expect(await readFile(path.join(dir, "lib/models/eng.traineddata"), "utf8")).toBe("model bytes");
  expect(await readFile(path.join(dir, "README.txt"), "utf8")).toBe("the worker bundle");
  expect(await modeOf(path.join(dir, "bin/ocr-worker"))).toBe(0o755);
  expect(await modeOf(path.join(dir, "lib/models/eng.traineddata"))).toBe(0o644);
});

it("installs once per node: a later call returns the installed directory without unzipping again", async () => {
  const zip = await makeZip("worker.zip", WORKER_ZIP);
  const dir = await installApplicationPackage(zip, appsDir, "ocrworker", "1.0.0");
  await writeFile(path.join(dir, "README.txt"), "changed on the node");
  const again = await installApplicationPackage(path.join(dirs.root, "gone.zip"), appsDir, "ocrworker", "1.0.0");
  expect(again).toBe(dir);
  expect(await readFile(path.join(dir, "README.txt"), "utf8")).toBe("changed on the node");
});

it("lets concurrent callers await the first install instead of unzipping again", async () => {
  const zip = await makeZip("worker.zip", WORKER_ZIP);
  // Only the first caller has a zip that exists: the others succeed only if they await its install.
  const missing = path.join(dirs.root, "not-there.zip");
  const dirsReturned = await Promise.all([
    installApplicationPackage(zip, appsDir, "ocrworker", "2.0"),
    ...Array.from({ length: 4 }, () => installApplicationPackage(missing, appsDir, "ocrworker", "2.0")),
  ]);
  expect(new Set(dirsReturned)).toEqual(new Set([path.join(appsDir, "ocrworker#2.0")]));
  expect(await readdir(appsDir)).toEqual(["ocrworker#2.0"]);
});

it("keeps versions apart", async () => {
  const v1 = await installApplicationPackage(
    await makeZip("v1.zip", [{ name: "version.txt", content: "1" }]),
    appsDir,
    "ocrworker",
    "1",
  );
  const v2 = await installApplicationPackage(
    await makeZip("v2.zip", [{ name: "version.txt", content: "2" }]),
    appsDir,
    "ocrworker",
    "2",
  );
  expect(await readFile(path.join(v1, "version.txt"), "utf8")).toBe("1");
  expect(await readFile(path.join(v2, "version.txt"), "utf8")).toBe("2");
});

it("refuses a zip whose entry escapes the package directory (zip-slip), leaving nothing behind", async () => {
  const zip = await makeZip("slip.zip", [
    { name: "ok.txt", content: "fine" },
    { name: "XX/evil.txt", content: "escaped" },
  ]);
  // yazl refuses to write "../" names, so rename the entry in the archive bytes (same length; CRCs cover data only).
  const bytes = await readFile(zip);
  await writeFile(zip, Buffer.from(bytes.toString("latin1").replaceAll("XX/evil.txt", "../evil.txt"), "latin1"));
  const info = await failureOf(installApplicationPackage(zip, appsDir, "ocrworker", "1.0"));
  expect(info).toMatchObject({ category: "usererror", code: "ApplicationPackageError" });
  expect(detail(info, "Reason")).toContain("../evil.txt");
  expect(await exists(path.join(appsDir, "evil.txt"))).toBe(false);
  expect(await readdir(appsDir)).toEqual([]);
});

it("refuses a symbolic link entry, which could point anywhere on the node", async () => {
  const zip = await makeZip("link.zip", [{ name: "passwd", content: "/etc/passwd", mode: 0o120777 }]);
  const info = await failureOf(installApplicationPackage(zip, appsDir, "ocrworker", "1.0"));
  expect(detail(info, "Reason")).toContain("symbolic link");
  expect(await readdir(appsDir)).toEqual([]);
});

it("refuses a corrupt zip with ApplicationPackageError, and installs after the zip is fixed", async () => {
  const garbage = path.join(dirs.root, "garbage.zip");
  await writeFile(garbage, "this is not a zip archive at all");
  expect(await failureOf(installApplicationPackage(garbage, appsDir, "ocrworker", "1.0"))).toMatchObject({
    code: "ApplicationPackageError",
  });

  const zip = await makeZip("damaged.zip", [{ name: "data.txt", content: "original content" }]);
  const bytes = await readFile(zip);
  await writeFile(zip, Buffer.from(bytes.toString("latin1").replace("original", "ORIGINAL"), "latin1"));
  const info = await failureOf(installApplicationPackage(zip, appsDir, "ocrworker", "1.0"));
  expect(detail(info, "Reason")).toContain("CRC");
  expect(await readdir(appsDir)).toEqual([]);

  const good = await makeZip("good.zip", [{ name: "data.txt", content: "original content" }]);
  const dir = await installApplicationPackage(good, appsDir, "ocrworker", "1.0");
  expect(await readFile(path.join(dir, "data.txt"), "utf8")).toBe("original content");
});

it("refuses an application id that would leave the applications directory", async () => {
  const zip = await makeZip("worker.zip", WORKER_ZIP);
  expect(await failureOf(installApplicationPackage(zip, appsDir, "../evil", "1"))).toMatchObject({
    code: "ApplicationPackageError",
  });
});
