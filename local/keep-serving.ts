/**
 * The last resort of the standalone `npm run local` server: a rejection that nothing in the
 * service handled (a bug: the service's own background work is handled, and the lint rule
 * no-floating-promises keeps it so) is logged with its stack and the server keeps serving. Node
 * would otherwise end the process, and every pool, job and running task with it, for one bad
 * request or race.
 *
 * Only the standalone server installs it. Where the service runs inside another program (jest,
 * `npm run ocr`), that program owns its process: a process-wide handler there would also swallow
 * the host's own failures, which must stay loud.
 */
import { describeError, type Log } from "./batch/background";

/** Installs the guard; the function returned removes it. */
export function keepServingOnUnhandledRejections(log: Log): () => void {
  const onRejection = (reason: unknown) =>
    log(`unhandled rejection (a bug in the local service; it keeps serving): ${describeError(reason)}`);
  process.on("unhandledRejection", onRejection);
  return () => process.off("unhandledRejection", onRejection);
}
