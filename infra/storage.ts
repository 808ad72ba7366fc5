import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import type { OcrConfig } from "../shared/config";
import { createDeleteLock } from "./delete-lock";
import { keepsDataOptions } from "./keeps-data";
import { prefixedNames } from "../shared/names";

export interface Storage {
  account: storage.StorageAccount;
  images: storage.BlobContainer;
  results: storage.BlobContainer;
  /** Container resource ids, the scopes of the pool's role assignments. */
  imagesScope: pulumi.Output<string>;
  resultsScope: pulumi.Output<string>;
  blobEndpoint: pulumi.Output<string>;
}

/**
 * A hardened StorageV2 account: HTTPS only, TLS 1.2, no public blob access, Entra ID by default and
 * shared key off unless the stack opts in; reachable over its public endpoint, said explicitly; soft delete for blobs and containers; results expire.
 * When the stack keeps data, the account and its containers are protected (no update deletes photos
 * or results) and the account carries a delete lock (no portal or CLI delete does either).
 */
export function createStorage(cfg: OcrConfig, rg: resources.ResourceGroup): Storage {
  const keeps = keepsDataOptions(cfg);
  const account = new storage.StorageAccount(
    prefixedNames(cfg.namePrefix).storageAccount,
    {
      resourceGroupName: rg.name,
      location: cfg.location,
      kind: storage.Kind.StorageV2,
      sku: { name: storage.SkuName.Standard_LRS },
      accessTier: storage.AccessTier.Hot,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: cfg.storageSharedKeyAccess,
      defaultToOAuthAuthentication: true,
      allowCrossTenantReplication: false,
      // Stated, not left to Azure's default: the pool's nodes (Batch-service nodes have no addresses
      // known in advance) and the dispatcher on an operator's machine reach blobs over the public
      // endpoint, with Entra ID as the only way in (shared key off). Off only once private endpoints
      // exist, which is why it follows the stack's publicNetworkAccess (refused while they do not).
      publicNetworkAccess: cfg.publicNetworkAccess
        ? storage.PublicNetworkAccess.Enabled
        : storage.PublicNetworkAccess.Disabled,
      networkRuleSet: { defaultAction: storage.DefaultAction.Allow },
    },
    keeps,
  );

  createDeleteLock(cfg, account);

  new storage.BlobServiceProperties("blob-service", {
    resourceGroupName: rg.name,
    accountName: account.name,
    blobServicesName: "default",
    deleteRetentionPolicy: { enabled: true, days: cfg.blobSoftDeleteDays },
    containerDeleteRetentionPolicy: { enabled: true, days: cfg.blobSoftDeleteDays },
  });

  const container = (name: string) =>
    new storage.BlobContainer(
      `container-${name}`,
      {
        resourceGroupName: rg.name,
        accountName: account.name,
        containerName: name,
        publicAccess: storage.PublicAccess.None,
      },
      keeps,
    );
  const images = container(cfg.imagesContainer);
  const results = container(cfg.resultsContainer);

  new storage.ManagementPolicy("results-expiry", {
    resourceGroupName: rg.name,
    accountName: account.name,
    managementPolicyName: "default",
    policy: {
      rules: [
        {
          name: "expire-results",
          enabled: true,
          type: storage.RuleType.Lifecycle,
          definition: {
            filters: { blobTypes: ["blockBlob"], prefixMatch: [`${cfg.resultsContainer}/`] },
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: cfg.resultsRetentionDays } } },
          },
        },
      ],
    },
  });

  return {
    account,
    images,
    results,
    imagesScope: images.id,
    resultsScope: results.id,
    blobEndpoint: account.primaryEndpoints.blob,
  };
}
