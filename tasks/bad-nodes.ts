/**
 * Naming the nodes that Batch gives no more work to (unusable, start task failed) while the job
 * goes on elsewhere, so an operator knows which node to look at and why, before the pool as a
 * whole is in trouble.
 */
import type { PoolNode } from "./pool";

/** States in which a node that was meant to run tasks runs none until someone acts on it. */
const BAD_STATES = new Set(["unusable", "starttaskfailed"]);

function why(node: PoolNode): string {
  if (node.state === "starttaskfailed") {
    const info = node.startTaskInfo;
    return (
      info?.failureInfo?.message ??
      (info?.exitCode !== undefined ? `the start task exited with ${info.exitCode}` : "the start task failed")
    );
  }
  const errors = node.errors ?? [];
  if (errors.length === 0) return "no reason given";
  return errors
    .map((e) => {
      const details = (e.errorDetails ?? []).map((d) => `${d.name}: ${d.value}`).join("; ");
      return `${e.code ?? "error"}: ${e.message ?? ""}${details ? ` (${details})` : ""}`;
    })
    .join("; ");
}

/** One line per node newly seen bad (`reported` remembers them across polls). */
export function badNodeLines(poolId: string, nodes: readonly PoolNode[], reported: Set<string>): string[] {
  const lines: string[] = [];
  for (const node of nodes) {
    if (!BAD_STATES.has(node.state ?? "") || node.id === undefined || reported.has(node.id)) continue;
    reported.add(node.id);
    lines.push(
      `node ${node.id} of pool ${poolId} is ${node.state}: ${why(node)}; it gets no new tasks and its tasks run on the other nodes. ` +
        `Remove it (az batch node delete --pool-id ${poolId} --node-list ${node.id}) or reboot it (az batch node reboot --pool-id ${poolId} --node-id ${node.id}) once the cause is fixed`,
    );
  }
  return lines;
}
