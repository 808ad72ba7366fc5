/**
 * Builds the worker application package: the worker bundled into one `worker.js` that the
 * Node.js of an Ubuntu 24.04 node runs, zipped reproducibly. The version is a content hash, so
 * unchanged code yields the same version (and no infra diff) and changed code a new one.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { ZipFile } from "yazl";
import { WORKER_ENTRY, WORKER_NODE_TARGET } from "../contracts/node-setup";

export interface WorkerPackage {
  zipPath: string;
  /** First 12 hex characters of the zip's SHA-256: a valid Batch package version. */
  version: string;
  sha256: string;
}

export interface BuildOptions {
  outDir?: string;
  /** Entry point to bundle; the worker's main module by default. */
  entry?: string;
}

/** Zip entries get a fixed timestamp so the same files always give the same bytes. */
const FIXED_MTIME = new Date(Date.UTC(2020, 0, 1));

export async function bundleWorker(entry: string): Promise<Buffer> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: WORKER_NODE_TARGET,
    format: "cjs",
    write: false,
    minify: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return Buffer.from(file.contents);
}

/** Zips named files (sorted by name, fixed times and modes) into one buffer. */
export function zipFiles(files: Record<string, Buffer>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const name of Object.keys(files).sort()) {
    zip.addBuffer(files[name] as Buffer, name, { mtime: FIXED_MTIME, mode: 0o100644, compress: true });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("error", reject);
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

export async function buildWorkerPackage(options: BuildOptions = {}): Promise<WorkerPackage> {
  const outDir = path.resolve(options.outDir ?? "build");
  const entry = options.entry ?? path.join(__dirname, "main.ts");
  const zip = await zipFiles({ [WORKER_ENTRY]: await bundleWorker(entry) });
  const sha256 = createHash("sha256").update(zip).digest("hex");
  const version = sha256.slice(0, 12);
  await mkdir(outDir, { recursive: true });
  const zipPath = path.join(outDir, `worker-${version}.zip`);
  await writeFile(zipPath, zip);
  return { zipPath, version, sha256 };
}
