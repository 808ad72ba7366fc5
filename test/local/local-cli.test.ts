/**
 * `npm run local` as a user runs it: the variables printed, a real client using them, a clean
 * stop on SIGTERM that leaves no process or temp data behind.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { BlobServiceClient } from "@azure/storage-blob";
import { ROOT, startLocalCli, TSX } from "./local-cli-process";

test("prints the Batch, identity and storage variables, serves them, and stops cleanly on SIGTERM", async () => {
  const { child, vars, dataDir, batch, exited } = await startLocalCli(["--max-processes", "1"]);
  expect(Object.keys(vars).sort()).toEqual([
    "AZURE_BATCH_ACCESS_KEY",
    "AZURE_BATCH_ACCOUNT",
    "AZURE_BATCH_ENDPOINT",
    "AZURE_STORAGE_CONNECTION_STRING",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
  ]);
  expect(dataDir && existsSync(dataDir)).toBeTruthy();

  await batch.job.add({ id: "cli-job", poolInfo: { poolId: "none" } });
  expect((await batch.job.list()).map((j) => j.id)).toEqual(["cli-job"]);
  const issued = await fetch(
    `${vars.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=${encodeURIComponent("https://batch.core.windows.net/")}`,
    { headers: { "x-identity-header": vars.IDENTITY_HEADER! } },
  );
  const { access_token } = (await issued.json()) as { access_token: string };
  const listed = await fetch(`${vars.AZURE_BATCH_ENDPOINT}/jobs?api-version=2025-06-01`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  expect(listed.status).toBe(200);
  const container = BlobServiceClient.fromConnectionString(vars.AZURE_STORAGE_CONNECTION_STRING!).getContainerClient(
    "cli-check",
  );
  await container.create();
  expect(await container.exists()).toBe(true);

  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(existsSync(dataDir)).toBe(false);
});

test("--help lists the options and bad values are refused", async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; text: string }>((resolve) => {
      const c = spawn(TSX, ["local/cli.ts", ...args], { cwd: ROOT });
      let text = "";
      c.stdout.on("data", (d: Buffer) => (text += d.toString()));
      c.stderr.on("data", (d: Buffer) => (text += d.toString()));
      c.once("exit", (code) => resolve({ code, text }));
    });
  const help = await run(["--help"]);
  expect(help.code).toBe(0);
  for (const flag of ["--batch-port", "--blob-port", "--data", "--max-processes", "--verbose"])
    expect(help.text).toContain(flag);
  const bad = await run(["--batch-port", "http"]);
  expect(bad.code).toBe(1);
  expect(bad.text).toMatch(/--batch-port.*must be a port number/s);
});
