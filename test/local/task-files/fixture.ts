import {
  BlobSASPermissions,
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAzurite, type Azurite } from "../../../local/azurite";
import { TaskFileError, type StorageAccess, type TaskFailureInfo } from "../../../local/task-files";

export interface SasOptions {
  container: string;
  blob?: string;
  permissions: string;
  /** Negative for a SAS that has already expired. */
  expiresInMinutes?: number;
}

/** A real SAS query string (no "?") for a container, or for one blob in it, signed with the account key. */
export function sasQuery(
  key: StorageSharedKeyCredential,
  { container, blob, permissions, expiresInMinutes = 60 }: SasOptions,
): string {
  const expiresOn = new Date(Date.now() + expiresInMinutes * 60_000);
  const parsed = blob ? BlobSASPermissions.parse(permissions) : ContainerSASPermissions.parse(permissions);
  return generateBlobSASQueryParameters(
    { containerName: container, blobName: blob, permissions: parsed, expiresOn },
    key,
  ).toString();
}

export interface Storage {
  azurite: Azurite;
  access: StorageAccess;
  service: BlobServiceClient;
  sas(options: SasOptions): string;
  stop(): Promise<void>;
}

export async function startStorage(): Promise<Storage> {
  const azurite = await startAzurite({ blobPort: 0 });
  const access: StorageAccess = {
    blobEndpoint: azurite.blobEndpoint,
    accountName: azurite.accountName,
    accountKey: azurite.accountKey,
    connectionString: azurite.connectionString,
  };
  const key = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  return {
    azurite,
    access,
    service: BlobServiceClient.fromConnectionString(azurite.connectionString),
    sas: (options) => sasQuery(key, options),
    stop: () => azurite.stop(),
  };
}

/** A task directory laid out as on a node: <task>/wd is the working directory, stdout.txt sits in <task>. */
export async function makeTaskDir(): Promise<{
  root: string;
  taskDir: string;
  workingDir: string;
  remove(): Promise<void>;
}> {
  const root = await mkdtemp(path.join(tmpdir(), "task-files-"));
  const taskDir = path.join(root, "task");
  const workingDir = path.join(taskDir, "wd");
  await mkdir(workingDir, { recursive: true });
  return { root, taskDir, workingDir, remove: () => rm(root, { recursive: true, force: true }) };
}

/** The failure record of a call that must fail with a TaskFileError. */
export async function failureOf(promise: Promise<unknown>): Promise<TaskFailureInfo> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TaskFileError) return error.failureInfo;
    throw error;
  }
  throw new Error("expected a TaskFileError, but the call succeeded");
}

export function detail(info: TaskFailureInfo, name: string): string | undefined {
  return info.details?.find((pair) => pair.name === name)?.value;
}
