import { AnonymousCredential, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { ComputeNodeIdentityReference, StorageAccess } from "./types";

/**
 * How a node reaches a storage URL, as Batch decides it: a SAS in the URL is used as given; no SAS plus
 * an identityReference means "the node's managed identity", which locally is the service's own key; no
 * SAS and no identity means anonymous access.
 */
export type StorageAuth =
  | { kind: "url-as-given"; url: string; credential: AnonymousCredential }
  | { kind: "service-key"; url: string; credential: StorageSharedKeyCredential }
  | { kind: "refused"; reason: string };

export function hasSas(url: string): boolean {
  return new URL(url).searchParams.has("sig");
}

/** The URL without its query, so that a SAS never reaches a message, a log or a failure record. */
export function redactSas(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.search = "";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

function accountRoot(storage: StorageAccess): URL {
  const root = new URL(storage.blobEndpoint);
  if (!root.pathname.endsWith("/")) root.pathname += "/";
  return root;
}

/** True when the URL lies in the local service's own storage account (so its key may be sent there). */
export function isInOwnStorage(url: string, storage: StorageAccess): boolean {
  const target = new URL(url);
  const root = accountRoot(storage);
  return target.origin === root.origin && target.pathname.startsWith(root.pathname);
}

export function authFor(
  url: string,
  identityReference: ComputeNodeIdentityReference | undefined,
  storage: StorageAccess,
): StorageAuth {
  if (hasSas(url) || !identityReference) return { kind: "url-as-given", url, credential: new AnonymousCredential() };
  // The key must never travel to a host other than the service's own storage: a managed identity of
  // the local service can reach nothing else.
  if (!isInOwnStorage(url, storage)) {
    return {
      kind: "refused",
      reason: `identityReference stands for the local service's own storage access, which reaches only ${storage.blobEndpoint}`,
    };
  }
  return {
    kind: "service-key",
    url: redactSas(url),
    credential: new StorageSharedKeyCredential(storage.accountName, storage.accountKey),
  };
}

export function autoStorageContainerUrl(containerName: string, storage: StorageAccess): string {
  return new URL(encodeURIComponent(containerName), accountRoot(storage)).toString();
}

export function serviceKey(storage: StorageAccess): StorageSharedKeyCredential {
  return new StorageSharedKeyCredential(storage.accountName, storage.accountKey);
}

export interface StorageFailure {
  status?: number;
  storageCode?: string;
  message: string;
}

/** What went wrong in a storage call, from a RestError (status and x-ms-error-code) or any other error. */
export function describeStorageError(error: unknown): StorageFailure {
  const e = error as { statusCode?: unknown; code?: unknown; details?: { errorCode?: unknown }; message?: unknown };
  const status = typeof e?.statusCode === "number" ? e.statusCode : undefined;
  const storageCode =
    typeof e?.details?.errorCode === "string" ? e.details.errorCode : typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" ? firstLine(e.message) : String(error);
  return { ...(status !== undefined ? { status } : {}), ...(storageCode ? { storageCode } : {}), message };
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0]?.trim() ?? text;
}

export function isAccessDenied(status: number | undefined): boolean {
  return status === 401 || status === 403;
}
