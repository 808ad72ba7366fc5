/**
 * Local mode is only another set of stack outputs: the local cloud (the local Batch service and
 * Azurite) started in-process, the dev stack's pool deployed to it as Pulumi would deploy it on
 * Azure (same pool id, VM size, task slots, start task, scheduling policy), and the worker's
 * application package built and registered. The pool autoscales with the stack's own formula, as
 * on Azure, on a clock that runs LOCAL_AUTOSCALE_TIME_SCALE times faster (a 5-minute evaluation
 * interval passes in 5 seconds); a fixed node count is for runs that want one.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type { BatchServiceClient, BatchServiceModels } from "@azure/batch";
import { RestError } from "@azure/ms-rest-js";
import type { LocalCloud } from "../local/index";
import type { StackOutputs } from "../contracts/stack-outputs";
import { loadStackConfig } from "../shared/config";
import { poolSpec, type PoolSpec } from "../shared/pool-spec";
import { buildWorkerPackage } from "../worker/package";
import { connect, type SharedKeys } from "./credentials";
import { listNodes, poolProblem } from "./pool";
import { sleep } from "./retry";

export interface LocalDeployOptions {
  projectDir: string;
  /** The stack whose configuration the local pool copies. */
  stack?: string;
  /** A fixed node count for the local pool; without one it autoscales with the stack's formula. */
  nodes?: number;
  /**
   * Spot/low-priority nodes on top of the fixed `nodes` (dedicated): the dev stack has none, but
   * the local service's `--faults preempt` evicts only these, so a chaos run asks for some.
   */
  spotNodes?: number;
  log?: (line: string) => void;
  /** Where the application package zip is built. */
  packageDir: string;
  /** Give up waiting for idle nodes after this long. */
  nodeTimeoutMs?: number;
}

export interface LocalDeployment {
  outputs: StackOutputs;
  keys: SharedKeys;
}

/** How much faster the in-process local cloud's autoscale clock runs than real time. */
export const LOCAL_AUTOSCALE_TIME_SCALE = 60;

/** A resource id of the shape Azure gives a user-assigned identity; the local service accepts any. */
function localIdentityId(poolId: string): string {
  return `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${poolId}-identity`;
}

/** A fixed size, or the stack's formula and interval: the pool Pulumi deploys. */
function sizing(
  spec: PoolSpec,
  nodes: number | undefined,
  spotNodes: number,
): Pick<
  BatchServiceModels.PoolAddParameter,
  | "enableAutoScale"
  | "autoScaleFormula"
  | "autoScaleEvaluationInterval"
  | "targetDedicatedNodes"
  | "targetLowPriorityNodes"
> {
  if (nodes !== undefined)
    return { enableAutoScale: false, targetDedicatedNodes: nodes, targetLowPriorityNodes: spotNodes };
  return {
    enableAutoScale: true,
    autoScaleFormula: spec.autoScaleFormula,
    autoScaleEvaluationInterval: spec.autoScaleEvaluationInterval,
  };
}

async function addPool(
  client: BatchServiceClient,
  spec: PoolSpec,
  nodes: number | undefined,
  spotNodes: number,
): Promise<void> {
  try {
    await client.pool.add({
      id: spec.poolId,
      vmSize: spec.vmSize,
      taskSlotsPerNode: spec.taskSlotsPerNode,
      taskSchedulingPolicy: { nodeFillType: spec.taskSchedulingPolicy === "Pack" ? "pack" : "spread" },
      virtualMachineConfiguration: { imageReference: spec.imageReference, nodeAgentSKUId: spec.nodeAgentSkuId },
      startTask: {
        commandLine: spec.startTask.commandLine,
        waitForSuccess: spec.startTask.waitForSuccess,
        maxTaskRetryCount: spec.startTask.maxTaskRetryCount,
        userIdentity: { autoUser: { scope: "pool", elevationLevel: spec.startTask.elevated ? "admin" : "nonadmin" } },
      },
      ...sizing(spec, nodes, spotNodes),
    });
  } catch (err) {
    if (!(err instanceof RestError && err.code === "PoolExists")) throw err;
  }
}

async function waitForIdleNodes(
  client: BatchServiceClient,
  poolId: string,
  nodes: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [pool, list] = await Promise.all([client.pool.get(poolId), listNodes(client, poolId)]);
    if (list.filter((n) => n.state === "idle" || n.state === "running").length >= nodes) return;
    const failed = list.find((n) => n.state === "starttaskfailed");
    if (failed) throw new Error(poolProblem(pool, [failed]) ?? `the start task failed on node ${failed.id}`);
    if (Date.now() > deadline)
      throw new Error(
        `the local pool ${poolId} has no ${nodes} idle node(s) after ${timeoutMs / 1000} s (nodes: ${list.map((n) => n.state).join(", ") || "none"})`,
      );
    await sleep(250);
  }
}

