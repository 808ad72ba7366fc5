/**
 * What a pool is, independent of who creates it: the Pulumi pool on Azure and the pool the
 * dispatcher deploys to the local Batch service both come from here. Pure: no `@pulumi/*` import.
 */
import { startTaskCommandLine } from "../contracts/node-setup";
import { autoscaleFormula, autoscaleInterval } from "./autoscale";
import type { NodeFillType, OcrConfig } from "./config";

export const NODE_AGENT_SKU = "batch.node.ubuntu 24.04";

export const UBUNTU_2404_IMAGE = {
  publisher: "canonical",
  offer: "ubuntu-24_04-lts",
  sku: "server",
  version: "latest",
} as const;

export interface PoolSpec {
  poolId: string;
  vmSize: string;
  taskSlotsPerNode: number;
  imageReference: { publisher: string; offer: string; sku: string; version: string };
  nodeAgentSkuId: string;
  startTask: {
    commandLine: string;
    /** Runs as the pool-wide auto-user with admin rights, because it installs packages with apt. */
    elevated: boolean;
    waitForSuccess: boolean;
    maxTaskRetryCount: number;
  };
  taskSchedulingPolicy: NodeFillType;
  autoScaleFormula: string;
  autoScaleEvaluationInterval: string;
  applicationId: string;
  minNodes: number;
  maxNodes: number;
}

export function poolSpec(cfg: OcrConfig): PoolSpec {
  return {
    poolId: cfg.poolId,
    vmSize: cfg.vmSize,
    taskSlotsPerNode: cfg.taskSlotsPerNode,
    imageReference: { ...UBUNTU_2404_IMAGE },
    nodeAgentSkuId: NODE_AGENT_SKU,
    startTask: {
      commandLine: startTaskCommandLine(),
      elevated: true,
      waitForSuccess: true,
      maxTaskRetryCount: cfg.startTaskRetries,
    },
    taskSchedulingPolicy: cfg.nodeFillType,
    autoScaleFormula: autoscaleFormula({
      minNodes: cfg.minNodes,
      maxNodes: cfg.maxNodes,
      spotShare: cfg.spotShare,
      taskSlotsPerNode: cfg.taskSlotsPerNode,
      windowMinutes: cfg.autoscaleIntervalMinutes,
    }),
    autoScaleEvaluationInterval: autoscaleInterval(cfg.autoscaleIntervalMinutes),
    applicationId: cfg.applicationId,
    minNodes: cfg.minNodes,
    maxNodes: cfg.maxNodes,
  };
}
