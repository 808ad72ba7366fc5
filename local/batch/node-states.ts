/**
 * A compute node's states and the moves between them, in one place: the Fleet refuses any other
 * move (a bug, not a client's mistake), and node operations a client asks for are refused with
 * Batch's 409 codes in the states where Batch refuses them.
 */
import { nodeStateConflict } from "./errors";
import type { ComputeNode, NodeState } from "./model";

/**
 * Every state but leavingpool may go to `starting`: a service restart boots every node again. A
 * booted Spot node may be preempted (`--faults preempt`); it starts again when it comes back.
 */
const NODE_TRANSITIONS: Record<NodeState, readonly NodeState[]> = {
  creating: ["starting", "unusable", "leavingpool"],
  starting: ["waitingforstarttask", "idle", "running", "offline", "unusable", "leavingpool"],
  waitingforstarttask: ["starting", "idle", "running", "offline", "starttaskfailed", "unusable", "leavingpool"],
  idle: ["starting", "running", "offline", "rebooting", "reimaging", "unusable", "preempted", "leavingpool"],
  running: ["starting", "idle", "offline", "rebooting", "reimaging", "unusable", "preempted", "leavingpool"],
  offline: ["starting", "idle", "running", "rebooting", "reimaging", "unusable", "preempted", "leavingpool"],
  starttaskfailed: ["starting", "rebooting", "reimaging", "leavingpool"],
  unusable: ["starting", "rebooting", "reimaging", "leavingpool"],
  preempted: ["starting", "leavingpool"],
  rebooting: ["starting", "unusable", "leavingpool"],
  reimaging: ["starting", "unusable", "leavingpool"],
  leavingpool: [],
};

export function isLegalTransition(from: NodeState, to: NodeState): boolean {
  return from === to || NODE_TRANSITIONS[from].includes(to);
}

/**
 * The state of a node that has booted and may run tasks: running while any task runs on it, else
 * offline when task scheduling is disabled on it, else idle.
 */
export function bootedState(
  node: Pick<ComputeNode, "runningTasksCount" | "schedulingState">,
): "idle" | "running" | "offline" {
  if (node.runningTasksCount > 0) return "running";
  return node.schedulingState === "disabled" ? "offline" : "idle";
}

export const isBooted = (state: NodeState): state is "idle" | "running" | "offline" =>
  state === "idle" || state === "running" || state === "offline";

export type NodeOperation =
  "reboot" | "reimage" | "disablescheduling" | "enablescheduling" | "uploadbatchservicelogs" | "remove";

/**
 * Where Batch takes each operation. Its reference says reboot and reimage need an idle or running
 * node; its troubleshooting pages also reboot or reimage nodes whose start task failed or that are
 * unusable, to recover them, so those are taken too, and an offline node (idle with scheduling
 * disabled) as well.
 */
const ALLOWED: Record<NodeOperation, readonly NodeState[]> = {
  reboot: ["idle", "running", "offline", "starttaskfailed", "unusable"],
  reimage: ["idle", "running", "offline", "starttaskfailed", "unusable"],
  disablescheduling: [
    "starting",
    "waitingforstarttask",
    "idle",
    "running",
    "offline",
    "starttaskfailed",
    "unusable",
    "rebooting",
    "reimaging",
  ],
  enablescheduling: [
    "starting",
    "waitingforstarttask",
    "idle",
    "running",
    "offline",
    "starttaskfailed",
    "unusable",
    "rebooting",
    "reimaging",
  ],
  uploadbatchservicelogs: [
    "starting",
    "waitingforstarttask",
    "idle",
    "running",
    "offline",
    "starttaskfailed",
    "unusable",
    "rebooting",
    "reimaging",
  ],
  remove: [
    "preempted",
    "creating",
    "starting",
    "waitingforstarttask",
    "idle",
    "running",
    "offline",
    "starttaskfailed",
    "unusable",
    "rebooting",
    "reimaging",
  ],
};

/** Throws Batch's 409 for the node's state if the operation is not taken there. */
export function refuseUnlessAllowed(node: ComputeNode, operation: NodeOperation): void {
  if (!ALLOWED[operation].includes(node.state)) throw nodeStateConflict(node.state);
}
