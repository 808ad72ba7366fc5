/**
 * Batch unreachable mid-job for longer than --outage-limit: the dispatcher stops with exit 3 and
 * a message that names the service, how long it waited and the exact command that resumes; that
 * command, once Batch answers again, finishes the job with every photo accounted for. Storage
 * unreachable from the start: the same, naming storage. The outages are real: the dispatcher
 * reaches each service through a TCP forwarder that the test cuts.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "shell-quote";
import { startLocalCloud, type LocalCloud } from "../../local/index";
import { deployLocalStack } from "../../tasks/local-target";
import { ROOT, runCli } from "./run-cli";
import { resultsCsv, SAMPLES } from "./samples";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

let work: string;
let cloud: LocalCloud;
let proxy: TcpProxy;
let storageProxy: TcpProxy;
let outputsFile: string;
let storageOutputsFile: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "ocr-outage-"));
  cloud = await startLocalCloud({ dataDir: path.join(work, "cloud"), inMemoryStorage: true });
  const deployment = await deployLocalStack(cloud, {
    projectDir: ROOT,
    packageDir: path.join(work, "package"),
    nodes: 2,
  });
  proxy = await startTcpProxy(cloud.batchEndpoint);
  outputsFile = path.join(work, "outputs.json");
  await writeFile(
    outputsFile,
    JSON.stringify({ ...deployment.outputs, batchAccountEndpoint: proxy.url(cloud.batchEndpoint).replace(/\/$/, "") }),
  );
  storageProxy = await startTcpProxy(cloud.blobEndpoint);
  storageOutputsFile = path.join(work, "storage-outputs.json");
  await writeFile(
    storageOutputsFile,
    JSON.stringify({ ...deployment.outputs, blobEndpoint: storageProxy.url(deployment.outputs.blobEndpoint) }),
  );
  env = {
    ...process.env,
    AZURE_BATCH_ACCESS_KEY: cloud.batchAccountKey,
    AZURE_STORAGE_CONNECTION_STRING: cloud.storageConnectionString,
  };
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await storageProxy?.close();
  await cloud?.stop();
  await rm(work, { recursive: true, force: true });
});

/** Checks the message names the service, its endpoint, the wait and the cause; returns the command it gives. */
function outageMessage(stderr: string, service: string, endpoint: string): string | undefined {
  const message = stderr.slice(stderr.indexOf("ocr: "));
  expect(message).toMatch(
    new RegExp(`^ocr: ${service} \\(${endpoint.replace(/[.:/]/g, "\\$&")}\\) has been unreachable for \\d+ s`),
  );
  expect(message).toContain("ECONNREFUSED");
  expect(message).toContain("longer than the 2 s allowed (--outage-limit)");
  return /^ {2}(npm run ocr -- .*)$/m.exec(message)?.[1];
}

test("Batch gone longer than the limit: exit 3, what is down, how long, the command that resumes; that command finishes the job", async () => {
  const out = path.join(work, "out");
  const args = [
    "--outputs",
    outputsFile,
    "--input",
    SAMPLES,
    "--profile",
    path.join(SAMPLES, "profile.json"),
    "--out",
    out,
    "--poll",
    "0.5",
    "--outage-limit",
    "2",
  ];
  let cut: Promise<void> | undefined;
  const started = Date.now();
  const run = await runCli(args, {
    env,
    killWhen: (stderr) => {
      // Not a kill: the moment to cut Batch off, once the tasks are in.
      if (/^submit: /m.test(stderr)) cut ??= proxy.cut();
      return false;
    },
  });
  const seconds = (Date.now() - started) / 1000;
  expect(run.code).toBe(3);
  const jobId = /^job (\S+) on pool/m.exec(run.stderr)?.[1];
  expect(jobId).toBeDefined();
  const resume = outageMessage(run.stderr, "Batch", proxy.url(cloud.batchEndpoint).replace(/\/$/, ""));
  expect(resume).toBe(`npm run ocr -- ${args.join(" ")} --job-id ${jobId}`);
  // What the tasks wrote while Batch was gone is kept, from storage.
  const photos = (await readdir(SAMPLES)).filter((f) => f.endsWith(".jpg"));
  const kept = /^The results written so far are kept: (\d+) of (\d+) photo\(s\) in (\S+results\.csv)/m.exec(run.stderr);
  expect(kept?.[3]).toBe(path.join(out, jobId!, "results.csv"));
  expect(Number(kept?.[2])).toBe(photos.length);
  expect(
    (await resultsCsv(path.join(out, jobId!))).filter(
      (r) => r.status !== "error" || !r.error.includes("no record yet"),
    ),
  ).toHaveLength(Number(kept?.[1]));
  // Bounded: the client's retries (about 30 s) and the limit, not minutes.
  expect(seconds).toBeLessThan(90);

  await proxy.restore();
  const resumed = await runCli(parse(resume!.slice("npm run ocr -- ".length)) as string[], { env });
  expect(resumed.stderr).toContain(`plan: resuming job ${jobId}`);
  const rows = await resultsCsv(path.join(out, jobId!));
  expect(rows.map((r) => r.photo).sort()).toEqual(expect.arrayContaining(photos.sort()));
  expect(rows.filter((r) => r.status === "error")).toEqual([]);
  expect(resumed.code).toBe(0);
}, 240_000);

test("storage gone from the start: exit 3, naming storage, with the command that resumes", async () => {
  await storageProxy.cut();
  const args = [
    "--outputs",
    storageOutputsFile,
    "--input",
    SAMPLES,
    "--out",
    path.join(work, "out-storage"),
    "--job-id",
    "storage-down",
    "--outage-limit",
    "2",
  ];
  const run = await runCli(args, { env });
  expect(run.code).toBe(3);
  expect(outageMessage(run.stderr, "storage", storageProxy.url(cloud.blobEndpoint))).toBe(
    `npm run ocr -- ${args.join(" ")}`,
  );
}, 240_000);
