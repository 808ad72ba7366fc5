import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import yauzl from "yauzl";
import { appPackageEnvVar, WORKER_ENTRY } from "../../contracts/node-setup";
import { buildWorkerPackage } from "../../tasks/worker/package";

function unzip(zipPath: string, into: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on("entry", (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => void writeFile(path.join(into, entry.fileName), Buffer.concat(chunks)).then(() => zip.readEntry(), reject));
        });
      });
      zip.on("end", () => resolve(names));
      zip.readEntry();
    });
  });
}

test("the application package runs as Batch runs it: node on worker.js from the package directory", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "app-package-"));
  try {
    const pkg = await buildWorkerPackage({ outDir: dir });
    const appDir = path.join(dir, "app");
    const taskDir = path.join(dir, "task", "wd");
    await Promise.all([appDir, taskDir].map((d) => mkdir(d, { recursive: true })));
    expect(await unzip(pkg.zipPath, appDir)).toEqual([WORKER_ENTRY]);
    const envVar = appPackageEnvVar("ocrworker", pkg.version);
    // Batch runs command lines without a shell; the task's own bash expands the package variable.
    const out = execFileSync("/bin/bash", ["-c", `node "$${envVar}/${WORKER_ENTRY}"`], {
      cwd: taskDir,
      encoding: "utf8",
      env: { PATH: process.env.PATH, [envVar]: appDir, AZ_BATCH_NODE_ID: "tvm-1", AZ_BATCH_TASK_ID: "task-7" },
    });
    expect(out).toContain("on node tvm-1");
    expect(out).toContain("AZ_BATCH_TASK_ID=task-7");
    expect(out).toContain(`${envVar}=${appDir}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
