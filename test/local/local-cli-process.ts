/**
 * `npm run local` started as a user starts it (tsx local/cli.ts in its own process), so a test
 * sees what a user sees: the printed variables, and the process exiting if the service dies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";

export const ROOT = path.join(__dirname, "..", "..");
export const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

export interface LocalCliProcess {
  child: ChildProcess;
  /** AZURE_* and IDENTITY_* variables as printed. */
  vars: Record<string, string>;
  /** The data directory the ready line names. */
  dataDir: string;
  batch: BatchServiceClient;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** The exit code, once the process has exited (null after a signal). */
  exited: Promise<number | null>;
  /** Whether the process is still running. */
  alive(): boolean;
}

export interface LocalCliOptions {
  readyWithinMs?: number;
  /**
   * The process leads its own process group, so that a test can SIGKILL the whole of it (tsx,
   * the service it starts, Azurite) as a crash would: tsx does not pass SIGKILL on.
   */
  ownProcessGroup?: boolean;
}

export async function startLocalCli(args: string[], options: LocalCliOptions = {}): Promise<LocalCliProcess> {
  const readyWithinMs = options.readyWithinMs ?? 60_000;
  const child = spawn(TSX, ["local/cli.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.ownProcessGroup ?? false,
  });
  let out = "";
  let all = "";
  let running = true;
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    all += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => (all += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running = false;
      resolve(code);
    }),
  );
  const deadline = Date.now() + readyWithinMs;
  while (!out.includes("ready:")) {
    if (!running || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`npm run local did not get ready; printed:\n${all}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const vars = Object.fromEntries(
    out
      .split("\n")
      .filter((l) => /^(AZURE|IDENTITY)_/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const batch = new BatchServiceClient(
    new BatchSharedKeyCredentials(vars.AZURE_BATCH_ACCOUNT!, vars.AZURE_BATCH_ACCESS_KEY!),
    vars.AZURE_BATCH_ENDPOINT!,
  );
  return {
    child,
    vars,
    dataDir: /data in (\S+)/.exec(out)?.[1] ?? "",
    batch,
    output: () => all,
    exited,
    alive: () => running,
  };
}
