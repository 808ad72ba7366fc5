/**
 * Node faults of the local Batch service (`--faults`), checked once a second over the fleet:
 *
 * - preemption: a booted Spot/low-priority node is evicted at the rate the spec sets (Batch never
 *   preempts dedicated nodes). It turns `preempted`, its tasks are requeued (requeueCount counts
 *   them) and run on another node, and after `preempt-for` seconds it comes back as a fresh VM:
 *   disk wiped, start task run again, as Batch restores Spot capacity.
 * - a node going bad: a node running a task becomes `unusable` with a full task disk, as
 *   node-health.ts finds one, and its tasks go to healthy nodes, counted neither as retries nor
 *   as requeues. Never the last node of its pool that could run them, so a job still finishes.
 *   The number is for the state's life: nodes spoiled before a restart on the same `--data`
 *   count against it.
 *
 * Which node and when follow the seeded draws; the ticks follow the clock, so a replay with the
 * same seed makes the same decisions in the same order, not at the same instants.
 */
import { inBackground, type Log } from "./background";
import type { Draw, FaultDice } from "./fault-dice";
import type { FaultSpec } from "./fault-spec";
import type { Fleet } from "./fleet";
import { waitLong } from "./long-timer";
import type { ComputeNode, Pool } from "./model";
import { injectedDiskFault } from "./node-health";
import { isBooted } from "./node-states";
import { vacateNode } from "./node-vacate";
import type { Scheduler } from "./scheduler";
import type { BatchState } from "./state";

const TICK_MS = 1000;

export interface NodeFaultParts {
  state: BatchState;
  fleet: Fleet;
  scheduler: Scheduler;
  log: Log;
}

export class NodeFaults {
  /** Nodes faulted since this start; the bad-node budget spent over restarts is state.injectedBadNodes. */
  readonly injected = { preempted: 0, bad: 0 };
  private readonly timer: NodeJS.Timeout;
  private readonly closing = new AbortController();
  private readonly preemptDraw: Draw;
  private readonly preemptChance: number;

  constructor(
    private readonly parts: NodeFaultParts,
    private readonly spec: FaultSpec,
    dice: FaultDice,
  ) {
    this.preemptDraw = dice.stream("preempt");
    // The chance of at least one eviction in a tick, for evictions that come at a steady rate.
    this.preemptChance = 1 - Math.exp(-(spec.preemptPerMinute * TICK_MS) / 60_000);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.closing.abort();
  }

  private tick(): void {
    for (const pool of this.parts.state.pools.values()) {
      if (pool.state !== "active") continue;
      const nodes = [...this.parts.state.poolNodes(pool.id).values()];
      if (this.spec.preemptPerMinute > 0)
        for (const node of nodes)
          if (!node.isDedicated && isBooted(node.state) && this.preemptDraw() < this.preemptChance)
            this.preempt(pool, node);
      if (this.parts.state.injectedBadNodes < this.spec.badNodes) {
        const canWork = (n: ComputeNode) => n.state === "idle" || n.state === "running";
        const victim = nodes.find((n) => n.state === "running" && nodes.some((o) => o !== n && canWork(o)));
        if (victim) this.spoil(pool, victim);
      }
    }
  }

  private preempt(pool: Pool, node: ComputeNode): void {
    const { fleet, scheduler, state, log } = this.parts;
    this.injected.preempted += 1;
    node.preemptedUntil = new Date(Date.now() + this.spec.preemptedForSeconds * 1000).toISOString();
    fleet.setState(node, "preempted");
    fleet.serviceLog.record(node.id, "preempted (injected fault)");
    log(`fault: node ${node.id} of pool ${pool.id} preempted; back in ${this.spec.preemptedForSeconds} s`);
    // It comes back as a new VM: a job preparation task runs on it again.
    scheduler.prepRelease.nodeRestarted(state.jobs.values(), node, true);
    const work = (async () => {
      await vacateNode(scheduler, node, "requeue");
      await backFromPreemption(fleet, pool, node, log, this.closing.signal);
    })().catch((err: unknown) => {
      if (!this.closing.signal.aborted) throw err;
    });
    inBackground(work, `node ${node.id}: preemption`, log);
  }

  private spoil(pool: Pool, node: ComputeNode): void {
    const { fleet, scheduler, state, log } = this.parts;
    this.injected.bad += 1;
    // Counted, not found from the unusable nodes a restart brings back: a spoiled node rebooted
    // to health or removed by a resize (which takes unusable nodes first) has still spent its share.
    state.injectedBadNodes += 1;
    const error = injectedDiskFault(fleet.dirs(pool, node));
    fleet.markUnusable(node, error);
    log(`fault: node ${node.id} of pool ${pool.id} unusable (${error.code}); its tasks go to other nodes`);
    inBackground(vacateNode(scheduler, node, "recover"), `node ${node.id}: gone bad`, log);
  }
}

/**
 * Brings a preempted node back as a fresh VM (disk wiped, start task run) once its capacity is,
 * at node.preemptedUntil, or at once if that has passed. Resolves once it has booted again, or
 * at once if it left the pool meanwhile.
 */
export async function backFromPreemption(
  fleet: Fleet,
  pool: Pool,
  node: ComputeNode,
  log: Log,
  signal?: AbortSignal,
): Promise<void> {
  const due = Date.parse(node.preemptedUntil ?? "");
  // The wait keeps no process alive: a service stopped meanwhile brings the node back at its next start.
  await waitLong(Number.isNaN(due) ? 0 : Math.max(0, due - Date.now()), signal);
  if (node.state !== "preempted") return;
  delete node.preemptedUntil;
  log(`fault: node ${node.id} of pool ${pool.id} back from preemption`);
  await fleet.restart(pool, node, true);
}
