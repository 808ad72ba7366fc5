/**
 * Each local node's own loopback address. Linux answers every 127.x.y.z on its loopback
 * interface, so a distinct address per node reaches this machine as a node's IP reaches the
 * node on Batch, and a multi-instance task's host list names each of its nodes apart (an MPI
 * launcher given one address N times would see one host). 127.0.0.1 stays the service's own.
 */
import type { BatchState } from "./state";

const FIRST = 2;
/** 127.0.0.2 … 127.255.255.254: more than any number of local nodes. */
const LAST = 2 ** 24 - 2;

const addressOf = (n: number): string => `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

/** The lowest loopback address no node of any pool holds, so addresses stay short and are reused after nodes leave. */
export function freeLoopbackAddress(state: BatchState): string {
  const taken = new Set<string>();
  for (const nodes of state.nodes.values()) for (const node of nodes.values()) taken.add(node.ipAddress);
  for (let n = FIRST; n <= LAST; n++) {
    if ((n & 255) === 0 || (n & 255) === 255) continue;
    const address = addressOf(n);
    if (!taken.has(address)) return address;
  }
  throw new Error("no loopback address left for a new node");
}
