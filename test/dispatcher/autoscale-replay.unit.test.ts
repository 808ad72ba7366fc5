/**
 * `npm run autoscale`: a timeline of pending tasks replayed through a formula, with the nodes it
 * asks for at each evaluation and the node-hours they cost.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { autoscaleFormula } from "../../shared/autoscale";
import { replayCost, replayFormula } from "../../tasks/autoscale-replay";
import { autoscaleInProcess } from "./in-process";

const BURST = [
  { minute: 0, pending: 0 },
  { minute: 10, pending: 40 },
  { minute: 40, pending: 0 },
  { minute: 120, pending: 0 },
];

describe("replayFormula", () => {
  test("a fixed formula costs its nodes times the hours, at each kind's price", () => {
    const replay = replayFormula({
      formula: "$TargetDedicatedNodes = 2; $TargetLowPriorityNodes = 1;",
      intervalMinutes: 15,
      timeline: [{ minute: 0, pending: 0 }],
      untilMinute: 60,
    });
    expect(replay.steps.map((s) => s.minute)).toEqual([0, 15, 30, 45, 60]);
    expect([replay.dedicatedNodeHours, replay.lowPriorityNodeHours]).toEqual([2, 1]);
    expect(replayCost(replay, { dedicated: 0.5, lowPriority: 0.125 })).toEqual({
      cost: 1.125,
      unpricedLowPriorityNodeHours: 0,
    });
    // Spot with no price of its own is left out of the cost, not priced as dedicated.
    expect(replayCost(replay, { dedicated: 0.5 })).toEqual({ cost: 1, unpricedLowPriorityNodeHours: 1 });
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
    await writeFile(path.join(dir, "fixed.txt"), "$TargetDedicatedNodes = 2; $TargetLowPriorityNodes = 1;");
    await writeFile(path.join(dir, "hour.csv"), "minute,pending\n0,1\n60,0\n");
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

  test("replays the dev stack's formula; no --timeline or --job, or both, is a usage error", async () => {
    const run = await autoscaleInProcess(["--stack", "dev", "--timeline", path.join(dir, "burst.csv")]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("formula: stack dev, evaluated every 5 min");
    expect(run.stdout).toMatch(/^\s+10\s+40\s+4\s+0\s+####$/m);
    expect(run.stdout).toContain("node-hours: 2.33 dedicated, 0.00 Spot/low-priority");
    const missing = await autoscaleInProcess(["--stack", "dev"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("say what to replay: --timeline FILE or --job ID");
    const both = await autoscaleInProcess(["--timeline", path.join(dir, "burst.csv"), "--job", "ocr-1"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("option '--timeline <file>' cannot be used with option '--job <id>'");
    expect(both.stdout).toBe("");
  });

  test("a cost line prices each kind of node; a Spot price alone, or --outputs without --job, is refused", async () => {
    const fixed = ["--formula", path.join(dir, "fixed.txt"), "--timeline", path.join(dir, "hour.csv")];
    const both = await autoscaleInProcess([
      ...fixed,
      "--price-per-node-hour",
      "0.5",
      "--spot-price-per-node-hour",
      "0.125",
    ]);
    expect(both.code).toBe(0);
    expect(both.stdout).toContain("cost: 1.13 (2.00 dedicated node-hours at 0.5 and 1.00 Spot/low-priority at 0.125)");
    // Spot node-hours with no price of their own are named, not priced as dedicated ones.
    const dedicatedOnly = await autoscaleInProcess([...fixed, "--price-per-node-hour", "0.5"]);
    expect(dedicatedOnly.stdout).toContain(
      "cost: 1.00 (2.00 dedicated node-hours at 0.5; 1.00 Spot/low-priority node-hours not priced (--spot-price-per-node-hour))",
    );
    const spotAlone = await autoscaleInProcess([...fixed, "--spot-price-per-node-hour", "0.125"]);
    expect(spotAlone.code).toBe(1);
    expect(spotAlone.stderr).toContain("give --price-per-node-hour too");
    const outputsAlone = await autoscaleInProcess([...fixed, "--outputs", path.join(dir, "outputs.json")]);
    expect(outputsAlone.code).toBe(1);
    expect(outputsAlone.stderr).toContain("--outputs says where a --job ran: give --job ID with it");
    expect(outputsAlone.stdout).toBe("");
  });
});
