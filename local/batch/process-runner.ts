/**
 * Runs one task (or start task) process as a Batch node agent would: the command line split into
 * words without a shell, stdout and stderr into stdout.txt and stderr.txt, a wall-clock limit,
 * and the whole process group killed on termination so a `bash -c` child does not outlive it.
 */
import { spawn } from "node:child_process";
import { open } from "node:fs/promises";
import path from "node:path";
import { reapOnParentDeath } from "../orphan-watch";
import { commandLineArgv } from "./command-line";
import { setLongTimeout } from "./long-timer";
import { trackProcessGroup } from "./process-groups";

export interface ProcessSpec {
  commandLine: string;
  /** Where stdout.txt and stderr.txt go (the task directory). */
  taskDir: string;
  /** The process's working directory (the task's `wd`). */
  workingDir: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

export interface ProcessOutcome {
  /** Exit code; a process that could not start gets none, and `startError` says why. */
  exitCode?: number;
  startError?: string;
  timedOut: boolean;
  killed: boolean;
}

export interface RunningProcess {
  done: Promise<ProcessOutcome>;
  kill(): void;
}

export function runProcess(spec: ProcessSpec): RunningProcess {
  let child: ReturnType<typeof spawn> | undefined;
  let killed = false;
  let timedOut = false;
  const killGroup = () => {
    if (child?.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };

  const done = (async (): Promise<ProcessOutcome> => {
    const stdout = await open(path.join(spec.taskDir, "stdout.txt"), "w");
    const stderr = await open(path.join(spec.taskDir, "stderr.txt"), "w");
    try {
      const [program, ...args] = commandLineArgv(spec.commandLine);
      if (program === undefined) return { startError: "The command line is empty.", timedOut, killed };
      if (killed) return { timedOut, killed };
      const proc = spawn(program, args, {
        cwd: spec.workingDir,
        env: spec.env,
        stdio: ["ignore", stdout.fd, stderr.fd],
        detached: true,
      });
      child = proc;
      // detached: the process leads its own group, whose id is its pid.
      const forget = proc.pid === undefined ? () => undefined : reapOnParentDeath("group", proc.pid);
      proc.once("exit", forget);
      proc.once("exit", trackProcessGroup(spec.env.AZ_BATCH_NODE_ROOT_DIR, proc.pid));
      const timer = Number.isFinite(spec.timeoutMs)
        ? setLongTimeout(() => {
            timedOut = true;
            killGroup();
          }, spec.timeoutMs)
        : undefined;
      return await new Promise<ProcessOutcome>((resolve) => {
        proc.once("error", (err) => {
          timer?.clear();
          resolve({ startError: `${program}: ${err.message}`, timedOut, killed });
        });
        proc.once("exit", (code, signal) => {
          timer?.clear();
          // A killed process has no code; 137 is what a node agent reports for SIGKILL.
          resolve({ exitCode: code ?? (signal === "SIGKILL" ? 137 : 1), timedOut, killed });
        });
      });
    } finally {
      await stdout.close();
      await stderr.close();
    }
  })();

  return {
    done,
    kill() {
      killed = true;
      killGroup();
    },
  };
}