/** Deploys the stack's pool, the worker package and the containers to a running local cloud. */
export async function deployLocalStack(cloud: LocalCloud, options: LocalDeployOptions): Promise<LocalDeployment> {
  const log = options.log ?? (() => undefined);
  const stack = options.stack ?? "dev";
  const cfg = loadStackConfig(stack, options.projectDir);
  const spec = poolSpec(cfg);
  const nodes = options.nodes;
  const spotNodes = options.spotNodes ?? 0;
  if (spotNodes > 0 && nodes === undefined)
    throw new Error("spotNodes is for a fixed-size local pool: give nodes too (0 for Spot nodes only)");
  const pkg = await buildWorkerPackage({ outDir: options.packageDir });
  await cloud.registerApplicationPackage(cfg.applicationId, pkg.version, pkg.zipPath);
  log(`local: worker package ${cfg.applicationId} ${pkg.version} registered`);
  const outputs: StackOutputs = {
    batchAccountName: cloud.batchAccountName,
    batchAccountEndpoint: cloud.batchEndpoint,
    batchAuthModes: ["SharedKey", "AAD"],
    poolId: spec.poolId,
    storageAccountName: cloud.storageAccountName,
    blobEndpoint: cloud.blobEndpoint.endsWith("/") ? cloud.blobEndpoint : `${cloud.blobEndpoint}/`,
    storageSharedKeyAccess: true,
    imagesContainer: cfg.imagesContainer,
    resultsContainer: cfg.resultsContainer,
    applicationId: cfg.applicationId,
    applicationVersion: pkg.version,
    poolIdentityResourceId: localIdentityId(spec.poolId),
    poolIdentityClientId: "00000000-0000-0000-0000-000000000000",
    location: "local",
    resourceGroupName: "local",
  };
  const keys: SharedKeys = { batchAccountKey: cloud.batchAccountKey, storageAccountKey: cloud.storageAccountKey };
  const access = connect(outputs, { keys });
  for (const name of [cfg.imagesContainer, cfg.resultsContainer])
    await access.blobService.getContainerClient(name).createIfNotExists();
  await addPool(access.batchClient, spec, nodes, spotNodes);
  const shape = `${spec.vmSize}, ${spec.taskSlotsPerNode} slots per node`;
  if (nodes === undefined) {
    // Like the Azure pool: no nodes until tasks are pending, then up to $maxNodes.
    log(
      `local: pool ${spec.poolId} (${shape}) autoscales from 0 to ${cfg.maxNodes} node(s) with the stack's formula, every ${spec.autoScaleEvaluationInterval} (${LOCAL_AUTOSCALE_TIME_SCALE}x faster locally)`,
    );
    return { outputs, keys };
  }
  const spot = spotNodes > 0 ? ` and ${spotNodes} Spot` : "";
  log(`local: pool ${spec.poolId} (${shape}) deploying ${nodes} node(s)${spot}`);
  await waitForIdleNodes(access.batchClient, spec.poolId, nodes + spotNodes, options.nodeTimeoutMs ?? 120_000);
  log(`local: pool ${spec.poolId} has ${nodes + spotNodes} idle node(s)`);
  return { outputs, keys };
}

export interface LocalTarget extends LocalDeployment {
  stop(): Promise<void>;
}

/** Starts the local cloud in-process and deploys to it; `stop` ends every process it started. */
export async function startLocalTarget(options: Omit<LocalDeployOptions, "packageDir">): Promise<LocalTarget> {
  // The dispatcher's one way into the local cloud, loaded only when a run targets it: a run on
  // Azure never loads the local Batch service, Azurite and what they pull in. A require, as in
  // batch-ocr.ts: in this CommonJS project `import()` of a .ts file needs jest's experimental VM modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for a local run
  const { startLocalCloud, makeOwnedTempDir } = require("../local/index") as typeof import("../local/index");
  const work = await makeOwnedTempDir("batch-ocr-local-");
  let cloud: LocalCloud | undefined;
  const stop = async () => {
    await cloud?.stop();
    await rm(work, { recursive: true, force: true });
  };
  try {
    cloud = await startLocalCloud({
      batchPort: 0,
      blobPort: 0,
      dataDir: path.join(work, "data"),
      autoscaleTimeScale: LOCAL_AUTOSCALE_TIME_SCALE,
    });
    const deployment = await deployLocalStack(cloud, { ...options, packageDir: path.join(work, "package") });
    return { ...deployment, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
