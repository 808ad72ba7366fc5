/**
 * What this process starts does not outlive it: Azurite and each task's process group are
 * registered with one reaper process per service process (local/orphan-reaper.js), which kills
 * them when this process dies, also on SIGKILL, where no exit handler runs. Task processes run
 * in their own process groups (so a kill reaches a `bash -c` child), which also takes them out
 * of reach of a terminal's Ctrl-C: without the reaper they ran on for minutes after the
 * dispatcher was gone.
 */
import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import path from "node:path";
import type { Writable } from "node:stream";

let channel: Writable | undefined;

function reaper(): Writable {
  if (channel) return channel;
  const child = spawn(process.execPath, [path.join(__dirname, "orphan-reaper.js")], {
    stdio: ["pipe", "ignore", "ignore"],
    // Its own session: a Ctrl-C or a group kill aimed at this process does not end it first.
    detached: true,
  });
  // Neither the reaper nor its pipe keeps this process alive; when this process ends, the pipe closes.
  child.unref();
  (child.stdin as unknown as Socket).unref();
  // A reaper that could not start must not end the service: it only loses the parent-death watch.
  child.stdin.on("error", () => undefined);
  child.once("error", () => undefined);
  channel = child.stdin;
  return channel;
}

/** Kills the process group (`group`) or the process when this process dies; call the result once it has ended. */
export function reapOnParentDeath(kind: "group" | "process", pid: number): () => void {
  const tag = kind === "group" ? "g" : "p";
  reaper().write(`+${tag} ${pid}\n`);
  return () => reaper().write(`-${tag} ${pid}\n`);
}
