/**
 * Retrying Batch calls: throttling (429) and server errors (5xx), and connections that broke,
 * with exponential backoff and jitter, honouring `Retry-After` when the service sends it.
 */
import { RestError } from "@azure/ms-rest-js";

export interface RetryOptions {
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait; for counting and logging. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
}

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "REQUEST_SEND_ERROR"]);

export function statusOf(err: unknown): number | undefined {
  return err instanceof RestError ? err.statusCode : undefined;
}

/** Whether the call got no answer at all: the connection could not be made or broke. */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && NETWORK_CODES.has(code);
}

/** Whether a failed call may succeed if made again. */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status === 429 || status === 408 || status >= 500;
  return isNetworkError(err);
}

/** `Retry-After` as milliseconds (seconds or an HTTP date), or undefined. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  if (!(err instanceof RestError)) return undefined;
  const value = err.response?.headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxRetries = options.maxRetries ?? 6;
  const base = options.baseDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt > maxRetries || !isTransient(err)) throw err;
      const backoff = Math.min(cap, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      const delayMs = Math.min(cap * 4, retryAfterMs(err) ?? backoff);
      options.onRetry?.({ attempt, delayMs, reason: describe(err) });
      await (options.sleep ?? sleep)(delayMs);
    }
  }
}

/** One line for a failed call. Batch errors carry their message as `{ lang, value }`, not a string. */
export function describe(err: unknown): string {
  const raw = (err as { message?: unknown } | undefined)?.message;
  const message = typeof raw === "string" ? raw : typeof (raw as { value?: unknown })?.value === "string" ? (raw as { value: string }).value : String(err);
  if (err instanceof RestError) return `${err.statusCode ?? ""} ${err.code ?? ""} ${message.split("\n")[0]}`.replace(/\s+/g, " ").trim();
  return message;
}
