import * as batch from "@pulumi/azure-native/batch";
import type * as network from "@pulumi/azure-native/network";
import type * as resources from "@pulumi/azure-native/resources";
import type { OcrConfig } from "../shared/config";
import type { Identities } from "./identity";
import type { WorkerApplication } from "./application";
import { poolSpec } from "../shared/pool-spec";

/**
 * Properties Azure refuses to change on an existing pool (`PropertyCannotBeUpdated`): changing
 * one replaces the pool, deleting the old one first because the pool id is fixed.
 */
export const POOL_REPLACE_ON_CHANGES = [
  "vmSize",
  "deploymentConfiguration",
  "networkConfiguration",
  "taskSlotsPerNode",
];

export function createPool(
  cfg: OcrConfig,
  rg: resources.ResourceGroup,
  account: batch.BatchAccount,
  ids: Identities,
  app: WorkerApplication,
  subnet: network.Subnet | undefined,
): batch.Pool {
  const spec = poolSpec(cfg);
  return new batch.Pool(
    "ocr-pool",
    {
      resourceGroupName: rg.name,
      accountName: account.name,
      poolName: spec.poolId,
      displayName: "batch-ocr worker pool",
      vmSize: spec.vmSize,
      taskSlotsPerNode: spec.taskSlotsPerNode,
      taskSchedulingPolicy: { nodeFillType: spec.taskSchedulingPolicy },
      deploymentConfiguration: {
        virtualMachineConfiguration: { imageReference: spec.imageReference, nodeAgentSkuId: spec.nodeAgentSkuId },
      },
      scaleSettings: {
        autoScale: { formula: spec.autoScaleFormula, evaluationInterval: spec.autoScaleEvaluationInterval },
      },
      startTask: {
        commandLine: spec.startTask.commandLine,
        userIdentity: {
          autoUser: {
            scope: batch.AutoUserScope.Pool,
            elevationLevel: spec.startTask.elevated ? batch.ElevationLevel.Admin : batch.ElevationLevel.NonAdmin,
          },
        },
        waitForSuccess: spec.startTask.waitForSuccess,
        maxTaskRetryCount: spec.startTask.maxTaskRetryCount,
      },
      applicationPackages: [{ id: app.application.id, version: app.version }],
      identity: { type: batch.PoolIdentityType.UserAssigned, userAssignedIdentities: [ids.pool.id] },
      targetNodeCommunicationMode: batch.NodeCommunicationMode.Simplified,
      networkConfiguration: subnet
        ? {
            subnetId: subnet.id,
            publicIPAddressConfiguration: { provision: batch.IPAddressProvisioningType.NoPublicIPAddresses },
          }
        : undefined,
    },
    {
      replaceOnChanges: POOL_REPLACE_ON_CHANGES,
      deleteBeforeReplace: true,
      dependsOn: [app.upload],
    },
  );
}
