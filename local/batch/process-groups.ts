/**
 * The process groups each local node is running (tasks, start tasks, job preparation and release,
 * multi-instance subtasks), so the autoscaler can measure a node's CPU, memory and disk I/O from
 * /proc as a node agent measures its VM.
 *
 * Kept by node root directory, which every process a node starts carries in its environment
 * (`AZ_BATCH_NODE_ROOT_DIR`, as on Batch): the four places that start processes need no extra
 * wiring, and two services in one test process never share a root.
 */
const groups = new Map<string, Set<number>>();

export function trackProcessGroup(nodeRoot: string | undefined, groupId: number | undefined): () => void {
  if (nodeRoot === undefined || groupId === undefined) return () => undefined;
  let ids = groups.get(nodeRoot);
  if (!ids) groups.set(nodeRoot, (ids = new Set()));
  ids.add(groupId);
  return () => {
    ids.delete(groupId);
    if (ids.size === 0 && groups.get(nodeRoot) === ids) groups.delete(nodeRoot);
  };
}

/** The ids of the process groups a node's processes lead, now. */
export function processGroupsOf(nodeRoot: string): ReadonlySet<number> {
  return groups.get(nodeRoot) ?? new Set();
}
