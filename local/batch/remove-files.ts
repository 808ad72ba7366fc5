/**
 * Removing the files of a node, job or task. Their processes have been ended and waited for by
 * then, but two removals can still overlap (a task's folder inside its node's, a job's on a node
 * that leaves) and a just-killed process group can finish a last write, so the errors that go
 * away on a second try (ENOTEMPTY, EBUSY, EPERM…) are retried. A failure is the caller's to
 * report on the entity; it is never thrown, so that it can never end the service.
 */
import { rm } from "node:fs/promises";
import type { Log } from "./background";

const RETRIES = 5;
/** Node waits this, then twice this, … between tries: 1.5 s in all at most. */
const RETRY_DELAY_MS = 100;

/** Resolves with why `dir` could not be removed (also logged), or undefined once it is gone. */
export async function removeFiles(dir: string, whose: string, log: Log): Promise<string | undefined> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: RETRIES, retryDelay: RETRY_DELAY_MS });
    return undefined;
  } catch (err) {
    const why = `the files of ${whose} could not be removed: ${(err as Error).message}`;
    log(why);
    return why;
  }
}
