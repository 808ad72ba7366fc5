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

function reap() {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  process.exit(0);
}

process.stdin.on("end", reap);
process.stdin.on("error", reap);
