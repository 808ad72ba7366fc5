/**
 * Request faults of the local Batch service (`--faults`): every request waits the added latency,
 * then one seeded draw decides whether it is dropped (connection cut, no answer), throttled (429
 * TooManyRequests with `Retry-After`, as Batch throttles), failed (500 InternalError, or 503
 * ServerBusy with `Retry-After`), or handled. A faulted request never reaches a route, so it
 * changes nothing: a client may send it again.
 */
import { batchError, type BatchError } from "./errors";
import type { FaultDice } from "./fault-dice";
import type { FaultSpec } from "./fault-spec";
import { waitLong } from "./long-timer";

export type RequestFaultKind = "drop" | "throttle" | "error";

export interface RequestFaults {
  /** For HttpOptions.beforeHandling. */
  beforeHandling(method: string, path: string): Promise<"drop" | undefined>;
  /** Requests faulted so far, by kind; `delayed`: requests held for the added latency. */
  readonly injected: Record<RequestFaultKind | "delayed", number>;
}

const retryAfter = (error: BatchError, seconds: number): BatchError => {
  error.headers["Retry-After"] = String(seconds);
  return error;
};

export function requestFaults(spec: FaultSpec, dice: FaultDice, log: (line: string) => void): RequestFaults {
  const which = dice.stream("request");
  const errorKind = dice.stream("error-kind");
  const injected: Record<RequestFaultKind | "delayed", number> = { drop: 0, throttle: 0, error: 0, delayed: 0 };
  const fault = (kind: RequestFaultKind, method: string, path: string, answer: string) => {
    injected[kind] += 1;
    log(`fault: ${method} ${path}: ${answer}`);
  };
  return {
    injected,
    async beforeHandling(method, path) {
      if (spec.latencyMs > 0) {
        injected.delayed += 1;
        await waitLong(spec.latencyMs);
      }
      const u = which();
      if (u < spec.drop) {
        fault("drop", method, path, "connection dropped");
        return "drop";
      }
      if (u < spec.drop + spec.throttle) {
        fault("throttle", method, path, `429 TooManyRequests, Retry-After ${spec.retryAfterSeconds}`);
        throw retryAfter(batchError("TooManyRequests"), spec.retryAfterSeconds);
      }
      if (u < spec.drop + spec.throttle + spec.error) {
        if (errorKind() < 0.5) {
          fault("error", method, path, "500 InternalError");
          throw batchError("InternalError");
        }
        fault("error", method, path, `503 ServerBusy, Retry-After ${spec.retryAfterSeconds}`);
        throw retryAfter(batchError("ServerBusy"), spec.retryAfterSeconds);
      }
      return undefined;
    },
  };
}
