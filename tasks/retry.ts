/**
 * One retry policy for every call the dispatcher makes, set on the clients where they are built
 * (tasks/credentials.ts) rather than around each call: throttling (429, 408) and server errors
 * (5xx), and connections that broke, with exponential backoff and jitter, honouring `Retry-After`
 * when the service sends it. A failure that outlasts it reaches tasks/outage.ts (--outage-limit).
 */
import {
  BaseRequestPolicy,
  type HttpOperationResponse,
  type RequestPolicy,
  type RequestPolicyFactory,
  type RequestPolicyOptionsLike,
  RestError,
  type WebResourceLike,
} from "@azure/ms-rest-js";
import type { StorageRetryOptions } from "@azure/storage-blob";

export interface RetryOptions {
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait; for counting and logging. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = { maxRetries: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "REQUEST_SEND_ERROR"]);

/** Whether the call got no answer at all: the connection could not be made or broke. */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && NETWORK_CODES.has(code);
}

/** Whether an answer with this status may be different if the call is made again. */
function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** `Retry-After` as milliseconds (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A Batch error answer in a line, as {@link describe} gives it once the client has turned it into an error. */
function answerLine(response: HttpOperationResponse): string {
  let code = "";
  let message = "";
  try {
    const body = JSON.parse(response.bodyAsText ?? "") as { code?: unknown; message?: { value?: unknown } };
    code = typeof body.code === "string" ? body.code : "";
    message = typeof body.message?.value === "string" ? (body.message.value.split("\n")[0] ?? "") : "";
  } catch {
    // Not JSON (a proxy's page, an empty body): the status says enough.
  }
  return `${response.status} ${code} ${message}`.replace(/\s+/g, " ").trim();
}

class TransientRetryPolicy extends BaseRequestPolicy {
  constructor(
    nextPolicy: RequestPolicy,
    policyOptions: RequestPolicyOptionsLike,
    private readonly retry: RetryOptions,
  ) {
    super(nextPolicy, policyOptions);
  }

  async sendRequest(request: WebResourceLike): Promise<HttpOperationResponse> {
    const { maxRetries, baseDelayMs, maxDelayMs } = { ...DEFAULTS, ...this.retry };
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      let askedMs: number | undefined;
      try {
        const response = await this._nextPolicy.sendRequest(request.clone());
        if (attempt > maxRetries || !isTransientStatus(response.status)) return response;
        reason = answerLine(response);
        askedMs = retryAfterMs(response.headers.get("retry-after"));
      } catch (err) {
        if (attempt > maxRetries || !isNetworkError(err)) throw err;
        reason = describe(err);
      }
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      const delayMs = Math.min(maxDelayMs * 4, askedMs ?? backoff);
      this.retry.onRetry?.({ attempt, delayMs, reason });
      await (this.retry.sleep ?? sleep)(delayMs);
    }
  }
}

/**
 * For the Batch client (@azure/batch on ms-rest-js), innermost in its pipeline so each attempt
 * goes out as sent, and the answer that ends it is turned into an error by the client as before.
 */
export function batchRetryPolicy(options: RetryOptions = {}): RequestPolicyFactory {
  return { create: (nextPolicy, policyOptions) => new TransientRetryPolicy(nextPolicy, policyOptions, options) };
}

/** The same policy in the storage SDK's terms: as many attempts, the same first delay and cap. */
export function storageRetryOptions(options: RetryOptions = {}): StorageRetryOptions {
  const { maxRetries, baseDelayMs, maxDelayMs } = { ...DEFAULTS, ...options };
  return { maxTries: maxRetries + 1, retryDelayInMs: baseDelayMs, maxRetryDelayInMs: maxDelayMs };
}

/** One line for a failed call. Batch errors carry their message as `{ lang, value }`, not a string. */
export function describe(err: unknown): string {
  const raw = (err as { message?: unknown } | undefined)?.message;
  const message =
    typeof raw === "string"
      ? raw
      : typeof (raw as { value?: unknown })?.value === "string"
        ? (raw as { value: string }).value
        : String(err);
  if (err instanceof RestError)
    return `${err.statusCode ?? ""} ${err.code ?? ""} ${message.split("\n")[0]}`.replace(/\s+/g, " ").trim();
  return message;
}
