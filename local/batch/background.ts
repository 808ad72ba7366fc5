/**
 * Work the service starts and does not wait for: a node booting, a pool or job being deleted
 * after its request was answered, a timer's cleanup. A failure of such work is logged with its
 * stack instead of becoming an unhandled rejection, which would end the service and every pool
 * and job in it.
 */
export type Log = (line: string) => void;

/** An error as a log line wants it: the stack where there is one. */
export function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

export function inBackground(work: Promise<unknown>, what: string, log: Log): void {
  work.catch((err: unknown) => log(`${what} failed unexpectedly: ${describeError(err)}`));
}
