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
  /** Headers the answer carries besides the usual ones (`Retry-After` on a throttled request). */
  headers: Record<string, string> = {};

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

/**
 * Every error the service answers, in one place: the HTTP status, the code clients switch on
 * (the entry's name unless `code` says otherwise, for one code answered with two statuses) and
 * Batch's message. `{Name}` in a message is filled from the error's values (or from `fill`), so
 * a message that names a limit or a reason still comes from here.
 */
const CATALOGUE = {
  // Requests as such
  AuthenticationFailed: {
    status: 403,
    message:
      "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
  },
  TokenAuthenticationFailed: {
    status: 401,
    code: "AuthenticationFailed",
    message:
      "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly.",
  },
  MissingRequiredQueryParameter: {
    status: 400,
    message: "A query parameter that's mandatory for this request is not specified.",
  },
  UnsupportedRequestVersion: { status: 400, message: "The specified request version is not supported." },
  RequestUrlFailedToParse: { status: 400, message: "The url in the request could not be parsed." },
  UnsupportedHttpVerb: { status: 405, message: "The resource doesn't support the specified HTTP verb." },
  InvalidRequestBody: { status: 400, message: "The specified Request Body is not syntactically valid." },
  RequestBodyTooLarge: {
    status: 413,
    message: "The request body is too large and exceeds the maximum permissible limit.",
  },
  InvalidHeaderValue: {
    status: 400,
    message: "The value provided for one of the HTTP headers was not in the correct format.",
  },
  InvalidQueryParameterValue: {
    status: 400,
    message: "Value for one of the query parameters specified in the request URI is invalid.",
  },
  MissingRequiredProperty: { status: 400, message: "A required property was not specified in the request body." },
  InvalidPropertyValue: {
    status: 400,
    message: "The value provided for one of the properties in the request body is invalid.",
  },
  ConditionNotMet: { status: 412, message: "The condition specified using HTTP conditional header(s) is not met." },
  ConditionNotMetOnRead: {
    status: 304,
    code: "ConditionNotMet",
    message: "The condition specified in the conditional header(s) was not met for a read operation.",
  },
  InternalError: { status: 500, message: "The server encountered an internal error. Please retry the request." },
  ServerBusy: {
    status: 503,
    message: "The server is currently unable to receive requests. Please retry your request.",
  },
  TooManyRequests: {
    status: 429,
    message: "The server is receiving too many requests. Please retry your request after the time in Retry-After.",
  },
  // Entities that are not there, or already are
  PoolNotFound: { status: 404, message: "The specified pool does not exist." },
  JobNotFound: { status: 404, message: "The specified job does not exist." },
  TaskNotFound: { status: 404, message: "The specified task does not exist." },
  NodeNotFound: { status: 404, message: "The specified node does not exist." },
  FileNotFound: { status: 404, message: "The specified file does not exist." },
  ApplicationNotFound: { status: 404, message: "The specified application does not exist." },
  JobScheduleNotFound: { status: 404, message: "The specified job schedule does not exist." },
  PoolExists: { status: 409, message: "The specified pool already exists." },
  JobExists: { status: 409, message: "The specified job already exists." },
  TaskExists: { status: 409, message: "The specified task already exists." },
  JobScheduleExists: { status: 409, message: "The specified job schedule already exists." },
  // States that refuse an operation
  OperationInvalidForCurrentState: {
    status: 409,
    message: "The specified operation is not valid for the current state of the resource. {Reason}",
  },
  PoolBeingDeleted: { status: 409, message: "The specified pool has been marked for deletion and is being reclaimed." },
  PoolBeingResized: { status: 409, message: "The specified pool is being resized." },
  // Batch documents the code and the 30 seconds, not the status: 409, as for its other refusals
  // of an operation at this moment (docs/fidelity.md).
  AutoScaleTooManyRequestsToEnable: {
    status: 409,
    message: "Enable AutoScale requests for the same pool must be separated by at least 30 seconds.",
  },
  AutoScalingEnabled: {
    status: 409,
    message: "The specified pool has auto scaling enabled; disable it before resizing.",
  },
  JobCompleted: { status: 409, message: "The specified job is already in a completed state." },
  JobBeingDeleted: {
    status: 409,
    message: "The specified job has been marked for deletion and is being garbage collected.",
  },
  JobBeingTerminated: { status: 409, message: "The specified job is being terminated." },
  JobNotActive: { status: 409, message: "The specified job is not in active state." },
  JobNotDisabled: { status: 409, message: "The specified job is not in disabled state." },
  JobScheduleCompleted: { status: 409, message: "The specified job schedule is already in a completed state." },
  JobScheduleBeingDeleted: {
    status: 409,
    message: "The specified job schedule has been marked for deletion and is being reclaimed.",
  },
  JobScheduleBeingTerminated: { status: 409, message: "The specified job schedule is being terminated." },
  TaskCompleted: { status: 409, message: "The specified task is already in a completed state." },
  TaskNotCompleted: {
    status: 409,
    message:
      "The specified task is not in a completed state, and the requested operation can be performed only on completed tasks.",
  },
  TaskSucceeded: {
    status: 409,
    message:
      "The specified task has already completed successfully, and the requested operation cannot be performed on successful tasks.",
  },
  NodeBeingCreated: { status: 409, message: "The specified node is being created." },
  NodeBeingStarted: { status: 409, message: "The specified node is being started." },
  NodeBeingRebooted: { status: 409, message: "The specified node is being rebooted." },
  NodeBeingReimaged: { status: 409, message: "The specified node is being reimaged." },
  NodeStateUnusable: { status: 409, message: "The state of the specified node is unusable." },
  TaskIdSameAsJobPreparationTask: {
    status: 409,
    message: "The specified task id is same as the job preparation task.",
  },
  TaskIdSameAsJobReleaseTask: { status: 409, message: "The specified task id is same as the job release task." },
  JobPreparationTaskOrReleaseTaskNotSpecified: {
    status: 409,
    message: "The specified job does not have a job preparation task or a job release task.",
  },
  NodeAlreadyInTargetSchedulingState: {
    status: 409,
    message: "The specified node is already in the target scheduling state.",
  },
  // Limits and contents
  TooManyTasksInCollection: { status: 400, message: "A task collection may contain at most {MaxTaskCount} tasks." },
  AutoScaleFormulaTooLong: {
    status: 400,
    message: "The specified auto-scaling formula exceeds the limit of {MaxLength} characters.",
  },
  AutoScalingFormulaSyntaxError: { status: 400, message: "The specified auto-scaling formula has a syntax error." },
  TaskDependenciesNotSpecifiedOnJob: {
    status: 400,
    message:
      "A task was specified as depending on other tasks, but the job did not specify that it would use task dependencies.",
  },
  TaskDependencyListTooLong: {
    status: 400,
    message:
      "A task was specified as depending on other tasks, but the list of dependencies was too long to be stored.",
  },
  InvalidApplicationPackageReferences: {
    status: 409,
    message: "One or more of the specified application package references are invalid.",
  },
  // Files
  InvalidRange: { status: 416, message: "The range specified is invalid for the current size of the resource." },
  FileIsDirectory: { status: 400, message: "The specified path is a directory; list it instead." },
  DirectoryNotEmpty: { status: 409, message: "The directory is not empty; delete it with recursive=true." },
  TaskFilesUnavailable: { status: 409, message: "The files of the specified task are unavailable." },
  TaskFilesCleanedup: { status: 409, message: "The files of the specified task are cleaned up." },
  TaskFilesNotRemoved: { status: 500, message: "{Reason}. The task is kept; delete it again." },
  // The local service's own
  NotSupportedByLocalBatch: { status: 501, message: "The local Batch service does not support {What}." },
} as const satisfies Record<string, { status: number; code?: string; message: string }>;

