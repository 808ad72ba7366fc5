/**
 * What a client asks of one node: reboot, reimage, disable and enable task scheduling. Each is
 * checked against the node's state (node-states.ts) and answered at once, as Batch answers; the
 * work (tasks requeued, terminated or waited for, then the boot) goes on in the background.
 */
import { inBackground } from "./background";
import { batchError } from "./errors";
import type { Fleet } from "./fleet";
import type { ComputeNode, Job, Pool } from "./model";
import { bootedState, isBooted, refuseUnlessAllowed } from "./node-states";
import { vacateNode, type VacateOption } from "./node-vacate";
import type { Scheduler } from "./scheduler";
import type { Log } from "./background";

export const NODE_REBOOT_OPTIONS = ["requeue", "terminate", "taskcompletion", "retaineddata"] as const;
export const NODE_DISABLE_SCHEDULING_OPTIONS = ["requeue", "terminate", "taskcompletion"] as const;

export class NodeOperations {
  constructor(
    private readonly fleet: Fleet,
    private readonly scheduler: Scheduler,
    private readonly log: Log,
    private readonly jobs: () => Iterable<Job>,
  ) {}

  /**
   * The node is rebooting (or reimaging) from now on, so no task is placed on it; its tasks leave
   * as the option says, then it boots again: start task rerun, a new lastBootTime.
   */
  restart(pool: Pool, node: ComputeNode, how: "reboot" | "reimage", option: VacateOption): void {
    refuseUnlessAllowed(node, how);
    const marked = how === "reboot" ? "rebooting" : "reimaging";
    this.fleet.setState(node, marked);
    this.fleet.serviceLog.record(node.id, `${how} requested (${option})`);
    this.scheduler.prepRelease.nodeRestarted(this.jobs(), node, how === "reimage");
    const work = (async () => {
      await vacateNode(this.scheduler, node, option);
      // Removed from the pool (or the service stopped) while its tasks ended.
      if (node.state !== marked) return;
      await this.fleet.restart(pool, node, how === "reimage");
    })();
    inBackground(work, `node ${node.id}: ${how}`, this.log);
  }

  disableScheduling(node: ComputeNode, option: VacateOption): void {
    refuseUnlessAllowed(node, "disablescheduling");
    if (node.schedulingState === "disabled") throw batchError("NodeAlreadyInTargetSchedulingState");
    node.schedulingState = "disabled";
    this.fleet.serviceLog.record(node.id, `task scheduling disabled (${option})`);
    // A node with tasks goes offline when the last one ends (the scheduler sets it then).
    if (isBooted(node.state)) this.fleet.setState(node, bootedState(node));
    inBackground(vacateNode(this.scheduler, node, option), `node ${node.id}: disable scheduling`, this.log);
  }

  enableScheduling(node: ComputeNode): void {
    refuseUnlessAllowed(node, "enablescheduling");
    if (node.schedulingState === "enabled") throw batchError("NodeAlreadyInTargetSchedulingState");
    node.schedulingState = "enabled";
    this.fleet.serviceLog.record(node.id, "task scheduling enabled");
    if (isBooted(node.state)) this.fleet.setState(node, bootedState(node));
    this.scheduler.kick();
  }
}
