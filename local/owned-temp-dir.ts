/**
 * Temp folders that say who owns them: each holds an owner file with its process's pid and start
 * time. A process killed with SIGKILL cleans up nothing, so whoever makes the next folder of the
 * same kind removes those whose owner is dead; a folder without an owner file, or whose owner
 * runs, is left alone (another run's, or not ours at all).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const OWNER_FILE = ".owner";

/**
 * The process's start time in clock ticks after boot (/proc/PID/stat field 22), which tells a
 * live owner from a new process that got its pid; undefined if there is no such process.
 */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** "PID START" of this process, as an owner file holds it. */
function ownerLine(pid = process.pid): string {
  return `${pid} ${startTime(pid) ?? "?"}`;
}

async function ownerIsDead(dir: string): Promise<boolean> {
  let line: string;
  try {
    line = (await readFile(path.join(dir, OWNER_FILE), "utf8")).trim();
  } catch {
    return false;
  }
  const [pid, started] = line.split(" ");
  const now = startTime(Number(pid));
  return now === undefined || (started !== "?" && now !== started);
}

/** Removes the folders `<tmpdir>/<prefix>*` whose owner has died; returns them. */
export async function removeStaleTempDirs(prefix: string): Promise<string[]> {
  const base = tmpdir();
  const removed: string[] = [];
  const names = await readdir(base).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    const dir = path.join(base, name);
    if (!(await ownerIsDead(dir))) continue;
    // A folder that cannot go (a file locked on purpose) must not stop this run.
    await rm(dir, { recursive: true, force: true }).then(
      () => removed.push(dir),
      () => undefined,
    );
  }
  return removed;
}

/** A new temp folder `<tmpdir>/<prefix>XXXXXX` owned by this process, after removing dead owners' ones. */
export async function makeOwnedTempDir(prefix: string): Promise<string> {
  await removeStaleTempDirs(prefix);
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await writeFile(path.join(dir, OWNER_FILE), `${ownerLine()}\n`);
  return dir;
}
