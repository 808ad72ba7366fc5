/**
 * `npm run autoscale`: a timeline of pending tasks replayed through a formula, with the nodes it
 * asks for at each evaluation and the node-hours they cost.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { autoscaleFormula } from "../../shared/autoscale";
import { replayFormula } from "../../tasks/autoscale-replay";
import { autoscaleInProcess } from "./in-process";

const BURST = [
  { minute: 0, pending: 0 },
  { minute: 10, pending: 40 },
  { minute: 40, pending: 0 },
  { minute: 120, pending: 0 },
];

describe("replayFormula", () => {
  test("a fixed formula costs its nodes times the hours", () => {
    const replay = replayFormula({
      formula: "$TargetDedicatedNodes = 2; $TargetLowPriorityNodes = 1;",
      intervalMinutes: 15,
      timeline: [{ minute: 0, pending: 0 }],
      untilMinute: 60,
    });
    expect(replay.steps.map((s) => s.minute)).toEqual([0, 15, 30, 45, 60]);
    expect([replay.dedicatedNodeHours, replay.lowPriorityNodeHours]).toEqual([2, 1]);
  });

  test("the deployed formula follows a burst up to its maximum and releases the nodes once the window forgets it", () => {
    const formula = autoscaleFormula({
      minNodes: 0,
      maxNodes: 4,
      spotShare: 0.5,
      taskSlotsPerNode: 2,
      windowMinutes: 5,
    });
    const replay = replayFormula({ formula, intervalMinutes: 5, timeline: BURST });
    const at = (minute: number) => replay.steps.find((s) => s.minute === minute);
    expect(at(5)).toMatchObject({ dedicated: 0, lowPriority: 0 });
    expect(at(10)).toMatchObject({ pending: 40, dedicated: 2, lowPriority: 2 });
    // The window still holds the burst at minute 40, not at 45.
    expect(at(40)).toMatchObject({ pending: 0, dedicated: 2, lowPriority: 2 });
    expect(at(45)).toMatchObject({ dedicated: 0, lowPriority: 0 });
    // Four nodes from minute 10 to 45.
    expect(replay.dedicatedNodeHours + replay.lowPriorityNodeHours).toBeCloseTo((4 * 35) / 60);
  });

  test("a run that fails keeps the pool's size and says why", () => {
    const replay = replayFormula({
      formula: "$TargetDedicatedNodes = avg($PendingTasks.GetSample(TimeInterval_Minute * 10, 90));",
      intervalMinutes: 5,
      timeline: [{ minute: 0, pending: 3 }],
      untilMinute: 15,
    });
    expect(replay.steps[0]).toMatchObject({ dedicated: 0, error: expect.stringContaining("InsufficientSampleData") });
    expect(replay.steps.at(-1)).toMatchObject({ dedicated: 3 });
    expect(replay.steps.at(-1)?.error).toBeUndefined();
  });
});

describe("npm run autoscale", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "autoscale-replay-"));
    await writeFile(
      path.join(dir, "burst.csv"),
      `minute,pending\n${BURST.map((p) => `${p.minute},${p.pending}`).join("\n")}\n`,
    );
    await writeFile(path.join(dir, "bad.txt"), "$TargetDedicatedNodes = ceil(2.5);");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test("refuses a formula Batch would refuse, saying where it is wrong", async () => {
    const run = await autoscaleInProcess([
      "--formula",
      path.join(dir, "bad.txt"),
      "--timeline",
      path.join(dir, "burst.csv"),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "Batch would refuse this formula (AutoScalingFormulaSyntaxError): Line 1, Col 25: unknown function 'ceil'",
    );
    expect(run.stdout).toBe("");
  });

  test("replays the dev stack's formula, and a missing --timeline is a usage error", async () => {
    const run = await autoscaleInProcess(["--stack", "dev", "--timeline", path.join(dir, "burst.csv")]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("formula: stack dev, evaluated every 5 min");
    expect(run.stdout).toMatch(/^\s+10\s+40\s+4\s+0\s+####$/m);
    expect(run.stdout).toContain("node-hours: 2.33 dedicated, 0.00 Spot/low-priority");
    const missing = await autoscaleInProcess(["--stack", "dev"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--timeline <file>' not specified");
  });
});
