import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ocr(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [path.join(ROOT, "tasks", "cli.ts"), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run ocr: bad use is answered with a clear message and exit code 1", () => {
  let dir: string;
  let photos: string;
  let empty: string;
  let partialOutputs: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ocr-cli-"));
    photos = path.join(dir, "photos");
    empty = path.join(dir, "empty");
    await Promise.all([photos, empty].map((d) => import("node:fs/promises").then((fs) => fs.mkdir(d))));
    await copyFile(path.join(ROOT, "samples", "meter-001.jpg"), path.join(photos, "a.jpg"));
    partialOutputs = path.join(dir, "outputs.json");
    await writeFile(partialOutputs, JSON.stringify({ batchAccountName: "a", batchAccountEndpoint: "https://a.westeurope.batch.azure.com" }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("--help tells the options and the exit codes", async () => {
    const run = await ocr(["--help"]);
    expect(run.code).toBe(0);
    for (const flag of ["--stack", "--outputs", "--local", "--input", "--profile", "--out", "--job-id", "--images-per-task", "--no-wait", "--json", "--keep-job", "--api-version"]) expect(run.stdout).toContain(flag);
    expect(run.stdout).toMatch(/Exit codes: 0 .* 2 .* 1/);
  });

  test("a missing input directory", async () => {
    const run = await ocr(["--outputs", partialOutputs, "--input", path.join(dir, "nope")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/input directory .*nope does not exist/);
  });

  test("an input with no photos", async () => {
    const run = await ocr(["--local", "--input", empty]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no photos in .*empty/);
    expect(run.stderr).not.toMatch(/starting the local/);
  });

  test("an outputs file missing fields names them", async () => {
    const run = await ocr(["--outputs", partialOutputs, "--input", photos]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/outputs.json: stack outputs are missing batchAuthModes, poolId/);
  });

  test("an unknown stack, and a known one without the Pulumi CLI", async () => {
    const unknown = await ocr(["--stack", "prod", "--input", photos]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown stack "prod": this project has dev/);
    const noCli = await ocr(["--stack", "dev", "--input", photos], { ...process.env, PATH: path.dirname(process.execPath) });
    expect(noCli.code).toBe(1);
    expect(noCli.stderr).toMatch(/Pulumi CLI \(pulumi\) is not installed or not on PATH/);
  });

  test("conflicting targets, a target without --input, and a bad number", async () => {
    const both = await ocr(["--stack", "dev", "--outputs", partialOutputs, "--input", photos]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/option '--stack <name>' cannot be used with option '--outputs <file>'/);
    const noInput = await ocr(["--outputs", partialOutputs]);
    expect(noInput.code).toBe(1);
    expect(noInput.stderr).toMatch(/--input DIR is required with --stack or --outputs/);
    const zero = await ocr(["--images-per-task", "0"]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--images-per-task.*whole number of 1 or more/);
  });
});
