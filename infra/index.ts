/**
 * The Pulumi program (Pulumi.yaml `main`). Exports the stack outputs the dispatcher reads:
 * `pulumi stack output --json` gives exactly the shape of contracts/stack-outputs.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import path from "node:path";
import { buildWorkerPackage } from "../worker/package";
import { CONFIG_KEYS, parseConfig } from "../shared/config";
import { createInfrastructure } from "./stack";

const projectConfig = new pulumi.Config();
const raw = Object.fromEntries(
  CONFIG_KEYS.map((key) => [key, projectConfig.get(key)] as const).filter(([, v]) => v !== undefined),
);
const cfg = parseConfig(raw, `stack ${pulumi.getStack()}`);

const outputs = createInfrastructure(cfg, {
  workerPackage: buildWorkerPackage({ outDir: path.join(__dirname, "..", "build") }),
});

export const batchAccountName = outputs.batchAccountName;
export const batchAccountEndpoint = outputs.batchAccountEndpoint;
export const batchAuthModes = outputs.batchAuthModes;
export const poolId = outputs.poolId;
export const storageAccountName = outputs.storageAccountName;
export const blobEndpoint = outputs.blobEndpoint;
export const storageSharedKeyAccess = outputs.storageSharedKeyAccess;
export const imagesContainer = outputs.imagesContainer;
export const resultsContainer = outputs.resultsContainer;
export const applicationId = outputs.applicationId;
export const applicationVersion = outputs.applicationVersion;
export const poolIdentityResourceId = outputs.poolIdentityResourceId;
export const poolIdentityClientId = outputs.poolIdentityClientId;
export const location = outputs.location;
export const resourceGroupName = outputs.resourceGroupName;
