import * as managedidentity from "@pulumi/azure-native/managedidentity";
import type * as resources from "@pulumi/azure-native/resources";
import type { OcrConfig } from "../shared/config";
import { assignRole } from "./roles";
import type { Storage } from "./storage";

export interface Identities {
  /** What the pool's nodes act as: reads photos and app packages, writes results. */
  pool: managedidentity.UserAssignedIdentity;
  /** What the Batch account acts as towards its auto-storage (application packages). */
  account: managedidentity.UserAssignedIdentity;
  /** Role assignments the Batch account needs before it can link its storage. */
  accountStorageAccess: ReturnType<typeof assignRole>[];
}

/**
 * Least privilege, scoped as narrowly as Batch allows:
 * - pool: Storage Blob Data Reader on the storage account (application packages live in containers
 *   Batch names itself, so a container scope cannot cover them; photos are read through the same
 *   grant) and Storage Blob Data Contributor on the results container only;
 * - Batch account: Storage Blob Data Contributor on the account, to write application packages;
 * - operator (optional; a user, group or service principal, as configured): Contributor on the
 *   images container, Reader on the results container.
 */
export function createIdentities(cfg: OcrConfig, rg: resources.ResourceGroup, store: Storage): Identities {
  const pool = new managedidentity.UserAssignedIdentity("pool-identity", {
    resourceGroupName: rg.name,
    location: cfg.location,
  });
  const account = new managedidentity.UserAssignedIdentity("batch-account-identity", {
    resourceGroupName: rg.name,
    location: cfg.location,
  });

  assignRole("pool-reads-storage", {
    principalId: pool.principalId,
    principalType: "ServicePrincipal",
    role: "storageBlobDataReader",
    scope: store.account.id,
  });
  assignRole("pool-writes-results", {
    principalId: pool.principalId,
    principalType: "ServicePrincipal",
    role: "storageBlobDataContributor",
    scope: store.resultsScope,
  });
  const accountStorageAccess = [
    assignRole("account-writes-packages", {
      principalId: account.principalId,
      principalType: "ServicePrincipal",
      role: "storageBlobDataContributor",
      scope: store.account.id,
    }),
  ];

  if (cfg.operatorPrincipalId) {
    assignRole("operator-writes-images", {
      principalId: cfg.operatorPrincipalId,
      principalType: cfg.operatorPrincipalType,
      role: "storageBlobDataContributor",
      scope: store.imagesScope,
    });
    assignRole("operator-reads-results", {
      principalId: cfg.operatorPrincipalId,
      principalType: cfg.operatorPrincipalType,
      role: "storageBlobDataReader",
      scope: store.resultsScope,
    });
  }
  return { pool, account, accountStorageAccess };
}
