/**
 * The dispatcher CLI run in the test's own process (tasks/cli.ts runOcrCommand), for what is
 * decided before any service starts: usage errors, bad input, --help. What it writes is kept as
 * an operator's terminal would show it (not a TTY: no colour); run-cli.ts runs it as a process.
 */
import { runOcrCommand } from "../../tasks/cli";
import type { CliRun } from "./run-cli";

export async function ocrInProcess(args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runOcrCommand([process.execPath, "tasks/cli.ts", ...args], {
    stdout: { isTTY: false, write: (text: string) => (stdout += text) },
    stderr: { isTTY: false, write: (text: string) => (stderr += text) },
  });
  return { code, signal: null, stdout, stderr };
}

