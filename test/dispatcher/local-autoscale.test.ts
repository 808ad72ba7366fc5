/**
 * `npm run ocr` locally deploys the pool the Pulumi program deploys: the dev stack's formula and
 * interval, from zero nodes, growing to the work and back (on the local cloud's faster clock).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { loadStackConfig } from "../../shared/config";
import { poolSpec } from "../../shared/pool-spec";
import { startLocalCloud, type LocalCloud } from "../../local/index";
import { deployLocalStack, LOCAL_AUTOSCALE_TIME_SCALE } from "../../tasks/local-target";
import { pollUntil } from "../local/service/fixture";
import { ROOT } from "./run-cli";

let work: string;
let cloud: LocalCloud;
let client: BatchServiceClient;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "ocr-local-autoscale-"));
  cloud = await startLocalCloud({
    dataDir: path.join(work, "cloud"),
    inMemoryStorage: true,
    autoscaleTimeScale: LOCAL_AUTOSCALE_TIME_SCALE,
  });
  client = new BatchServiceClient(
    new BatchSharedKeyCredentials(cloud.batchAccountName, cloud.batchAccountKey),
    cloud.batchEndpoint,
  );
}, 60_000);

afterAll(async () => {
  await cloud?.stop();
  await rm(work, { recursive: true, force: true });
}, 60_000);

const nodeCount = async (poolId: string): Promise<number> => (await client.computeNode.list(poolId)).length;

test("the local pool autoscales with the dev stack's formula: zero nodes, up to the work, back to zero", async () => {
  const deployment = await deployLocalStack(cloud, { projectDir: ROOT, packageDir: path.join(work, "package") });
  const spec = poolSpec(loadStackConfig("dev", ROOT));
  const poolId = deployment.outputs.poolId;
  const pool = await client.pool.get(poolId);
  expect(pool).toMatchObject({
    enableAutoScale: true,
    autoScaleFormula: spec.autoScaleFormula,
    autoScaleEvaluationInterval: "PT5M",
  });
  expect(pool.autoScaleRun?.results).toMatch(/^\$TargetDedicatedNodes=0;/);
  expect(await nodeCount(poolId)).toBe(0);

  await client.job.add({ id: "local-autoscale", poolInfo: { poolId } });
  // Six tasks of two slots' worth per node: three nodes (the dev stack allows four).
  await client.task.addCollection(
    "local-autoscale",
    [0, 1, 2, 3, 4, 5].map((i) => ({ id: `t${i}`, commandLine: "/bin/sleep 4" })),
  );
  await pollUntil(
    "the pool to grow to three nodes",
    async () => ((await nodeCount(poolId)) === 3 ? true : undefined),
    60_000,
  );
  await pollUntil(
    "every task to complete",
    async () => {
      const tasks = await client.task.list("local-autoscale");
      return tasks.every((t) => t.state === "completed") ? true : undefined;
    },
    60_000,
  );
  await pollUntil(
    "the pool to shrink to zero",
    async () => ((await nodeCount(poolId)) === 0 ? true : undefined),
    60_000,
  );
}, 240_000);
