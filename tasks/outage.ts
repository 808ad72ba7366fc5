/**
 * Storage or Batch gone mid-job: the run waits a bounded time for the service to answer again
 * and goes on from where it was (every step of a run resumes what an earlier one did), or stops
 * with a message that names the service, how long it waited, and the command that resumes the
 * job. Before this, 114 s of retries ended in a bare `connect ECONNREFUSED`.
 */
import { connect } from "node:net";
import { quote } from "shell-quote";
import type { StackOutputs } from "../contracts/stack-outputs";
import { describe, isNetworkError, sleep } from "./retry";

export interface DownService {
  name: "Batch" | "storage";
  endpoint: string;
}

/** The service a failed call went to, if it failed for want of a connection; undefined for any other failure. */
export function unreachableService(
  err: unknown,
  outputs: Pick<StackOutputs, "batchAccountEndpoint" | "blobEndpoint">,
): DownService | undefined {
  if (!isNetworkError(err)) return undefined;
  // The storage SDK's error carries its request; the Batch client's (node-fetch) names the URL in its message.
  const e = err as { request?: { url?: string }; message?: unknown; name?: string };
  const where = `${e.request?.url ?? ""} ${typeof e.message === "string" ? e.message : ""}`;
  const batch = { name: "Batch", endpoint: outputs.batchAccountEndpoint } as const;
  const storage = { name: "storage", endpoint: outputs.blobEndpoint } as const;
  if (where.includes(new URL(outputs.blobEndpoint).host)) return storage;
  if (where.includes(new URL(outputs.batchAccountEndpoint).host)) return batch;
  return e.name === "FetchError" ? batch : storage;
}

/** Whether a TCP connection to the endpoint's host and port is accepted within `timeoutMs`. */
function accepts(endpoint: string, timeoutMs: number): Promise<boolean> {
  const url = new URL(endpoint);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** Waits until the endpoint accepts connections again; false if it did not within `limitMs`. */
export async function waitUntilReachable(endpoint: string, limitMs: number, probeEveryMs = 1000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await accepts(endpoint, Math.min(probeEveryMs, 5000))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(probeEveryMs, Math.max(0, deadline - Date.now())));
  }
}

/** `npm run ocr -- <the same arguments>`, with `--job-id` added if it was not given, quoted for a POSIX shell. */
export function resumeCommand(args: readonly string[], jobId: string): string {
  const named = args.some((a) => a === "--job-id" || a.startsWith("--job-id="));
  return `npm run ocr -- ${quote([...args, ...(named ? [] : ["--job-id", jobId])])}`;
}

export class ServiceUnreachableError extends Error {
  override name = "ServiceUnreachableError";
}

export interface OutageOptions {
  outputs: Pick<StackOutputs, "batchAccountEndpoint" | "blobEndpoint">;
  /** How long a service may stay unreachable before the run stops. */
  limitMs: number;
  /** The command that resumes the job, or why none can. */
  resume: { command: string; possible: boolean };
  log: (line: string) => void;
  probeEveryMs?: number;
  /** With Batch gone for good and storage still there: keeps what the tasks wrote so far; says where. */
  keepWhatIsThere?: () => Promise<string | undefined>;
}

/**
 * Runs `run` again each time it fails because storage or Batch cannot be reached and the service
 * comes back within the limit; stops with a ServiceUnreachableError once it stays away longer.
 */
export async function outlastOutages<T>(run: () => Promise<T>, options: OutageOptions): Promise<T> {
  for (;;) {
    try {
      return await run();
    } catch (err) {
      const down = unreachableService(err, options.outputs);
      if (!down) throw err;
      const since = Date.now();
      options.log(
        `${down.name} (${down.endpoint}) cannot be reached: ${describe(err)}; waiting up to ${Math.round(options.limitMs / 1000)} s for it to answer again`,
      );
      if (!(await waitUntilReachable(down.endpoint, options.limitMs, options.probeEveryMs))) {
        const waited = Math.round((Date.now() - since) / 1000);
        const kept =
          down.name === "Batch"
            ? await options
                .keepWhatIsThere?.()
                .catch((e: unknown) => `the results written so far could not be collected either: ${describe(e)}`)
            : undefined;
        const next = options.resume.possible
          ? `Nothing is lost: the photos uploaded, the job's tasks and the records already written stay where they are. Once ${down.name} answers, resume with:\n  ${options.resume.command}`
          : `The in-process local cloud stops with this command, so the job cannot be resumed; run it again:\n  ${options.resume.command}`;
        throw new ServiceUnreachableError(
          `${down.name} (${down.endpoint}) has been unreachable for ${waited} s after the client's own retries (${describe(err)}), longer than the ${Math.round(options.limitMs / 1000)} s allowed (--outage-limit).\n${kept ? `${kept}\n` : ""}${next}`,
          { cause: err },
        );
      }
      options.log(`${down.name} answers again after ${Math.round((Date.now() - since) / 1000)} s; continuing the job`);
    }
  }
}
