/** How Batch reports a task process that did not succeed, from how it ended. */
import type { TaskFailureInfo } from "../task-files/types";
import type { ProcessOutcome } from "./process-runner";

export function failureOf(outcome: ProcessOutcome): TaskFailureInfo | undefined {
  if (outcome.startError) return { category: "usererror", code: "CommandProgramNotFound", message: outcome.startError };
  if (outcome.timedOut) return { category: "usererror", code: "MaxWallClockTimeExpiry", message: "The task exceeded its maximum wall clock time and was terminated." };
  if (outcome.exitCode !== 0) return { category: "usererror", code: "FailureExitCode", message: "The task process exited with an unexpected exit code" };
  return undefined;
}
