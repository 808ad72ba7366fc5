import * as batch from "@pulumi/azure-native/batch";
import type * as resources from "@pulumi/azure-native/resources";
import type { BatchAuthMode } from "../contracts/stack-outputs";
import type { OcrConfig } from "./config";
import type { Identities } from "./identity";
import { prefixedNames } from "./names";
import type { Storage } from "./storage";

export function allowedAuthModes(cfg: OcrConfig): BatchAuthMode[] {
  return cfg.batchSharedKeyAccess ? ["AAD", "SharedKey"] : ["AAD"];
}

/**
 * Batch-service allocation (no VMs in the subscription to manage), Entra ID only unless the stack
 * opts into Shared Key, auto-storage linked through the account's managed identity so no storage
 * key is ever handed to Batch, and nodes reach that storage as the pool identity.
 */
export function createBatchAccount(cfg: OcrConfig, rg: resources.ResourceGroup, store: Storage, ids: Identities): batch.BatchAccount {
  return new batch.BatchAccount(
    prefixedNames(cfg.namePrefix).batchAccount,
    {
      resourceGroupName: rg.name,
      location: cfg.location,
      poolAllocationMode: batch.PoolAllocationMode.BatchService,
      allowedAuthenticationModes: allowedAuthModes(cfg),
      publicNetworkAccess: cfg.publicNetworkAccess ? batch.PublicNetworkAccessType.Enabled : batch.PublicNetworkAccessType.Disabled,
      identity: { type: batch.ResourceIdentityType.UserAssigned, userAssignedIdentities: [ids.account.id] },
      autoStorage: {
        storageAccountId: store.account.id,
        authenticationMode: batch.AutoStorageAuthenticationMode.BatchAccountManagedIdentity,
        nodeIdentityReference: { resourceId: ids.pool.id },
      },
    },
    { dependsOn: ids.accountStorageAccess },
  );
}
