/**
 * What the kernel counts for the processes of some process groups, read from /proc (Linux).
 *
 * Read directly rather than through a library such as `pidusage`: that takes pids, not process
 * groups, and reads neither /proc/PID/io nor a process's group, so it would still need this scan.
 */
import { readdir, readFile } from "node:fs/promises";

/** USER_HZ, the unit of /proc's CPU times: 100 on every Linux ABI Node runs on. */
export const TICKS_PER_SECOND = 100;

export interface ProcessUsage {
  /** The process, with its start time so a reused pid is a new process. */
  identity: string;
  /** Its process group. */
  group: number;
  /** Whether it leads its group (the process the node started). */
  leader: boolean;
  /** When it started, in ticks since boot. */
  startTicks: number;
  /** User and system CPU time, in ticks. */
  cpuTicks: number;
  /** Resident memory. */
  rssBytes: number;
  /** Bytes the process made the storage layer fetch and send (`read_bytes`, `write_bytes`). */
  readBytes: number;
  writeBytes: number;
  /** Read and write system calls (`syscr`, `syscw`). */
  readOps: number;
  writeOps: number;
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

const field = (text: string, name: string): number => {
  const m = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : 0;
};

async function usageOf(pid: string, groups: ReadonlySet<number>): Promise<ProcessUsage | undefined> {
  const stat = statFields(await readFile(`/proc/${pid}/stat`, "utf8"));
  // proc(5): state is field 3, pgrp 5, utime 14, stime 15, starttime 22; the slice starts at 3.
  const group = Number(stat[2]);
  if (!groups.has(group) || stat[0] === "Z") return undefined;
  const [status, io] = await Promise.all([
    readFile(`/proc/${pid}/status`, "utf8"),
    readFile(`/proc/${pid}/io`, "utf8").catch(() => ""),
  ]);
  return {
    identity: `${pid}@${stat[19]}`,
    group,
    leader: Number(pid) === group,
    startTicks: Number(stat[19]),
    cpuTicks: Number(stat[11]) + Number(stat[12]),
    rssBytes: field(status, "VmRSS") * 1024,
    readBytes: field(io, "read_bytes"),
    writeBytes: field(io, "write_bytes"),
    readOps: field(io, "syscr"),
    writeOps: field(io, "syscw"),
  };
}

/** Seconds since boot, the clock of `startTicks`. */
export async function uptimeSeconds(): Promise<number> {
  return Number((await readFile("/proc/uptime", "utf8")).split(" ")[0]);
}

/** Every live process in one of the groups: one scan of /proc for all of them. */
export async function groupUsage(groups: ReadonlySet<number>): Promise<ProcessUsage[]> {
  if (groups.size === 0) return [];
  const pids = (await readdir("/proc")).filter((entry) => /^\d+$/.test(entry));
  const usages = await Promise.all(
    pids.map((pid) =>
      // A process that ended while we looked has nothing left to count.
      usageOf(pid, groups).catch(() => undefined),
    ),
  );
  return usages.filter((u): u is ProcessUsage => u !== undefined);
}
