import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { reapOnParentDeath } from "./orphan-watch";
import { makeOwnedTempDir } from "./owned-temp-dir";

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Port for the blob service; 0 picks a free one. */
  blobPort?: number;
  /** Directory for Azurite's data; a temp directory (removed on stop) when omitted. */
  location?: string;
  /** Keep blobs in memory only (faster, nothing on disk). Ignores `location`. */
  inMemory?: boolean;
}

export interface Azurite {
  /** Blob endpoint with the account path and a trailing slash, e.g. `http://127.0.0.1:10000/devstoreaccount1/`. */
  blobEndpoint: string;
  blobPort: number;
  accountName: string;
  accountKey: string;
  connectionString: string;
  stop(): Promise<void>;
}

/** Resolves Azurite's blob entry point from the installed package, so no global install is needed. */
function azuriteBlobMain(): string {
  const pkgJson = require.resolve("azurite/package.json");
  return path.join(path.dirname(pkgJson), "dist", "src", "blob", "main.js");
}

/**
 * Starts `azurite-blob` as a child process and resolves once it is listening.
 * `--skipApiVersionCheck` because current `@azure/storage-blob` sends a newer API version than
 * Azurite knows; `--loose` so headers Azurite does not implement are ignored rather than refused.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const ownsLocation = !options.inMemory && !options.location;
  // In memory, Azurite needs no directory; only a disk-backed run without a location gets a temp one.
  const location = options.inMemory ? "" : (options.location ?? (await makeOwnedTempDir("azurite-")));
  const args = [
    azuriteBlobMain(),
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(options.blobPort ?? 0),
    "--skipApiVersionCheck",
    "--loose",
    "--silent",
    "--disableProductStyleUrl",
    "--disableTelemetry",
  ];
  if (options.inMemory) args.push("--inMemoryPersistence");
  else args.push("--location", location);

  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) child.once("exit", reapOnParentDeath("process", child.pid));
  const port = await waitForListening(child);
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}/`;
  let stopped = false;
  return {
    blobEndpoint,
    blobPort: port,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child);
      if (ownsLocation) await rm(location, { recursive: true, force: true });
    },
  };
}

function waitForListening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listens on http:\/\/[^:\s]+:(\d+)/i.exec(output);
      if (match) {
        cleanup();
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`azurite-blob exited (${code}) before listening:\n${output.trim()}`));
    };
    const cleanup = () => {
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      // Keep draining so Azurite never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** SIGTERM, then SIGKILL if the child has not gone after a grace period. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
