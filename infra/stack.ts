/**
 * The whole Azure side, composed from one module per concern. `index.ts` calls this with the
 * stack's config; tests call it with configs of their own under Pulumi's mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackOutputs } from "../contracts/stack-outputs";
import type { WorkerPackage } from "../worker/package";
import { createWorkerApplication } from "./application";
import { allowedAuthModes, createBatchAccount } from "./batch-account";
import type { OcrConfig } from "../shared/config";
import { createDiagnostics } from "./diagnostics";
import { createIdentities } from "./identity";
import { createPrivateNetwork } from "./network";
import { createPool } from "./pool";
import { createPrivateEndpoints } from "./private-endpoints";
import { createResourceGroup } from "./resource-group";
import { createStorage } from "./storage";
import { createUserSubscriptionVault } from "./user-subscription";

/** Stack outputs as Pulumi exports them: each key of the dispatcher's contract, as an Output. */
export type StackOutputsOf<T> = { [K in keyof T]: pulumi.Output<T[K]> };

export interface InfraOptions {
  /** The worker application package (built from worker/ by default in index.ts). */
  workerPackage: pulumi.Input<WorkerPackage>;
  /** ARM endpoint for package activation; Azure public cloud by default. */
  armEndpoint?: string;
}

export function createInfrastructure(cfg: OcrConfig, options: InfraOptions): StackOutputsOf<StackOutputs> {
  const rg = createResourceGroup(cfg);
  const store = createStorage(cfg, rg);
  const ids = createIdentities(cfg, rg, store);
  const account = createBatchAccount(cfg, rg, store, ids, createUserSubscriptionVault(cfg, rg));
  createDiagnostics(cfg, account, store);
  const app = createWorkerApplication(cfg, rg, account, options.workerPackage, options.armEndpoint);
  const net = cfg.privateNetwork ? createPrivateNetwork(cfg, rg) : undefined;
  // parseConfig allows closed public endpoints only with the private network to put endpoints in.
  if (!cfg.publicNetworkAccess && net !== undefined) createPrivateEndpoints(cfg, rg, net, account, store);
  const pool = createPool(cfg, rg, account, ids, app, net?.poolSubnet);

  return {
    batchAccountName: account.name,
    batchAccountEndpoint: pulumi.interpolate`https://${account.accountEndpoint}`,
    batchAuthModes: pulumi.output(allowedAuthModes(cfg)),
    poolId: pool.name,
    storageAccountName: store.account.name,
    blobEndpoint: store.blobEndpoint,
    storageSharedKeyAccess: pulumi.output(cfg.storageSharedKeyAccess),
    imagesContainer: store.images.name,
    resultsContainer: store.results.name,
    applicationId: app.application.name,
    applicationVersion: app.version,
    poolIdentityResourceId: ids.pool.id,
    poolIdentityClientId: ids.pool.clientId,
    location: pulumi.output(cfg.location),
    resourceGroupName: rg.name,
  };
}
