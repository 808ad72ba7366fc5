/**
 * One local cloud (Azurite + the local Batch service) per fidelity test file, on free ports and a
 * temp data dir, stopped after the file's tests: the three client files stay independent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCloud } from "../../../local";
import { BatchConnection } from "./poc-outcome";

type LocalCloud = Awaited<ReturnType<typeof startLocalCloud>>;

/** Registers beforeAll/afterAll; the returned getter is valid inside tests. */
export function useLocalCloud(name: string): () => BatchConnection {
  let cloud: LocalCloud | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `fidelity-${name}-`));
    cloud = await startLocalCloud({ batchPort: 0, blobPort: 0, dataDir });
  }, 60_000);

  afterAll(async () => {
    await cloud?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  return () => {
    if (!cloud) throw new Error("the local cloud did not start (see beforeAll)");
    return { endpoint: cloud.batchEndpoint, accountName: cloud.batchAccountName, accountKey: cloud.batchAccountKey };
  };
}
