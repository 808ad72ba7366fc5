/**
 * A VM size's cores, for the node's reported size and the default process cap. Local nodes are
 * directories, not VMs: the count is what the size would give on Azure, read from its name as the
 * Pulumi program's config check reads it.
 */
import { taskSlotLimit, vcpusOf } from "../../shared/vm-sizes";

/** Cores of a size (`Standard_D16as_v5` → 16); undefined for a name that carries no count. */
export function vmCores(vmSize: string): number | undefined {
  return vcpusOf(vmSize);
}

/** Batch's limit on task slots per node: 4 × cores, at most 256. */
export function maxTaskSlots(vmSize: string): number {
  return taskSlotLimit(vcpusOf(vmSize) ?? 1);
}
