/**
 * REST body shapes as the Batch data-plane API (2022-10-01.16.0 … 2025-06-01) sends them (JSON, lower
 * camel), and the failure record the task runner copies into `executionInfo.failureInfo`.
 */

export interface ComputeNodeIdentityReference {
  resourceId?: string;
}

export interface ResourceFile {
  autoStorageContainerName?: string;
  storageContainerUrl?: string;
  httpUrl?: string;
  blobPrefix?: string;
  filePath?: string;
  fileMode?: string;
  identityReference?: ComputeNodeIdentityReference;
}

export interface HttpHeader {
  name: string;
  value?: string;
}

export interface OutputFileBlobContainerDestination {
  path?: string;
  containerUrl: string;
  identityReference?: ComputeNodeIdentityReference;
  uploadHeaders?: HttpHeader[];
}

export type OutputFileUploadCondition = "tasksuccess" | "taskfailure" | "taskcompletion";

export interface OutputFile {
  filePattern: string;
  destination: { container?: OutputFileBlobContainerDestination };
  uploadOptions: { uploadCondition: OutputFileUploadCondition };
}

/** The local service's own access to Azurite (its "linked auto-storage"). */
export interface StorageAccess {
  /** With the account path, e.g. `http://127.0.0.1:10000/devstoreaccount1/` (trailing slash optional). */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
}

export interface NameValuePair {
  name: string;
  value: string;
}

/** Batch's TaskFailureInformation shape: the runner copies it into the task's executionInfo.failureInfo. */
export interface TaskFailureInfo {
  category: "usererror" | "servererror";
  code: string;
  message: string;
  details?: NameValuePair[];
}

/** A failure that Batch reports on the task (not on the REST call): it carries Batch's failure record. */
export class TaskFileError extends Error {
  readonly failureInfo: TaskFailureInfo;

  constructor(failureInfo: TaskFailureInfo, options?: { cause?: unknown }) {
    const detail = failureInfo.details?.map((d) => `${d.name}: ${d.value}`).join("; ");
    super(
      detail
        ? `${failureInfo.code}: ${failureInfo.message} (${detail})`
        : `${failureInfo.code}: ${failureInfo.message}`,
      options,
    );
    this.name = "TaskFileError";
    this.failureInfo = failureInfo;
  }
}

/** Shorthand for the common case: a user error with Batch's code, message and name/value details. */
export function userError(
  code: string,
  message: string,
  details: Record<string, string | undefined> = {},
  cause?: unknown,
): TaskFileError {
  const pairs = Object.entries(details)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ name, value }));
  return new TaskFileError(
    { category: "usererror", code, message, ...(pairs.length ? { details: pairs } : {}) },
    cause === undefined ? undefined : { cause },
  );
}
