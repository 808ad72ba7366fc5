/**
 * Runs `az batch …` offline against a Batch endpoint: no login (account, key and endpoint come
 * from the AZURE_BATCH_* variables), a throwaway config dir, telemetry and update notices off.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchConnection, ClientError } from "./poc-outcome";

/** Debian's azure-cli; its shebang is /usr/bin/python3, so a pyenv python earlier on PATH does not matter. */
export const AZ = process.env.AZ_CLI ?? "/usr/bin/az";

export interface AzResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface AzCli {
  /** Runs a command; resolves whatever its exit code. */
  run(args: string[], key?: string): Promise<AzResult>;
  /** Runs a command with `-o json` and parses stdout; rejects on a non-zero exit. */
  json<T>(args: string[]): Promise<T>;
  /** Runs a command that must succeed and prints nothing useful. */
  ok(args: string[]): Promise<void>;
  /** Runs a command that must fail and reports the error as az shows it (see `errorFromDebug`). */
  error(args: string[], key?: string): Promise<ClientError>;
  dispose(): void;
}

export function azCli(conn: BatchConnection, timeoutMs = 60_000): AzCli {
  const configDir = mkdtempSync(join(tmpdir(), "az-config-"));
  const env = (key: string): NodeJS.ProcessEnv => ({
    ...process.env,
    AZURE_CONFIG_DIR: configDir,
    AZURE_CORE_COLLECT_TELEMETRY: "0",
    AZURE_CORE_ONLY_SHOW_ERRORS: "1",
    AZURE_CORE_NO_COLOR: "1",
    AZURE_BATCH_ACCOUNT: conn.accountName,
    AZURE_BATCH_ACCESS_KEY: key,
    AZURE_BATCH_ENDPOINT: conn.endpoint,
  });

  const run = (args: string[], key = conn.accountKey): Promise<AzResult> =>
    new Promise((resolve, reject) => {
      execFile(AZ, args, { env: env(key), timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") {
          reject(new Error(`az ${args.join(" ")} did not run: ${err.message}`));
          return;
        }
        resolve({ exitCode: typeof err?.code === "number" ? err.code : 0, stdout, stderr });
      });
    });

  const mustSucceed = async (args: string[]): Promise<AzResult> => {
    const result = await run(args);
    if (result.exitCode !== 0) {
      throw new Error(`az ${args.join(" ")} exited ${result.exitCode}: ${result.stderr.trim()}`);
    }
    return result;
  };

  return {
    run,
    async json<T>(args: string[]): Promise<T> {
      const { stdout } = await mustSucceed([...args, "-o", "json"]);
      return JSON.parse(stdout) as T;
    },
    async ok(args: string[]): Promise<void> {
      await mustSucceed([...args, "-o", "none"]);
    },
    async error(args: string[], key?: string): Promise<ClientError> {
      const result = await run([...args, "--debug"], key);
      if (result.exitCode === 0) throw new Error(`az ${args.join(" ")} was expected to fail but succeeded`);
      return errorFromDebug(result.stderr);
    },
    dispose(): void {
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/**
 * az prints only the first line(s) of Batch's message (`ERROR: <message.value>`); with --debug its
 * log also holds the HTTP status (urllib3's request line) and the error code (the SDK's `Code: X`).
 */
export function errorFromDebug(stderr: string): ClientError {
  const statuses = [...stderr.matchAll(/"[A-Z]+ \/\S* HTTP\/1\.1" (\d{3})/g)].map((m) => Number(m[1]));
  const code = /^Code: (\S+)$/m.exec(stderr)?.[1];
  // In --debug mode the message comes through the CLI's error logger; without it, as `ERROR: <message>`.
  const message =
    /^ERROR: cli\.azure\.cli\.core\.azclierror: (.*)$/m.exec(stderr)?.[1] ??
    /^ERROR: (.*)$/m.exec(stderr)?.[1] ??
    stderr.trim();
  return { status: statuses.at(-1), code, message };
}
