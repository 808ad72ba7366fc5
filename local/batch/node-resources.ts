/**
 * The resource metrics a formula reads ($CPUPercent, $MemoryBytes, $DiskBytes, $DiskReadBytes,
 * $DiskWriteBytes, $DiskReadOps, $DiskWriteOps, $WallClockSeconds), measured per node from the
 * processes it runs and combined into one sample of the pool, in the units Microsoft's formula
 * page gives: CPU as a percentage of the node size's vCPUs, memory in megabytes, disk use in
 * gigabytes, the counters as what the sample period added.
 *
 * The page calls CPU, memory and disk use averages, so those are averaged over the pool's nodes;
 * the counters ("the number of bytes read") are summed over them. $NetworkInBytes and
 * $NetworkOutBytes are not measured: local nodes share the machine's network namespace, and
 * Linux counts traffic per interface, not per process, so a node's share cannot be told apart.
 */
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import type { SampledVariable } from "../../shared/autoscale-language/vocabulary";
import type { Fleet } from "./fleet";
import type { ComputeNode, Pool } from "./model";
import { processGroupsOf } from "./process-groups";
import { groupUsage, TICKS_PER_SECOND, uptimeSeconds, type ProcessUsage } from "./proc-usage";
import { vmCores } from "./vm-sizes";

export const RESOURCE_VARIABLES = [
  "$CPUPercent",
  "$MemoryBytes",
  "$DiskBytes",
  "$DiskReadBytes",
  "$DiskWriteBytes",
  "$DiskReadOps",
  "$DiskWriteOps",
  "$WallClockSeconds",
] as const satisfies readonly SampledVariable[];

type ResourceVariable = (typeof RESOURCE_VARIABLES)[number];

export type ResourceMetrics = Record<ResourceVariable, number>;

/** Measured as averages over the nodes; the rest are summed. */
const AVERAGED = new Set<ResourceVariable>(["$CPUPercent", "$MemoryBytes", "$DiskBytes"]);

const MB = 2 ** 20;
const GB = 2 ** 30;

interface Reading {
  /** Real time, ms. */
  at: number;
  processes: Map<string, ProcessUsage>;
}

/** Bytes of the files under a node's directory (what its tasks keep on its disk). */
async function bytesUnder(dir: string): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch {
    return 0;
  }
  const sizes = await Promise.all(
    entries.map((entry) =>
      lstat(path.join(dir, entry)).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

const increase = (now: number, before: number | undefined): number => Math.max(0, now - (before ?? 0));

export class NodeResources {
  /** Each node's last reading, to turn the kernel's running totals into what a period added. */
  private readonly readings = new WeakMap<ComputeNode, Reading>();

  constructor(
    private readonly fleet: Fleet,
    /** The sample period in real time, the span of a node's first reading. */
    private readonly periodMs: number,
  ) {}

  /** One sample of the pool; undefined for a pool without nodes, which has nothing to report. */
  async sample(pool: Pool, nodes: readonly ComputeNode[]): Promise<ResourceMetrics | undefined> {
    if (nodes.length === 0) return undefined;
    const roots = nodes.map((node) => this.fleet.dirs(pool, node).root);
    const groups = new Set(roots.flatMap((root) => [...processGroupsOf(root)]));
    const [processes, uptime, diskBytes] = await Promise.all([
      groupUsage(groups),
      uptimeSeconds(),
      Promise.all(roots.map(bytesUnder)),
    ]);
    const now = Date.now();
    const vcpus = vmCores(pool.vmSize) ?? 1;
    const perNode = nodes.map((node, i) => {
      const own = new Set(processGroupsOf(roots[i]!));
      const mine = processes.filter((p) => own.has(p.group));
      return this.measure(node, mine, { now, uptime, vcpus, diskBytes: diskBytes[i]! });
    });
    const combined = {} as ResourceMetrics;
    for (const name of RESOURCE_VARIABLES) {
      const total = perNode.reduce((sum, m) => sum + m[name], 0);
      combined[name] = AVERAGED.has(name) ? total / perNode.length : total;
    }
    return combined;
  }

  private measure(
    node: ComputeNode,
    processes: ProcessUsage[],
    at: { now: number; uptime: number; vcpus: number; diskBytes: number },
  ): ResourceMetrics {
    const before: Reading = this.readings.get(node) ?? {
      at: at.now - this.periodMs,
      processes: new Map<string, ProcessUsage>(),
    };
    const seconds = Math.max(0.001, (at.now - before.at) / 1000);
    let ticks = 0;
    let rss = 0;
    let wallClock = 0;
    const counters = { read: 0, write: 0, readOps: 0, writeOps: 0 };
    for (const p of processes) {
      const prev = before.processes.get(p.identity);
      ticks += increase(p.cpuTicks, prev?.cpuTicks);
      rss += p.rssBytes;
      counters.read += increase(p.readBytes, prev?.readBytes);
      counters.write += increase(p.writeBytes, prev?.writeBytes);
      counters.readOps += increase(p.readOps, prev?.readOps);
      counters.writeOps += increase(p.writeOps, prev?.writeOps);
      // A node's process (its group's leader) ran for the period, or since it started within it.
      if (p.leader) wallClock += Math.min(seconds, Math.max(0, at.uptime - p.startTicks / TICKS_PER_SECOND));
    }
    this.readings.set(node, { at: at.now, processes: new Map(processes.map((p) => [p.identity, p])) });
    return {
      $CPUPercent: Math.min(100, (ticks / TICKS_PER_SECOND / seconds / at.vcpus) * 100),
      $MemoryBytes: rss / MB,
      $DiskBytes: at.diskBytes / GB,
      $DiskReadBytes: counters.read,
      $DiskWriteBytes: counters.write,
      $DiskReadOps: counters.readOps,
      $DiskWriteOps: counters.writeOps,
      $WallClockSeconds: wallClock,
    };
  }
}
