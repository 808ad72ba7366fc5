/**
 * One local cloud (Azurite + the local Batch service) per fidelity test file, on free ports and a
 * temp data dir, stopped after the file's tests: the three client files stay independent.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchConnection } from "./poc-outcome";

/** The part of local/index.ts's contract (see the brief) that these tests use. */
interface LocalCloud {
  batchEndpoint: string;
  batchAccountName: string;
  batchAccountKey: string;
  stop(): Promise<void>;
}
type StartLocalCloud = (opts?: { batchPort?: number; blobPort?: number; dataDir?: string }) => Promise<LocalCloud>;

const LOCAL_INDEX = join(__dirname, "..", "..", "..", "local", "index.ts");

/**
 * Loaded at run time, not imported, so that the project still type-checks while local/index.ts
 * (another part) is being written; a missing or wrong module fails these tests, loudly.
 */
function loadStartLocalCloud(): StartLocalCloud {
  if (!existsSync(LOCAL_INDEX)) throw new Error(`${LOCAL_INDEX} does not exist: the local Batch service is not built yet`);
  const mod = jest.requireActual<{ startLocalCloud?: unknown }>(LOCAL_INDEX);
  if (typeof mod.startLocalCloud !== "function") throw new Error(`${LOCAL_INDEX} does not export startLocalCloud`);
  return mod.startLocalCloud as StartLocalCloud;
}

/** Registers beforeAll/afterAll; the returned getter is valid inside tests. */
export function useLocalCloud(name: string): () => BatchConnection {
  let cloud: LocalCloud | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `fidelity-${name}-`));
    cloud = await loadStartLocalCloud()({ batchPort: 0, blobPort: 0, dataDir });
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
