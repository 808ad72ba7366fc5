/**
 * `npm run ocr` as a fresh clone runs it: the sample photos on the in-process local cloud with the
 * real worker; and with a profile that fits none of them.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "./run-cli";
import { expectTrusted, resultsCsv, SAMPLES, truthRows } from "./samples";

describe("npm run ocr with no arguments", () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(path.join(tmpdir(), "ocr-e2e-"));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  test("reads the bundled samples locally, prints the readings and writes the results files", async () => {
    const run = await runCli(["--out", out]);
    expect(run.code).toBe(0);
    const expected = new Map((await truthRows()).map((t) => [t.photo, t]));
    const [jobDir] = await readdir(out);
    const dir = path.join(out, jobDir as string);
    const rows = await resultsCsv(dir);
    expect(rows.map((r) => r.photo).sort()).toEqual([...expected.keys()].sort());
    for (const r of rows) {
      expectTrusted(r, expected.get(r.photo)!);
      if (r.status === "ok") {
        expect(run.stdout).toMatch(new RegExp(`${r.photo.replace(".", "\\.")}\\s+${r.reading}\\s`));
        expect(await readFile(path.join(dir, "text", `${r.photo}.txt`), "utf8")).toContain(`reading: ${r.reading}`);
      }
    }
    const json = JSON.parse(await readFile(path.join(dir, "results.json"), "utf8")) as {
      photo: string;
      reading: string | null;
      taskId: string;
    }[];
    // An unreadable photo has no reading: null in JSON, an empty cell in CSV.
    expect(json.map((r) => [r.photo, r.reading ?? "", r.taskId])).toEqual(
      rows.map((r) => [r.photo, r.reading, r.task_id]),
    );
    const read = rows.filter((r) => r.status === "ok").length;
    expect(read).toBeGreaterThan(0);
    expect(run.stdout).toContain(
      `${expected.size} photo(s): ${read} read, ${expected.size - read} unreadable, 0 failed`,
    );
    // The dev stack's pool autoscales from zero: it grows to the work and shrinks back, and says so.
    const order = [
      /^pool \S+: autoscale asks for [1-9]\d* node\(s\) \(was 0 node\(s\)\)$/m,
      /^pool \S+: 0 → [1-9]\d* node\(s\)$/m,
      /^pool \S+: autoscale asks for 0 node\(s\) \(was [1-9]\d* node\(s\)\)$/m,
      /^pool \S+: [1-9]\d* → 0 node\(s\)$/m,
    ].map((line) => {
      expect(run.stderr).toMatch(line);
      return run.stderr.search(line);
    });
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  // It used to report every photo "unreadable" and exit 0, as if the photos were at fault.
  test("a profile whose crop lies off the photos: every row a profile error, one plain line, exit 2", async () => {
    const work = path.join(out, "profile-off");
    await mkdir(work);
    // The samples' profile with its window (corners) moved off the photos, as a crop.
    const { corners: _corners, ...samples } = JSON.parse(
      await readFile(path.join(SAMPLES, "profile.json"), "utf8"),
    ) as { corners?: unknown };
    const profileFile = path.join(work, "off.json");
    await writeFile(profileFile, JSON.stringify({ ...samples, crop: { x: 5000, y: 5000, width: 300, height: 120 } }));
    const results = path.join(work, "out");
    const run = await runCli([
      "--local",
      "--input",
      SAMPLES,
      "--profile",
      profileFile,
      "--out",
      results,
      "--poll",
      "0.5",
    ]);
    expect(run.code).toBe(2);
    const [jobDir] = await readdir(results);
    const rows = await resultsCsv(path.join(results, jobDir as string));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows)
      expect(r).toMatchObject({
        status: "error",
        error: expect.stringMatching(
          /^profile error: the profile's crop 300x120\+5000\+5000 lies outside the photo \(\d+x\d+ as displayed\)/,
        ),
      });
    expect(run.stderr).toMatch(/^no photo could be read because of the profile \(--profile\): profile error: /m);
  });
});
