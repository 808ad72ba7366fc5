/**
 * A dynamic provider run the way `pulumi up` runs it, without the Pulumi CLI:
 *
 * 1. serialized in a Node process (scripts in ./pulumi-host) that compiled the program with ts-node exactly as Pulumi's
 *    TypeScript runtime does (its vendored ts-node, the project's typescript and tsconfig), by
 *    `pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })` as
 *    `pulumi.dynamic.Resource` does;
 * 2. loaded in a fresh Node process with no TypeScript loader, from a directory that holds only
 *    a `node_modules`, by `requireFromString(text).handler()` as the dynamic-provider host
 *    (`@pulumi/pulumi/cmd/dynamic-provider`) does, and one of its methods called.
 *
 * Jest cannot do step 1 in-process: its module registry hides `require.cache`, which the closure
 * serializer reads to tell node_modules packages (captured as `require("name")`) from local files
 * (captured by value).
 */
import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Which provider to serialize: an export of a project module, or a factory export called with JSON arguments. */
export interface ProviderSource {
  /** Path of the module, relative to the project root, e.g. `./infra/package-upload-provider.ts`. */
  modulePath: string;
  exportName: string;
  /** When given, the export is a factory and the provider is `factory(...factoryArgs)`. */
  factoryArgs?: unknown[];
}

export interface HostCallResult {
  /** What the method resolved to, when it resolved. */
  value?: unknown;
  /** The message and code of what it threw, when it threw. */
  error?: { message: string; code?: string };
}

interface ProcessOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const SCRIPTS = path.join(__dirname, "pulumi-host");
const SERIALIZE_SCRIPT = path.join(SCRIPTS, "serialize-provider.js");
const HOST_SCRIPT = path.join(SCRIPTS, "run-provider.js");

/** The provider's text as Pulumi stores it in the state (the `__provider` property). */
export async function serializeProviderAsPulumiDoes(source: ProviderSource): Promise<string> {
  const out = await runNode([SERIALIZE_SCRIPT, JSON.stringify(source)], PROJECT_ROOT);
  if (out.code !== 0) throw new Error(`serializing ${source.modulePath}#${source.exportName} failed:\n${out.stderr}`);
  return out.stdout;
}

/** A directory outside the project whose `node_modules` is the project's, as a deployment host would have. */
export interface HostDirectory {
  dir: string;
  remove(): Promise<void>;
}

export async function createHostDirectory(): Promise<HostDirectory> {
  const dir = await mkdtemp(path.join(tmpdir(), "dynamic-host-"));
  await symlink(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  // The runner too, so nothing the provider resolves can come from the project's directories.
  await copyFile(HOST_SCRIPT, path.join(dir, "run-provider.js"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Calls `method(...args)` on the serialized provider in a fresh `node` running in `host.dir`. */
export async function callInFreshHost(
  host: HostDirectory,
  providerText: string,
  method: string,
  args: unknown[],
  env: Record<string, string> = {},
): Promise<HostCallResult> {
  const providerFile = path.join(host.dir, "provider.js");
  await writeFile(providerFile, providerText);
  // A clean environment: nothing from jest (no ts-jest, no NODE_OPTIONS loader) reaches the host.
  const hostEnv = { PATH: process.env.PATH ?? "", HOME: host.dir, ...env };
  const out = await runNode(["run-provider.js", providerFile, method, JSON.stringify(args)], host.dir, hostEnv);
  const lastLine = out.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(lastLine) as HostCallResult;
  } catch {
    throw new Error(`the host process ended without a result (exit ${out.code}):\n${out.stdout}\n${out.stderr}`);
  }
}
