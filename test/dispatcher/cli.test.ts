import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, runCli } from "./run-cli";

const ocr = (args: string[], env?: NodeJS.ProcessEnv) => runCli(args, { env });

/** The rest of a valid outputs file, for an account that takes Microsoft Entra ID only (unreachable: https://127.0.0.1:9). */
const ENTRA_ONLY = {
  batchAccountEndpoint: "https://127.0.0.1:9",
  batchAuthModes: ["AAD"],
  poolId: "ocr-pool",
  storageAccountName: "st",
  blobEndpoint: "https://127.0.0.1:9/st/",
  storageSharedKeyAccess: false,
  imagesContainer: "images",
  resultsContainer: "results",
  applicationId: "ocrworker",
  applicationVersion: "abc",
  poolIdentityResourceId: "/x",
  poolIdentityClientId: "00000000-0000-0000-0000-000000000000",
  location: "westeurope",
  resourceGroupName: "rg",
};

describe("npm run ocr: bad use is answered with a clear message and exit code 1", () => {
  let dir: string;
  let photos: string;
  let empty: string;
  let partialOutputs: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ocr-cli-"));
    photos = path.join(dir, "photos");
    empty = path.join(dir, "empty");
    await mkdir(photos);
    await mkdir(empty);
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
    for (const flag of ["--stack", "--outputs", "--local", "--input", "--profile", "--manifest", "--out", "--job-id", "--images-per-task", "--no-wait", "--json", "--keep-job", "--api-version", "--follow-symlinks", "--outage-limit"]) expect(run.stdout).toContain(flag);
    expect(run.stdout.replace(/\s+/g, " ")).toMatch(/Exit codes: 0 every photo has a result .* 2 some photos failed, 3 storage or Batch stayed unreachable .* 1 another fatal error/);
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

  test(
    "an input of loops and links that leave it ends at once, naming each entry it left out",
    async () => {
      const loops = path.join(dir, "loops");
      await mkdir(path.join(loops, "site"), { recursive: true });
      await symlink(".", path.join(loops, "again"));
      await symlink("..", path.join(loops, "site", "up"));
      await symlink("/etc/passwd", path.join(loops, "passwd.jpg"));
      const run = await ocr(["--local", "--input", loops]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/no photos in .*loops \(looked for .*; 3 other file\(s\) ignored: again \(symlink loop: .*\), passwd\.jpg \(link leaves the input folder \(to \/etc\/passwd\); --follow-symlinks to follow\), site\/up \(symlink loop/);
    },
    60_000,
  );

  test("a bad series manifest is refused with the file and the line before anything starts", async () => {
    const manifest = path.join(dir, "series.csv");
    await writeFile(manifest, "photo,meter,time\na.jpg,A,2026-01-01T10:00\nb.jpg,A,2026-01-02T10:00\n");
    const unknown = await ocr(["--local", "--input", photos, "--manifest", manifest]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`ocr: ${manifest}, line 3: unknown photo b.jpg: not in the input`);
    expect(unknown.stderr).not.toMatch(/starting the local/);
    await writeFile(manifest, "photo,meter\na.jpg,A\n");
    const columns = await ocr(["--local", "--input", photos, "--manifest", manifest]);
    expect(columns.code).toBe(1);
    expect(columns.stderr).toContain(`ocr: ${manifest}, line 1: missing column time`);
  });

  test("an --out that cannot hold the results is refused before any photo is sent", async () => {
    const inTheWay = path.join(dir, "out-is-a-file");
    await writeFile(inTheWay, "");
    const run = await ocr(["--local", "--input", photos, "--out", inTheWay, "--job-id", "j1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`--out ${inTheWay}: cannot write the results to ${path.join(inTheWay, "j1")}: a file is in the way (it must be a folder)`);
    // Refused before the local cloud started or the job was submitted.
    expect(run.stderr).not.toMatch(/^job j1 on pool/m);
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

  test("without Microsoft Entra ID sign-in (and no key the account allows), it says how to sign in", async () => {
    const outputs = path.join(dir, "entra-outputs.json");
    await writeFile(outputs, JSON.stringify({ ...JSON.parse(await readFile(partialOutputs, "utf8")), ...ENTRA_ONLY }));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AZURE_")));
    const run = await ocr(["--outputs", outputs, "--input", photos], { ...env, AZURE_BATCH_ACCESS_KEY: "" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot get a Microsoft Entra ID token: sign in with "az login"/);
    expect(run.stderr).not.toMatch(/sent \(/); // nothing was uploaded
  });

  test("conflicting targets, a target without --input, and a bad number", async () => {
    const both = await ocr(["--stack", "dev", "--outputs", partialOutputs, "--input", photos]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/option '--stack <name>' cannot be used with option '--outputs <file>'/);
    const noInput = await ocr(["--outputs", partialOutputs]);
    expect(noInput.code).toBe(1);
    expect(noInput.stderr).toMatch(/--input DIR is required with --stack or --outputs/);
    const noWaitLocal = await ocr(["--local", "--no-wait"]);
    expect(noWaitLocal.code).toBe(1);
    expect(noWaitLocal.stderr).toMatch(/--no-wait needs a deployment that outlives this command/);
    const zero = await ocr(["--images-per-task", "0"]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--images-per-task.*whole number of 1 or more/);
  });
});
