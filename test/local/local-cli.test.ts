/**
 * `npm run local` as a user runs it: the variables printed, a real client using them, a clean
 * stop on SIGTERM that leaves no process or temp data behind.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { BlobServiceClient } from "@azure/storage-blob";

const ROOT = path.join(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

test("prints the Batch, identity and storage variables, serves them, and stops cleanly on SIGTERM", async () => {
  const child = spawn(TSX, ["local/cli.ts", "--max-processes", "1"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes("ready:")) {
    if (Date.now() > deadline) throw new Error(`npm run local did not get ready; printed:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const vars = Object.fromEntries(
    out
      .split("\n")
      .filter((l) => /^(AZURE|IDENTITY)_/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  expect(Object.keys(vars).sort()).toEqual(["AZURE_BATCH_ACCESS_KEY", "AZURE_BATCH_ACCOUNT", "AZURE_BATCH_ENDPOINT", "AZURE_STORAGE_CONNECTION_STRING", "IDENTITY_ENDPOINT", "IDENTITY_HEADER"]);
  const dataDir = /data in (\S+)/.exec(out)?.[1];
  expect(dataDir && existsSync(dataDir)).toBeTruthy();

  const batch = new BatchServiceClient(new BatchSharedKeyCredentials(vars.AZURE_BATCH_ACCOUNT!, vars.AZURE_BATCH_ACCESS_KEY!), vars.AZURE_BATCH_ENDPOINT!);
  await batch.job.add({ id: "cli-job", poolInfo: { poolId: "none" } });
  expect((await batch.job.list()).map((j) => j.id)).toEqual(["cli-job"]);
  const issued = await fetch(`${vars.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=${encodeURIComponent("https://batch.core.windows.net/")}`, { headers: { "x-identity-header": vars.IDENTITY_HEADER! } });
  const { access_token } = (await issued.json()) as { access_token: string };
  const listed = await fetch(`${vars.AZURE_BATCH_ENDPOINT}/jobs?api-version=2025-06-01`, { headers: { authorization: `Bearer ${access_token}` } });
  expect(listed.status).toBe(200);
  const container = BlobServiceClient.fromConnectionString(vars.AZURE_STORAGE_CONNECTION_STRING!).getContainerClient("cli-check");
  await container.create();
  expect(await container.exists()).toBe(true);

  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(existsSync(dataDir!)).toBe(false);
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
  for (const flag of ["--batch-port", "--blob-port", "--data", "--max-processes", "--verbose"]) expect(help.text).toContain(flag);
  const bad = await run(["--batch-port", "http"]);
  expect(bad.code).toBe(1);
  expect(bad.text).toMatch(/--batch-port.*must be a port number/s);
});
