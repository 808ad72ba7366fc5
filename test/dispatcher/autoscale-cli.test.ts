/**
 * `npm run autoscale` as an operator runs it, one process: the exit code and the table on stdout
 * through the real entry point. What the command decides is tested in-process in
 * autoscale-replay.unit.test.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "./run-cli";

describe("npm run autoscale through a real process", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "autoscale-cli-"));
    await writeFile(path.join(dir, "burst.csv"), "minute,pending\n0,0\n10,40\n40,0\n120,0\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test("replays the dev stack's formula and prints the node counts and node-hours, exit 0", async () => {
    const run = await runCli(["--stack", "dev", "--timeline", path.join(dir, "burst.csv")], {
      script: "autoscale-cli.ts",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("formula: stack dev, evaluated every 5 min");
    expect(run.stdout).toMatch(/^\s+10\s+40\s+4\s+0\s+####$/m);
    expect(run.stdout).toContain("node-hours: 2.33 dedicated, 0.00 Spot/low-priority");
  }, 60_000);
});
