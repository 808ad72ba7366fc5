/**
 * A command-line program run in the test's own process, for what it decides before any service
 * starts: usage errors, bad input, --help. What it writes is kept as an operator's terminal would
 * show it (not a TTY: no colour); run-cli.ts runs a program as a process.
 */
import { runAutoscale } from "../../tasks/autoscale-cli";
import { runOcrCommand } from "../../tasks/cli";
import type { CommandIo } from "../../tasks/terminal";
import type { CliRun } from "./run-cli";

async function inProcess(
  script: string,
  args: string[],
  run: (argv: string[], io: CommandIo) => Promise<number>,
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await run([process.execPath, script, ...args], {
    stdout: { isTTY: false, write: (text: string) => (stdout += text) },
    stderr: { isTTY: false, write: (text: string) => (stderr += text) },
  });
  return { code, signal: null, stdout, stderr };
}

/** `npm run ocr -- ARGS`, in-process. */
export const ocrInProcess = (args: string[]) => inProcess("tasks/cli.ts", args, runOcrCommand);

/** `npm run autoscale -- ARGS`, in-process; `env` is where it reads keys (AZURE_BATCH_ACCESS_KEY). */
export const autoscaleInProcess = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  inProcess("tasks/autoscale-cli.ts", args, (argv, io) => runAutoscale(argv, io, env));
