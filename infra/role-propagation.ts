/**
 * Waiting out Azure role propagation. A role assignment made in the same deployment (here the
 * Batch account identity's Storage Blob Data Contributor, which signs the package upload URL)
 * can take up to 10 minutes to take effect; until then storage answers 403.
 */

/**
 * A plain timer, not `node:timers/promises`: Pulumi's closure serializer declares each captured
 * module under the name TypeScript gave it, and that import would be `promises_1`, the name of
 * package-activation's `node:fs/promises` too; one of them would win in the provider's text.
 */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface PropagationWait {
  /** Give up once this much time has passed since the first attempt. */
  timeoutMs: number;
  firstDelayMs: number;
  /** The delay doubles after each refusal up to this. */
  maxDelayMs: number;
}

/** Microsoft documents up to 10 minutes for a role assignment to propagate. */
export const ROLE_PROPAGATION_WAIT: PropagationWait = {
  timeoutMs: 10 * 60_000,
  firstDelayMs: 5_000,
  maxDelayMs: 60_000,
};

/** HTTP 403 from an Azure SDK (RestError) or anything else carrying `statusCode`. */
function isForbidden(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { statusCode?: unknown }).statusCode === 403;
}

/** Runs `attempt` until it does not fail with 403, backing off, for at most `wait.timeoutMs`. */
export async function retryWhileRolesPropagate<T>(
  what: string,
  attempt: () => Promise<T>,
  wait: PropagationWait,
): Promise<T> {
  const started = Date.now();
  let delay = wait.firstDelayMs;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isForbidden(error)) throw error;
      if (Date.now() - started + delay > wait.timeoutMs) {
        const seconds = Math.round((Date.now() - started) / 1000);
        const detail = (error as { code?: string }).code ?? (error as Error).message;
        throw new Error(
          `${what} was refused with HTTP 403 (${detail}) ${attempts} times over ${seconds} s. ` +
            "Azure role assignments can take up to 10 minutes to propagate: run again in a few minutes; " +
            "if it still fails, check the Batch account identity has Storage Blob Data Contributor on the storage account.",
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, wait.maxDelayMs);
    }
  }
}