export type BatchErrorName = keyof typeof CATALOGUE;

/** The catalogue's error, its values in the order given; `fill` adds words for the message that are not values. */
export function batchError(
  name: BatchErrorName,
  values: Record<string, string> = {},
  fill: Record<string, string> = {},
): BatchError {
  const entry: { status: number; code?: string; message: string } = CATALOGUE[name];
  const words = { ...values, ...fill };
  const message = entry.message.replace(/ ?\{(\w+)\}/g, (whole, word: string) =>
    words[word] === undefined ? "" : whole.replace(`{${word}}`, words[word]),
  );
  return new BatchError(
    entry.status,
    entry.code ?? name,
    message,
    Object.entries(values).map(([key, value]) => ({ key, value })),
  );
}

type Kind = "pool" | "job" | "task" | "node" | "file" | "application" | "jobSchedule";

const capitalised = (kind: Kind) => `${kind[0]!.toUpperCase()}${kind.slice(1)}`;

export const notFound = (kind: Kind): BatchError => batchError(`${capitalised(kind)}NotFound` as BatchErrorName);

export const exists = (kind: "pool" | "job" | "task"): BatchError =>
  batchError(`${capitalised(kind)}Exists` as BatchErrorName);

/** For a 409 the catalogue does not have yet; add it there instead where you can. */
export const conflict = (code: string, message: string): BatchError => new BatchError(409, code, message);

export const missingProperty = (name: string): BatchError =>
  batchError("MissingRequiredProperty", { PropertyName: name });

/** Batch's codes for an operation a node's state does not allow (Batch status and error codes). */
const NODE_STATE_CONFLICT: Partial<Record<string, BatchErrorName>> = {
  creating: "NodeBeingCreated",
  starting: "NodeBeingStarted",
  waitingforstarttask: "NodeBeingStarted",
  rebooting: "NodeBeingRebooted",
  reimaging: "NodeBeingReimaged",
  unusable: "NodeStateUnusable",
};

export const nodeStateConflict = (state: string): BatchError =>
  batchError(NODE_STATE_CONFLICT[state] ?? "OperationInvalidForCurrentState", { NodeState: state });

export const invalidProperty = (name: string, value: unknown, reason: string): BatchError =>
  batchError("InvalidPropertyValue", {
    PropertyName: name,
    PropertyValue: typeof value === "string" ? value : (JSON.stringify(value) ?? "undefined"),
    Reason: reason,
  });

export const invalidQuery = (name: string, value: string, reason: string): BatchError =>
  batchError("InvalidQueryParameterValue", { QueryParameterName: name, QueryParameterValue: value, Reason: reason });

/**
 * Something real Batch does that this service does not. Always an error, never a silent success,
 * so a client finds out at once instead of on Azure.
 */
export const notSupportedLocally = (what: string): BatchError =>
  batchError(
    "NotSupportedByLocalBatch",
    { Reason: "See the README's 'Local Batch service' section for what is supported." },
    { What: what },
  );
