// The reaper: started by a process that starts others (Azurite, task process groups), told over
// its stdin which ones are alive ("+g PGID", "-g PGID", "+p PID", "-p PID"), and when that stdin
// closes, kills those still registered and exits. The kernel closes the pipe when its writer
// dies, however it dies (SIGKILL included), so this needs no polling and cannot miss a death
// or mistake a reused pid for the parent. Plain JavaScript: it runs under bare node, no loader.
"use strict";
const groups = new Set();
const pids = new Set();
let pending = "";

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  pending += chunk;
  const lines = pending.split("\n");
  pending = lines.pop();
  for (const line of lines) {
    const [op, kind, id] = [line[0], line[1], Number(line.slice(3))];
    if (!Number.isInteger(id) || id <= 1) continue;
    const set = kind === "g" ? groups : pids;
    if (op === "+") set.add(id);
    else set.delete(id);
  }
});

/** Milliseconds a single process (Azurite) has to end on SIGTERM before it is killed. */
const GRACE_MS = 5000;

function signal(target, name) {
  try {
    process.kill(target, name);
    return true;
  } catch {
    return false; // Already gone.
  }
}

// Task process groups are killed at once: their work is requeued. A single process (Azurite) is
// asked to end first, so it saves the blobs of the last seconds to its --location (killed, it
// loses them, and with them tasks' result records), and killed only if it does not.
function reap() {
  for (const pgid of groups) signal(-pgid, "SIGKILL");
  const asked = [...pids].filter((pid) => signal(pid, "SIGTERM"));
  if (asked.length === 0) process.exit(0);
  const started = Date.now();
  const check = setInterval(() => {
    const alive = asked.filter((pid) => signal(pid, 0));
    if (alive.length > 0 && Date.now() - started < GRACE_MS) return;
    for (const pid of alive) signal(pid, "SIGKILL");
    clearInterval(check);
    process.exit(0);
  }, 100);
}

process.stdin.on("end", reap);
process.stdin.on("error", reap);
