import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import type { OcrConfig } from "./config";
import { KEEPS_DATA } from "./keeps-data";
import { prefixedNames } from "./names";

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
 * shared key off unless the stack opts in; soft delete for blobs and containers; results expire.
 * The account and its containers are protected (KEEPS_DATA): no update deletes photos or results.
 */
export function createStorage(cfg: OcrConfig, rg: resources.ResourceGroup): Storage {
  const account = new storage.StorageAccount(prefixedNames(cfg.namePrefix).storageAccount, {
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
  }, KEEPS_DATA);

  new storage.BlobServiceProperties("blob-service", {
    resourceGroupName: rg.name,
    accountName: account.name,
    blobServicesName: "default",
    deleteRetentionPolicy: { enabled: true, days: cfg.blobSoftDeleteDays },
    containerDeleteRetentionPolicy: { enabled: true, days: cfg.blobSoftDeleteDays },
  });

  const container = (name: string) =>
    new storage.BlobContainer(`container-${name}`, {
      resourceGroupName: rg.name,
      accountName: account.name,
      containerName: name,
      publicAccess: storage.PublicAccess.None,
    }, KEEPS_DATA);
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
