/**
 * How the dispatcher authenticates: Microsoft Entra ID by default, for Batch and for storage.
 * Shared keys are used only where the stack outputs say the account accepts them (the local
 * cloud, or an account a team opted into) and a key was handed over explicitly; they are never
 * printed.
 */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import type { ServiceClientCredentials, WebResourceLike } from "@azure/ms-rest-js";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { StackOutputs } from "../contracts/stack-outputs";
import { batchRetryPolicy, storageRetryOptions, type RetryOptions } from "./retry";

/**
 * The Entra ID scope of the Batch data plane. Batch accepts only the audience
 * `https://batch.core.windows.net/`, trailing slash included; managed identity turns a scope into a
 * resource by cutting `/.default`, so the slash must be doubled to survive (as the Azure CLI does
 * for `https://management.core.windows.net//.default`).
 */
export const BATCH_SCOPE = "https://batch.core.windows.net//.default";

/** The data-plane API version the dispatcher speaks unless told otherwise. */
export const DEFAULT_BATCH_API_VERSION = "2025-06-01";

/**
 * `@azure/batch` 10.2.0 predates `@azure/identity`: it signs requests through ms-rest-js
 * `ServiceClientCredentials`. This adapter puts an Entra ID bearer token on each request; the
 * TokenCredential caches and refreshes tokens itself.
 */
export class EntraBatchCredentials implements ServiceClientCredentials {
  constructor(
    private readonly credential: TokenCredential,
    private readonly scope = BATCH_SCOPE,
  ) {}

  async signRequest(webResource: WebResourceLike): Promise<WebResourceLike> {
    const token = await this.credential.getToken(this.scope);
    if (!token) throw new Error(`Microsoft Entra ID returned no token for ${this.scope}`);
    webResource.headers.set("authorization", `Bearer ${token.token}`);
    return webResource;
  }
}

/** Keys, when a shared key may be used; each is optional so Batch and storage can differ. */
export interface SharedKeys {
  batchAccountKey?: string;
  /** The account the Batch key is for, when known: a key for another account is not used. */
  batchAccountName?: string;
  storageAccountKey?: string;
  storageAccountName?: string;
}

export interface Access {
  batch: "entra" | "sharedKey";
  storage: "entra" | "sharedKey";
  batchClient: BatchServiceClient;
  blobService: BlobServiceClient;
  /** Set when storage is reached with a shared key (SAS is then signed with it instead of a user delegation key). */
  storageSharedKey?: StorageSharedKeyCredential;
}

export class AccessError extends Error {
  override name = "AccessError";
}

/** Keys from the variables that `npm run local` prints and the Azure SDKs read. */
export function sharedKeysFromEnv(env: NodeJS.ProcessEnv = process.env): SharedKeys {
  const connection = env.AZURE_STORAGE_CONNECTION_STRING ?? "";
  const field = (name: string) => new RegExp(`(?:^|;)${name}=([^;]+)`).exec(connection)?.[1];
  return {
    batchAccountKey: env.AZURE_BATCH_ACCESS_KEY || undefined,
    batchAccountName: env.AZURE_BATCH_ACCOUNT || undefined,
    storageAccountKey: env.AZURE_STORAGE_KEY || field("AccountKey") || undefined,
    storageAccountName: env.AZURE_STORAGE_ACCOUNT || field("AccountName") || undefined,
  };
}

/** Keys for other accounts (say, a connection string set for another project) are left out. */
function keysFor(outputs: StackOutputs, keys: SharedKeys): SharedKeys {
  const batchOk =
    keys.batchAccountKey && (!keys.batchAccountName || keys.batchAccountName === outputs.batchAccountName);
  const storageOk =
    keys.storageAccountKey && (!keys.storageAccountName || keys.storageAccountName === outputs.storageAccountName);
  return {
    batchAccountKey: batchOk ? keys.batchAccountKey : undefined,
    storageAccountKey: storageOk ? keys.storageAccountKey : undefined,
  };
}

export interface AccessOptions {
  keys?: SharedKeys;
  apiVersion?: string;
  /** Entra ID credential; DefaultAzureCredential when omitted (created only if needed). */
  credential?: TokenCredential;
  /** How both clients retry a call that failed for now (throttled, a server error, a broken connection). */
  retry?: RetryOptions;
}

/**
 * Builds the Batch and blob clients for a deployment. A key is used only when the outputs allow
 * it; a key offered for an account that refuses shared keys is an error, not a silent fallback.
 */
export function connect(outputs: StackOutputs, options: AccessOptions = {}): Access {
  const keys = keysFor(outputs, options.keys ?? {});
  let entra: TokenCredential | undefined = options.credential;
  const credential = () => (entra ??= new DefaultAzureCredential());

  if (keys.batchAccountKey && !outputs.batchAuthModes.includes("SharedKey")) {
    throw new AccessError(
      `Batch account ${outputs.batchAccountName} does not accept Shared Key (auth modes: ${outputs.batchAuthModes.join(", ")}); unset AZURE_BATCH_ACCESS_KEY to use Microsoft Entra ID`,
    );
  }
  if (keys.storageAccountKey && !outputs.storageSharedKeyAccess) {
    throw new AccessError(
      `storage account ${outputs.storageAccountName} does not allow shared-key access; unset the storage key to use Microsoft Entra ID`,
    );
  }
  const batchCreds: ServiceClientCredentials = keys.batchAccountKey
    ? new BatchSharedKeyCredentials(outputs.batchAccountName, keys.batchAccountKey)
    : new EntraBatchCredentials(credential());
  // ms-rest-js's own three retry policies are off: ours (tasks/retry.ts) is the one, for both clients.
  const batchClient = new BatchServiceClient(batchCreds, outputs.batchAccountEndpoint.replace(/\/+$/, ""), {
    noRetryPolicy: true,
    requestPolicyFactories: (defaults) => [...defaults, batchRetryPolicy(options.retry)],
  });
  batchClient.apiVersion = options.apiVersion ?? DEFAULT_BATCH_API_VERSION;

  const storageSharedKey = keys.storageAccountKey
    ? new StorageSharedKeyCredential(outputs.storageAccountName, keys.storageAccountKey)
    : undefined;
  const blobService = new BlobServiceClient(outputs.blobEndpoint, storageSharedKey ?? credential(), {
    retryOptions: storageRetryOptions(options.retry),
  });
  return {
    batch: keys.batchAccountKey ? "sharedKey" : "entra",
    storage: storageSharedKey ? "sharedKey" : "entra",
    batchClient,
    blobService,
    storageSharedKey,
  };
}
