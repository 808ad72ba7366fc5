/** `npm run ocr` on an input a user cannot fully trust: loops, a FIFO, a dot folder, a broken link and a photo that cannot be read. */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "./run-cli";
import { resultsCsv, SAMPLES } from "./samples";

describe("npm run ocr with an awkward --input", () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), "ocr-e2e-input-"));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  test("names what it leaves out, gives the photo it cannot read an error row, reads the rest and exits 2", async () => {
    const input = path.join(base, "in");
    await mkdir(path.join(input, ".thumbs"), { recursive: true });
    await copyFile(path.join(SAMPLES, "meter-001.jpg"), path.join(input, "a.jpg"));
    await copyFile(path.join(SAMPLES, "meter-001.jpg"), path.join(input, ".thumbs", "a.jpg"));
    await symlink(".", path.join(input, "loop"));
    await symlink("gone.jpg", path.join(input, "dangling.jpg"));
    execFileSync("mkfifo", [path.join(input, "fifo.jpg")]);
    // Every read of /proc/self/mem at offset 0 fails with EIO, for root too: a photo on a failing disk.
    await symlink("/proc/self/mem", path.join(input, "disk-error.jpg"));

    const run = await runCli([
      "--local",
      "--input",
      input,
      "--out",
      path.join(base, "out"),
      "--follow-symlinks",
      "--profile",
      path.join(SAMPLES, "profile.json"),
    ]);
    expect(run.code).toBe(2);
    for (const line of [
      "ignored: .thumbs/ (dot folder: not read)",
      "ignored: dangling.jpg (broken link: its target does not exist)",
      "ignored: fifo.jpg (not a regular file: a FIFO)",
      "ignored: loop (symlink loop: the link leads back to ./, which is being listed)",
      "error: disk-error.jpg (cannot read the photo: input/output error (EIO); it was not uploaded)",
      `input: 1 photo(s) in ${input}; 4 ignored (1 dot folder, 1 broken link, 1 not a regular file, 1 symlink loop); 1 could not be read (an error row each in results.csv)`,
    ]) {
      expect(run.stderr).toContain(line);
    }
    expect(run.stdout).toMatch(
      /2 photo\(s\): 1 read, 0 unreadable, 1 failed -> .*results\.csv; 4 input entries ignored \(named on stderr\)/,
    );
    const [jobDir] = await readdir(path.join(base, "out"));
    const rows = await resultsCsv(path.join(base, "out", jobDir as string));
    expect(rows.map((r) => [r.photo, r.status])).toEqual([
      ["a.jpg", "ok"],
      ["disk-error.jpg", "error"],
    ]);
    expect(rows[1]).toMatchObject({
      error: "cannot read the photo: input/output error (EIO); it was not uploaded",
      task_id: "",
    });
  }, 120_000);
});
