import * as batch from "@pulumi/azure-native/batch";
import type * as resources from "@pulumi/azure-native/resources";
import type { BatchAuthMode } from "../contracts/stack-outputs";
import type { OcrConfig } from "../shared/config";
import type { Identities } from "./identity";
import { prefixedNames } from "../shared/names";
import type { Storage } from "./storage";
import type { UserSubscriptionVault } from "./user-subscription";

export function allowedAuthModes(cfg: OcrConfig): BatchAuthMode[] {
  return cfg.batchSharedKeyAccess ? ["AAD", "SharedKey"] : ["AAD"];
}

/**
 * Batch-service allocation (no VMs in the subscription to manage) unless the stack asks for
 * user-subscription allocation, the only mode with Spot nodes (then with its Key Vault, created
 * after Batch's grant on it), Entra ID only unless the stack opts into Shared Key, auto-storage linked through the account's managed identity so no storage
 * key is ever handed to Batch, and nodes reach that storage as the pool identity.
 */
export function createBatchAccount(
  cfg: OcrConfig,
  rg: resources.ResourceGroup,
  store: Storage,
  ids: Identities,
  vault: UserSubscriptionVault | undefined,
): batch.BatchAccount {
  return new batch.BatchAccount(
    prefixedNames(cfg.namePrefix).batchAccount,
    {
      resourceGroupName: rg.name,
      location: cfg.location,
      poolAllocationMode:
        vault === undefined ? batch.PoolAllocationMode.BatchService : batch.PoolAllocationMode.UserSubscription,
      keyVaultReference: vault?.reference,
      allowedAuthenticationModes: allowedAuthModes(cfg),
      publicNetworkAccess: cfg.publicNetworkAccess
        ? batch.PublicNetworkAccessType.Enabled
        : batch.PublicNetworkAccessType.Disabled,
      identity: { type: batch.ResourceIdentityType.UserAssigned, userAssignedIdentities: [ids.account.id] },
      autoStorage: {
        storageAccountId: store.account.id,
        authenticationMode: batch.AutoStorageAuthenticationMode.BatchAccountManagedIdentity,
        nodeIdentityReference: { resourceId: ids.pool.id },
      },
    },
    { dependsOn: [...ids.accountStorageAccess, ...(vault === undefined ? [] : [vault.batchAccess])] },
  );
}
