/**
 * Whether a node can still take work: after a task fails there, the node's task disk is tried
 * (a directory made, a small file written and synced), as a Batch node agent watches its own
 * disk. A node that fails this is at fault, not the task: it becomes `unusable` with the error
 * Batch reports in ComputeNode.errors, and the task goes to another node.
 */
import { randomBytes } from "node:crypto";
import { open, rm } from "node:fs/promises";
import path from "node:path";
import { makeDirectory } from "../task-files/make-directory";
import type { ComputeNodeError } from "./model";
import type { NodeDirs } from "./node-layout";

/** Enough to need a free data block on any file system (an empty file needs only an inode). */
const PROBE_BYTES = 64 * 1024;

/** Batch documents no node error codes for a bad task disk; these name the cause as the task failure codes do. */
function nodeError(code: string | undefined, where: string, reason: string): ComputeNodeError {
  const errorDetails = [
    { name: "Path", value: where },
    { name: "Reason", value: reason },
  ];
  if (code === "ENOSPC" || code === "EDQUOT")
    return { code: "DiskFull", message: "There is not enough disk space on the node to run tasks", errorDetails };
  if (code === "EROFS") return { code: "DiskReadOnly", message: "The node's task disk is read-only", errorDetails };
  return {
    code: "TaskDirectoryNotWritable",
    message: "The node cannot create or write its task directories",
    errorDetails,
  };
}

/** Undefined if the node's task disk takes a new directory and file; else why not, as a node error. */
export async function nodeDiskFault(node: NodeDirs): Promise<ComputeNodeError | undefined> {
  const workitems = path.join(node.root, "workitems");
  const probe = path.join(workitems, `.health-${randomBytes(4).toString("hex")}`);
  let where = workitems;
  try {
    await makeDirectory(workitems);
    where = probe;
    const handle = await open(probe, "wx");
    try {
      await handle.write(Buffer.alloc(PROBE_BYTES));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return undefined;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return nodeError(e.code, where, e.message);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/** What a node that `--faults bad-node` spoils reports: a full task disk, the commonest real cause. */
export const injectedDiskFault = (node: NodeDirs): ComputeNodeError =>
  nodeError("ENOSPC", path.join(node.root, "workitems"), "injected fault (--faults bad-node)");
