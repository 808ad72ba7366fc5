import { autoscaleFormula, autoscaleInterval, evaluateAutoscale, MIN_SAMPLE_PERCENT, type AutoscaleInput } from "../../infra/autoscale";

const INPUT: AutoscaleInput = { minNodes: 0, maxNodes: 10, spotShare: 0.5, taskSlotsPerNode: 2, windowMinutes: 5 };

describe("autoscale formula", () => {
  test("scales to zero when nothing is pending", () => {
    expect(evaluateAutoscale(INPUT, 0)).toEqual({ dedicated: 0, spot: 0 });
    expect(autoscaleFormula(INPUT)).toContain("$needed = $pending == 0 ? 0 : ceil($pending / $slotsPerNode);");
  });

  test("sizes to pending tasks over slots, within the bounds", () => {
    expect(evaluateAutoscale(INPUT, 7)).toEqual({ dedicated: 2, spot: 2 }); // ceil(7/2) = 4 nodes
    expect(evaluateAutoscale(INPUT, 1000)).toEqual({ dedicated: 5, spot: 5 }); // capped at 10
    expect(evaluateAutoscale({ ...INPUT, minNodes: 1 }, 0)).toEqual({ dedicated: 1, spot: 0 });
  });

  test("Spot takes its share rounded down, so a one-node pool stays dedicated", () => {
    expect(evaluateAutoscale(INPUT, 1)).toEqual({ dedicated: 1, spot: 0 });
    expect(evaluateAutoscale({ ...INPUT, spotShare: 0 }, 100)).toEqual({ dedicated: 10, spot: 0 });
    expect(evaluateAutoscale({ ...INPUT, spotShare: 1 }, 100)).toEqual({ dedicated: 0, spot: 10 });
  });

  test("trusts the sample history only when enough samples exist (GetSamplePercent guard)", () => {
    const formula = autoscaleFormula(INPUT);
    expect(formula).toContain("$samplePercent = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 5);");
    expect(formula).toContain(`$pending = $samplePercent < ${MIN_SAMPLE_PERCENT} ? $lastPending :`);
  });

  test("declares its bounds and releases nodes only after their tasks complete", () => {
    const formula = autoscaleFormula({ ...INPUT, minNodes: 2, maxNodes: 7 });
    expect(formula).toMatch(/^\$minNodes = 2;$/m);
    expect(formula).toMatch(/^\$maxNodes = 7;$/m);
    expect(formula).toMatch(/^\$NodeDeallocationOption = taskcompletion;$/m);
    // Every statement ends with a semicolon, as Batch's parser requires.
    for (const line of formula.split("\n")) expect(line).toMatch(/;$/);
  });

  test("evaluation interval is at least five minutes", () => {
    expect(autoscaleInterval(5)).toBe("PT5M");
    expect(autoscaleInterval(15)).toBe("PT15M");
    expect(() => autoscaleInterval(4)).toThrow(/at least 5 minutes/);
  });
});
