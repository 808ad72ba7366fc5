/**
 * The local cloud: Azurite for blob storage and the local Batch service, whose linked
 * auto-storage is that Azurite. What `npm run local` starts and what tests and `npm run ocr`
 * start in-process.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { startAzurite } from "./azurite";
import { parseFaultSpec } from "./batch/fault-spec";
import { startBatchService, type InjectedFaults } from "./batch/service";
import { makeOwnedTempDir } from "./owned-temp-dir";

export { makeOwnedTempDir, type InjectedFaults };

export interface LocalCloudOptions {
  /** 0 (the default) picks a free port. */
  batchPort?: number;
  blobPort?: number;
  /** Where nodes' files and the application registry live; a temp directory removed on stop when omitted. */
  dataDir?: string;
  /** Processes running at once across all nodes; this machine's cores by default. */
  maxProcesses?: number;
  /** Azurite keeps blobs in memory instead of under the data directory. */
  inMemoryStorage?: boolean;
  /** How many times faster than real time pools autoscale (see BatchServiceOptions). */
  autoscaleTimeScale?: number;
  /** How many times faster job schedules' intervals pass (see BatchServiceOptions). */
  scheduleTimeScale?: number;
  /** Keep the Batch service's state in dataDir and take it up again on the next start there (see BatchServiceOptions). */
  persistState?: boolean;
  /** See BatchServiceOptions. */
  stateWatchMs?: number;
  /** Faults the Batch service injects, in `--faults` syntax (local/batch/fault-spec.ts); none by default. */
  faults?: string;
  /** Seed of the faults' draws: the same seed replays the same decisions. */
  faultsSeed?: number;
  log?: (line: string) => void;
}

export interface LocalCloud {
  batchEndpoint: string;
  batchAccountName: string;
  batchAccountKey: string;
  /** The local managed-identity endpoint: Entra ID tokens the local Batch service accepts. */
  managedIdentity: { endpoint: string; header: string };
  blobEndpoint: string;
  storageAccountName: string;
  storageAccountKey: string;
  storageConnectionString: string;
  dataDir: string;
  registerApplicationPackage(applicationId: string, version: string, zipPath: string): Promise<void>;
  /** The Batch service's faults injected since this start, by kind. */
  injectedFaults(): InjectedFaults;
  stop(): Promise<void>;
}

export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  // A bad spec fails before anything starts.
  const faults = opts.faults === undefined ? undefined : parseFaultSpec(opts.faults);
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await makeOwnedTempDir("batch-ocr-local-"));
  const azurite = await startAzurite({
    blobPort: opts.blobPort ?? 0,
    inMemory: opts.inMemoryStorage ?? false,
    location: path.join(dataDir, "azurite"),
  });
  try {
    const batch = await startBatchService({
      port: opts.batchPort ?? 0,
      dataDir,
      maxProcesses: opts.maxProcesses,
      log: opts.log,
      autoscaleTimeScale: opts.autoscaleTimeScale,
      scheduleTimeScale: opts.scheduleTimeScale,
      // A temp directory is removed on stop: nothing there to take up again.
      persistState: (opts.persistState ?? false) && !ownDataDir,
      stateWatchMs: opts.stateWatchMs,
      faults,
      faultsSeed: opts.faultsSeed,
      storage: {
        blobEndpoint: azurite.blobEndpoint,
        accountName: azurite.accountName,
        accountKey: azurite.accountKey,
        connectionString: azurite.connectionString,
      },
    });
    return {
      batchEndpoint: batch.endpoint,
      batchAccountName: batch.accountName,
      batchAccountKey: batch.accountKey,
      managedIdentity: batch.managedIdentity,
      blobEndpoint: azurite.blobEndpoint,
      storageAccountName: azurite.accountName,
      storageAccountKey: azurite.accountKey,
      storageConnectionString: azurite.connectionString,
      dataDir,
      registerApplicationPackage: batch.registerApplicationPackage,
      injectedFaults: batch.injectedFaults,
      async stop() {
        await batch.stop();
        await azurite.stop();
        if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await azurite.stop();
    throw err;
  }
}
