import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import type * as resources from "@pulumi/azure-native/resources";
import type * as types from "@pulumi/azure-native/types";
import type { OcrConfig } from "../shared/config";
import { prefixedNames } from "../shared/names";
import { assignRole } from "./roles";

export interface UserSubscriptionVault {
  reference: types.input.batch.KeyVaultReferenceArgs;
  /** The Batch service's grant on the vault; the account is created only after it. */
  batchAccess: authorization.RoleAssignment;
}

/**
 * What a Batch account in user-subscription allocation mode needs from this program: a Key Vault in
 * the account's region and subscription, where Batch keeps the secrets of the VMs it creates in the
 * subscription, and the Batch service principal's right to manage those secrets. The vault uses
 * Azure RBAC (no access policies to drift), so the grant is Key Vault Secrets Officer on it.
 * Soft delete and purge protection keep a deleted vault recoverable: Batch cannot manage the pools'
 * VMs without it.
 *
 * What the program cannot do (README, On Azure: user-subscription mode): grant the Batch service
 * principal its role on the subscription, register Microsoft.Batch, and raise the subscription's
 * vCPU quotas (Spot has its own); those are a subscription owner's, once.
 */
export function createUserSubscriptionVault(
  cfg: OcrConfig,
  rg: resources.ResourceGroup,
): UserSubscriptionVault | undefined {
  if (cfg.poolAllocationMode !== "UserSubscription") return undefined;
  if (cfg.batchServicePrincipalObjectId === undefined) {
    // parseConfig refuses this combination; kept so the types say the id is there.
    throw new Error("batchServicePrincipalObjectId is required in UserSubscription mode");
  }
  const tenantId = authorization.getClientConfigOutput().tenantId;
  const vault = new keyvault.Vault(prefixedNames(cfg.namePrefix).keyVault, {
    resourceGroupName: rg.name,
    location: cfg.location,
    properties: {
      tenantId,
      sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
    },
  });
  const batchAccess = assignRole("batch-service-manages-vault-secrets", {
    principalId: cfg.batchServicePrincipalObjectId,
    principalType: "ServicePrincipal",
    role: "keyVaultSecretsOfficer",
    scope: vault.id,
  });
  return { reference: { id: vault.id, url: vault.properties.vaultUri }, batchAccess };
}
