/**
 * Writes a node's service log into a blob container, as `uploadbatchservicelogs` asks: through
 * the SAS in the container URL, or with an identityReference through the service's own storage
 * access (the node's identity, locally). Blobs go under `<pool>/<node>/<unique id>/`, as Batch
 * names the virtual directory.
 */
import { ContainerClient } from "@azure/storage-blob";
import { randomUUID } from "node:crypto";
import { authFor, describeStorageError, redactSas } from "../task-files/blob-access";
import type { ComputeNodeIdentityReference, StorageAccess } from "../task-files/types";
import { invalidProperty } from "./errors";

/** The agent log's name in the upload. */
export const SERVICE_LOG_FILE = "agent.log";

export interface ServiceLogUpload {
  text: string;
  containerUrl: string;
  identityReference?: ComputeNodeIdentityReference;
  storage: StorageAccess;
  poolId: string;
  nodeId: string;
}

/** Batch's UploadBatchServiceLogsResult. */
export interface UploadedServiceLogs {
  virtualDirectoryName: string;
  numberOfFilesUploaded: number;
}

/** A storage message may quote the URL it was sent to: its signature never reaches a reply. */
const withoutSignature = (text: string) => text.replace(/sig=[^&\s"']*/gi, "sig=REDACTED");

/**
 * Uploads at once and answers a failure (Batch's agent uploads later and reports nothing back):
 * locally a client learns here, not never, that its SAS or container is wrong.
 */
export async function uploadServiceLogs(upload: ServiceLogUpload): Promise<UploadedServiceLogs> {
  const virtualDirectoryName = `${upload.poolId}/${upload.nodeId}/${randomUUID()}/`;
  if (upload.text === "") return { virtualDirectoryName, numberOfFilesUploaded: 0 };
  const auth = authFor(upload.containerUrl, upload.identityReference, upload.storage);
  if (auth.kind === "refused") throw invalidProperty("identityReference", redactSas(upload.containerUrl), auth.reason);
  const blob = new ContainerClient(auth.url, auth.credential).getBlockBlobClient(
    `${virtualDirectoryName}${SERVICE_LOG_FILE}`,
  );
  try {
    await blob.upload(upload.text, Buffer.byteLength(upload.text), {
      blobHTTPHeaders: { blobContentType: "text/plain; charset=utf-8" },
    });
  } catch (error) {
    const failure = describeStorageError(error);
    const answer = [failure.status, failure.storageCode, withoutSignature(failure.message)]
      .filter((p) => p !== undefined)
      .join(" ");
    throw invalidProperty(
      "containerUrl",
      redactSas(upload.containerUrl),
      `the container could not be written: ${answer}`,
    );
  }
  return { virtualDirectoryName, numberOfFilesUploaded: 1 };
}
