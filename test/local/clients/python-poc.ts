/** The proof of concept through the Python azure-batch SDK (batch_poc.py), run by Debian's python3. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { BatchConnection, POC_POOL, PRINT_BATCH_ENV, PocErrors, PocOutcome, PocPlan, WRONG_KEY } from "./poc-outcome";

/** The interpreter that has azure-batch; a pyenv python may come first on PATH. */
export const PYTHON = process.env.BATCH_PYTHON ?? "/usr/bin/python3";
const SCRIPT = join(__dirname, "batch_poc.py");

function runScript<T>(conn: BatchConnection, args: string[], timeoutMs: number): Promise<T> {
  const env = {
    ...process.env,
    AZURE_BATCH_ENDPOINT: conn.endpoint,
    AZURE_BATCH_ACCOUNT: conn.accountName,
    AZURE_BATCH_ACCESS_KEY: conn.accountKey,
  };
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, ...args], { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new Error(`batch_poc.py ${args[0]} failed (${err.code ?? err.signal ?? err.message}): ${stderr.trim()}`),
        );
        return;
      }
      resolve(JSON.parse(stdout) as T);
    });
  });
}

export function runPythonPoc(conn: BatchConnection, plan: PocPlan, timeoutMs: number): Promise<PocOutcome> {
  const args = [
    "poc",
    "--pool-id",
    plan.poolId,
    "--job-id",
    plan.jobId,
    "--nodes",
    String(plan.nodes),
    "--task-ids",
    plan.taskIds.join(","),
    "--vm-size",
    POC_POOL.vmSize,
    "--image",
    POC_POOL.imageUrn,
    "--node-agent-sku-id",
    POC_POOL.nodeAgentSkuId,
    "--command-line",
    PRINT_BATCH_ENV,
    "--timeout",
    String(timeoutMs / 1000),
  ];
  // The script waits up to timeoutMs twice (pool, tasks); the margin covers the other calls.
  return runScript<PocOutcome>(conn, args, 2 * timeoutMs + 30_000);
}

export function pythonPocErrors(conn: BatchConnection, plan: PocPlan): Promise<PocErrors> {
  return runScript<PocErrors>(conn, ["errors", "--job-id", plan.jobId, "--wrong-key", WRONG_KEY], 60_000);
}
