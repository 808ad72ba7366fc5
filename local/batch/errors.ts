/**
 * Batch's error responses: an HTTP status, a code clients switch on, and the service's own
 * message text (the Azure CLI prints only `message.value`, so the words matter as much as the code).
 */
import { randomUUID } from "node:crypto";

export interface ErrorDetail {
  key: string;
  value: string;
}

/** The JSON body Batch sends with every error (`Container.errors/@Element` in OData terms). */
export interface BatchErrorBody {
  "odata.metadata": string;
  code: string;
  message: { lang: "en-US"; value: string };
  values?: ErrorDetail[];
}

export class BatchError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly values: ErrorDetail[] = [],
  ) {
    super(message);
  }

  body(baseUrl: string, requestId: string): BatchErrorBody {
    const body: BatchErrorBody = {
      "odata.metadata": `${baseUrl}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
      code: this.code,
      message: { lang: "en-US", value: `${this.message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}` },
    };
    if (this.values.length > 0) body.values = this.values;
    return body;
  }
}

export const newRequestId = (): string => randomUUID();

type Kind = "pool" | "job" | "task" | "node" | "file" | "application" | "jobSchedule";

const NOT_FOUND: Record<Kind, [string, string]> = {
  pool: ["PoolNotFound", "The specified pool does not exist."],
  job: ["JobNotFound", "The specified job does not exist."],
  task: ["TaskNotFound", "The specified task does not exist."],
  node: ["NodeNotFound", "The specified node does not exist."],
  file: ["FileNotFound", "The specified file does not exist."],
  application: ["ApplicationNotFound", "The specified application does not exist."],
  jobSchedule: ["JobScheduleNotFound", "The specified job schedule does not exist."],
};

export function notFound(kind: Kind): BatchError {
  const [code, message] = NOT_FOUND[kind];
  return new BatchError(404, code, message);
}

export const exists = (kind: "pool" | "job" | "task"): BatchError =>
  new BatchError(409, `${kind[0]!.toUpperCase()}${kind.slice(1)}Exists`, `The specified ${kind} already exists.`);

export const conflict = (code: string, message: string): BatchError => new BatchError(409, code, message);

export const missingProperty = (name: string): BatchError =>
  new BatchError(400, "MissingRequiredProperty", "A required property was not specified in the request body.", [
    { key: "PropertyName", value: name },
  ]);

export const invalidProperty = (name: string, value: unknown, reason: string): BatchError =>
  new BatchError(400, "InvalidPropertyValue", "The value provided for one of the properties in the request body is invalid.", [
    { key: "PropertyName", value: name },
    { key: "PropertyValue", value: typeof value === "string" ? value : JSON.stringify(value) ?? "undefined" },
    { key: "Reason", value: reason },
  ]);

export const invalidQuery = (name: string, value: string, reason: string): BatchError =>
  new BatchError(400, "InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid.", [
    { key: "QueryParameterName", value: name },
    { key: "QueryParameterValue", value },
    { key: "Reason", value: reason },
  ]);

/**
 * Something real Batch does that this service does not. Always an error, never a silent success,
 * so a client finds out at once instead of on Azure.
 */
export const notSupportedLocally = (what: string): BatchError =>
  new BatchError(501, "NotSupportedByLocalBatch", `The local Batch service does not support ${what}.`, [
    { key: "Reason", value: "See the README's 'Local Batch service' section for what is supported." },
  ]);
