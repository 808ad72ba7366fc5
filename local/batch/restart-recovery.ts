/**
 * What a restored state needs once the service runs again, having stopped (or been killed) with
 * work under way. The service's stop is treated as every node rebooting at once:
 *
 * - Tasks that were preparing or running are requeued, as Batch does for the tasks of a
 *   rebooting node with nodeRebootOption `requeue`, its default ("Terminate running Task
 *   processes and requeue the Tasks. The Tasks will run again when a Compute Node is available",
 *   Batch REST API, Compute Node - Reboot). The requeue is counted in requeueCount, not
 *   retryCount: Batch retries tasks after a recovery operation without spending their retries.
 *   The subtasks of a multi-instance task's run end with it, as when one of its nodes reboots
 *   while the service runs: a subtask whose coordination command had succeeded succeeded, the
 *   others failed, with no exit code (no process was seen to end). They stay the task's last run
 *   until it runs again.
 * - Nodes boot again and rerun their start task ("A Task which is run when a Node joins a Pool
 *   in the Azure Batch service, or when the Compute Node is rebooted or reimaged", REST API,
 *   StartTask). An unusable node stays unusable: a reboot does not mend a bad disk. A preempted
 *   node has no VM to reboot: it stays preempted until its capacity is back, when it was due
 *   before the stop, and comes back as a new VM then, whether faults are injected now or not.
 *   Batch's evictions follow Azure's capacity, which a stop of the Batch service does not give back.
 * - Completed tasks keep their results, and their files on the node until their retentionTime,
 *   counted from their end, is over: the removals due meanwhile happen at once.
 * - Deletions, terminations and removals that were under way finish; autoscale evaluates again.
 */
import { inBackground } from "./background";
import { backFromPreemption } from "./fault-nodes";
import { setJobState } from "./job-rules";
import type { Job } from "./model";
import { endSubtasks } from "./multi-instance";
import type { Services } from "./routes/services";

export function resumeAfterRestart(s: Services): void {
  for (const job of s.state.jobs.values()) {
    for (const task of s.state.jobTasks(job.id).all.values()) {
      if (task.state === "preparing" || task.state === "running") {
        endSubtasks(s.state.subtasks.of(task), "failure");
        s.state.subtasks.changed(task);
        s.scheduler.requeue(job, task);
      } else if (task.state === "completed") s.scheduler.retainFiles(job, task);
    }
  }
  for (const pool of s.state.pools.values()) {
    if (pool.state === "deleting") {
      inBackground(s.removal.deletePool(pool), `pool ${pool.id}: delete (after restart)`, s.config.log);
      continue;
    }
    for (const node of s.state.poolNodes(pool.id).values()) {
      // Nothing runs on a node that has just booted.
      node.runningTasksCount = 0;
      node.runningTaskSlotsCount = 0;
      if (node.state === "leavingpool")
        inBackground(
          s.removal.removeNode(pool, node, "requeue"),
          `node ${node.id}: removal (after restart)`,
          s.config.log,
        );
      else if (node.state === "preempted")
        inBackground(
          backFromPreemption(s.fleet, pool, node, s.config.log),
          `node ${node.id}: preemption (after restart)`,
          s.config.log,
        );
      else if (node.state !== "unusable") s.fleet.rejoin(pool, node);
    }
    // Nodes a resize had not yet added (or removed) when the service stopped.
    s.fleet.resize(pool, (n) => s.removal.removeNode(pool, n, "requeue"));
    if (pool.enableAutoScale) s.autoscaler.enable(pool);
  }
  for (const job of s.state.jobs.values()) {
    if (job.state === "deleting")
      inBackground(s.rules.delete(job), `job ${job.id}: delete (after restart)`, s.config.log);
    else if (job.state === "terminating") resumeTermination(s, job);
    // Its running tasks were requeued above: nothing of the job runs any more.
    else if (job.state === "disabling") setJobState(job, "disabled");
    else if (job.state === "active") s.rules.jobAdded(job);
  }
  s.scheduler.kick();
}

/** A termination cut short ends now; its tasks were requeued, so terminate takes them off the queue. */
function resumeTermination(s: Services, job: Job): void {
  job.state = "active";
  inBackground(
    s.rules.terminate(job, job.executionInfo.terminateReason ?? "UserTerminate"),
    `job ${job.id}: terminate (after restart)`,
    s.config.log,
  );
}
