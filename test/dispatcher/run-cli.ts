/**
 * Runs the dispatcher CLI as an operator would, as one process (node with tsx's loader, no
 * wrapper process), so a test can kill it hard at a chosen point of its output.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * SIGKILL the dispatcher as soon as its stderr matches this; a function is also asked every
   * 100 ms, for a moment its output does not show (processes it started running).
   */
  killWhen?: RegExp | ((stderr: string) => boolean);
  /** Another command-line program under tasks/ (default: the dispatcher, cli.ts). */
  script?: string;
}

export interface OcrArgs {
  outputs: string;
  input: string;
  out: string;
  jobId: string;
  profile?: string;
  imagesPerTask?: number;
}

/**
 * `npm run ocr`'s arguments for a run against a deployed stack, polling every half second so a
 * test waits little on a local pool. A resume is the same list again, so tests build it once.
 */
export function ocrArgs(a: OcrArgs): string[] {
  return [
    ...["--outputs", a.outputs, "--input", a.input],
    ...(a.profile ? ["--profile", a.profile] : []),
    ...["--out", a.out, "--job-id", a.jobId],
    ...(a.imagesPerTask ? ["--images-per-task", String(a.imagesPerTask)] : []),
    ...["--poll", "0.5"],
  ];
}

export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "tasks", options.script ?? "cli.ts"), ...args],
      {
        cwd: ROOT,
        env: options.env ?? process.env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    const when = options.killWhen;
    const killIfDue = () => {
      const due = when instanceof RegExp ? when.test(stderr) : when?.(stderr);
      if (due && child.exitCode === null) child.kill("SIGKILL");
    };
    const poll = typeof when === "function" ? setInterval(killIfDue, 100) : undefined;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      killIfDue();
    });
    child.on("close", (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
