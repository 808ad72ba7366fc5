/**
 * `npm run ocr` answers bad use with a clear message and exit code 1, before any service starts:
 * run in-process (tasks/cli.ts runOcrCommand), as the command's own code decides it. The same
 * answers through a real process, with what needs other programs (pulumi, az), are in cli.test.ts.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { useCliFixture } from "./cli-fixture";
import { ocrInProcess } from "./in-process";

describe("npm run ocr: bad use is answered with a clear message and exit code 1", () => {
  const f = useCliFixture();

  test("--help tells the options and the exit codes", async () => {
    const run = await ocrInProcess(["--help"]);
    expect(run.code).toBe(0);
    for (const flag of [
      "--stack",
      "--outputs",
      "--local",
      "--input",
      "--profile",
      "--manifest",
      "--out",
      "--job-id",
      "--images-per-task",
      "--no-wait",
      "--json",
      "--keep-job",
      "--api-version",
      "--follow-symlinks",
      "--outage-limit",
    ])
      expect(run.stdout).toContain(flag);
    expect(run.stdout.replace(/\s+/g, " ")).toMatch(
      /Exit codes: 0 every photo has a result .* 2 some photos failed, 3 storage or Batch stayed unreachable .* 1 another fatal error/,
    );
  });

  test("a missing input directory", async () => {
    const run = await ocrInProcess(["--outputs", f.partialOutputs, "--input", path.join(f.dir, "nope")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/input directory .*nope does not exist/);
  });

  test("an input with no photos", async () => {
    const run = await ocrInProcess(["--local", "--input", f.empty]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no photos in .*empty/);
    expect(run.stderr).not.toMatch(/starting the local/);
  });

  test("an input of loops and links that leave it ends at once, naming each entry it left out", async () => {
    const loops = path.join(f.dir, "loops");
    await mkdir(path.join(loops, "site"), { recursive: true });
    await symlink(".", path.join(loops, "again"));
    await symlink("..", path.join(loops, "site", "up"));
    await symlink("/etc/passwd", path.join(loops, "passwd.jpg"));
    const run = await ocrInProcess(["--local", "--input", loops]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /no photos in .*loops \(looked for .*; 3 other file\(s\) ignored: again \(symlink loop: .*\), passwd\.jpg \(link leaves the input folder \(to \/etc\/passwd\); --follow-symlinks to follow\), site\/up \(symlink loop/,
    );
  }, 60_000);

  test("a bad series manifest is refused with the file and the line before anything starts", async () => {
    const manifest = path.join(f.dir, "series.csv");
    await writeFile(manifest, "photo,meter,time\na.jpg,A,2026-01-01T10:00\nb.jpg,A,2026-01-02T10:00\n");
    const unknown = await ocrInProcess(["--local", "--input", f.photos, "--manifest", manifest]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`ocr: ${manifest}, line 3: unknown photo b.jpg: not in the input`);
    expect(unknown.stderr).not.toMatch(/starting the local/);
    await writeFile(manifest, "photo,meter\na.jpg,A\n");
    const columns = await ocrInProcess(["--local", "--input", f.photos, "--manifest", manifest]);
    expect(columns.code).toBe(1);
    expect(columns.stderr).toContain(`ocr: ${manifest}, line 1: missing column time`);
  });

  test("an --out that cannot hold the results is refused before any photo is sent", async () => {
    const inTheWay = path.join(f.dir, "out-is-a-file");
    await writeFile(inTheWay, "");
    const run = await ocrInProcess(["--local", "--input", f.photos, "--out", inTheWay, "--job-id", "j1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `--out ${inTheWay}: cannot write the results to ${path.join(inTheWay, "j1")}: a file is in the way (it must be a folder)`,
    );
    // Refused before the local cloud started or the job was submitted.
    expect(run.stderr).not.toMatch(/^job j1 on pool/m);
  });

  test("an outputs file missing fields names them", async () => {
    const run = await ocrInProcess(["--outputs", f.partialOutputs, "--input", f.photos]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/outputs.json: stack outputs are missing batchAuthModes, poolId/);
  });

  test("conflicting targets, a target without --input, and a bad number", async () => {
    const both = await ocrInProcess(["--stack", "dev", "--outputs", f.partialOutputs, "--input", f.photos]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/option '--stack <name>' cannot be used with option '--outputs <file>'/);
    const noInput = await ocrInProcess(["--outputs", f.partialOutputs]);
    expect(noInput.code).toBe(1);
    expect(noInput.stderr).toMatch(/--input DIR is required with --stack or --outputs/);
    const noWaitLocal = await ocrInProcess(["--local", "--no-wait"]);
    expect(noWaitLocal.code).toBe(1);
    expect(noWaitLocal.stderr).toMatch(/--no-wait needs a deployment that outlives this command/);
    const zero = await ocrInProcess(["--images-per-task", "0"]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--images-per-task.*whole number of 1 or more/);
  });
});
