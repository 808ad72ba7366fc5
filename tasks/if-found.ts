/**
 * "Not there" as a value: what a call asked for does not exist (404: BlobNotFound,
 * ContainerNotFound, JobNotFound, PoolNotFound...) is an answer the dispatcher acts on, not a
 * failure. Both SDKs' errors carry the status as `statusCode`.
 */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: unknown } | undefined)?.statusCode === 404;
}

/** The call's value, or undefined when the service says there is no such thing. */
export async function ifFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
