/**
 * The stack outputs: the only thing the dispatcher knows of a deployment.
 *
 * The same JSON shape comes from `pulumi stack output --json`, from an `--outputs FILE`, and from
 * the local cloud (where the endpoints point at 127.0.0.1). No secret is ever part of it:
 * credentials come from Microsoft Entra ID, or, locally, from the local cloud itself.
 */

/** How a client may authenticate to the Batch account, as Batch names the modes. */
export type BatchAuthMode = "AAD" | "SharedKey" | "TaskAuthenticationToken";

export interface StackOutputs {
  /** Batch account name, e.g. `batchocrdev1a2b3c`. */
  batchAccountName: string;
  /** Batch data-plane endpoint with scheme, e.g. `https://acct.westeurope.batch.azure.com`. */
  batchAccountEndpoint: string;
  /** Authentication modes the Batch account accepts on the data plane. */
  batchAuthModes: BatchAuthMode[];
  /** The pool that runs the OCR tasks. */
  poolId: string;
  /** Storage account that holds photos and results. */
  storageAccountName: string;
  /** Blob service endpoint with scheme and trailing slash, e.g. `https://acct.blob.core.windows.net/`. */
  blobEndpoint: string;
  /** Whether the storage account accepts shared-key (account key / account SAS) requests. */
  storageSharedKeyAccess: boolean;
  /** Container the dispatcher uploads photos into. */
  imagesContainer: string;
  /** Container the tasks upload result records, stdout and stderr into. */
  resultsContainer: string;
  /** Batch application id of the OCR worker package. */
  applicationId: string;
  /** Active package version (a content hash of the worker bundle). */
  applicationVersion: string;
  /** Resource id of the pool's user-assigned identity (for `identityReference`). */
  poolIdentityResourceId: string;
  /** Client id of the pool's user-assigned identity. */
  poolIdentityClientId: string;
  /** Azure region, e.g. `westeurope` (`local` for the local cloud). */
  location: string;
  /** Resource group name (`local` for the local cloud). */
  resourceGroupName: string;
}

/** Every key of StackOutputs, in a stable order (used to validate and to document). */
export const STACK_OUTPUT_KEYS = [
  "batchAccountName",
  "batchAccountEndpoint",
  "batchAuthModes",
  "poolId",
  "storageAccountName",
  "blobEndpoint",
  "storageSharedKeyAccess",
  "imagesContainer",
  "resultsContainer",
  "applicationId",
  "applicationVersion",
  "poolIdentityResourceId",
  "poolIdentityClientId",
  "location",
  "resourceGroupName",
] as const satisfies readonly (keyof StackOutputs)[];

export class StackOutputsError extends Error {
  override name = "StackOutputsError";
}

const AUTH_MODES: readonly BatchAuthMode[] = ["AAD", "SharedKey", "TaskAuthenticationToken"];

/**
 * Checks an untyped value (parsed JSON) against the contract and returns it typed.
 * `source` names where it came from, so the message tells the operator which file or stack is wrong.
 */
export function parseStackOutputs(value: unknown, source: string): StackOutputs {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StackOutputsError(`${source}: stack outputs must be a JSON object`);
  }
  const raw = value as Record<string, unknown>;
  const missing = STACK_OUTPUT_KEYS.filter((k) => raw[k] === undefined || raw[k] === null || raw[k] === "");
  if (missing.length > 0) {
    throw new StackOutputsError(`${source}: stack outputs are missing ${missing.join(", ")}`);
  }
  const problems: string[] = [];
  for (const key of STACK_OUTPUT_KEYS) {
    const v = raw[key];
    if (key === "batchAuthModes") {
      if (!Array.isArray(v) || v.length === 0 || !v.every((m) => AUTH_MODES.includes(m as BatchAuthMode))) {
        problems.push(`batchAuthModes must be a non-empty array of ${AUTH_MODES.join("/")}`);
      }
    } else if (key === "storageSharedKeyAccess") {
      if (typeof v !== "boolean") problems.push("storageSharedKeyAccess must be a boolean");
    } else if (typeof v !== "string") {
      problems.push(`${key} must be a string`);
    }
  }
  for (const key of ["batchAccountEndpoint", "blobEndpoint"] as const) {
    const v = raw[key];
    if (typeof v === "string" && !/^https?:\/\/[^\s/]+/.test(v)) {
      problems.push(`${key} must be a URL with scheme (got ${JSON.stringify(v)})`);
    }
  }
  if (problems.length > 0) {
    throw new StackOutputsError(`${source}: ${problems.join("; ")}`);
  }
  return Object.fromEntries(STACK_OUTPUT_KEYS.map((k) => [k, raw[k]])) as unknown as StackOutputs;
}
