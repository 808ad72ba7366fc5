/**
 * One local cloud (Azurite + the local Batch service) per fidelity test file, on free ports and a
 * temp data dir, stopped after the file's tests: the three client files stay independent.
 * `BATCH_OCR_TRACE=1` prints every request the service answers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCloud, type LocalCloud } from "../../../local";
import { BatchConnection } from "./poc-outcome";

/** Registers beforeAll/afterAll; the returned getter is valid inside tests. */
export function useLocalCloud(name: string): () => BatchConnection {
  let cloud: LocalCloud | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `fidelity-${name}-`));
    cloud = await startLocalCloud({
      dataDir,
      log: (line) => {
        if (process.env.BATCH_OCR_TRACE === "1") process.stderr.write(`${line}\n`);
      },
    });
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
