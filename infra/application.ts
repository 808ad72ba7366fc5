import * as pulumi from "@pulumi/pulumi";
import * as batch from "@pulumi/azure-native/batch";
import type * as resources from "@pulumi/azure-native/resources";
import type { WorkerPackage } from "../worker/package";
import type { OcrConfig } from "../shared/config";
import { PackageUpload } from "./package-upload-provider";

export interface WorkerApplication {
  application: batch.Application;
  version: pulumi.Output<string>;
  /** Resolves once the zip is uploaded and the version activated: the pool must wait for it. */
  upload: PackageUpload;
}

/**
 * The worker as a Batch application. The package version is the bundle's content hash, so
 * unchanged worker code declares the same version (no diff) and changed code a new one, which
 * replaces the version, uploads it and activates it, and rolls the pool onto it.
 */
export function createWorkerApplication(
  cfg: OcrConfig,
  rg: resources.ResourceGroup,
  account: batch.BatchAccount,
  pkg: pulumi.Input<WorkerPackage>,
  armEndpoint?: string,
): WorkerApplication {
  const worker = pulumi.output(pkg);
  const application = new batch.Application("worker-app", {
    resourceGroupName: rg.name,
    accountName: account.name,
    applicationName: cfg.applicationId,
    displayName: "batch-ocr worker",
    allowUpdates: false,
  });
  const packageVersion = new batch.ApplicationPackage("worker-package", {
    resourceGroupName: rg.name,
    accountName: account.name,
    applicationName: application.name,
    versionName: worker.version,
  });
  const upload = new PackageUpload("worker-package-upload", {
    packageResourceId: packageVersion.id,
    zipPath: worker.zipPath,
    sha256: worker.sha256,
    ...(armEndpoint ? { armEndpoint } : {}),
  });
  return { application, version: packageVersion.name, upload };
}
