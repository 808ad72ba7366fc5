/**
 * Clearing a node of its tasks before it reboots, is reimaged, stops taking tasks or leaves its
 * pool, as the operation's option says: requeue them (they run again elsewhere, or here later),
 * terminate them, or let them run to completion. The node must already take no new task.
 */
import type { ComputeNode } from "./model";
import type { Scheduler } from "./scheduler";

/** Batch's options; `retaineddata` waits only for the tasks here, not for their retention to end. */
export type VacateOption = "requeue" | "terminate" | "taskcompletion" | "retaineddata";

/** `recover` (not a client's option): the node went bad, its tasks go elsewhere uncounted. */
export async function vacateNode(
  scheduler: Scheduler,
  node: ComputeNode,
  option: VacateOption | "recover",
): Promise<void> {
  if (option === "taskcompletion" || option === "retaineddata") return scheduler.settledOn(node);
  await Promise.all(scheduler.tasksOn(node).map(({ job, task }) => scheduler.stop(job, task, option)));
}
