/**
 * The formula the Pulumi program deploys, evaluated as text by the local evaluator of Batch's
 * formula language: what a pool would ask for under each workload, not what we meant it to.
 */
import {
  autoscaleFormula,
  autoscaleInterval,
  MIN_SAMPLE_PERCENT,
  wholePartStatements,
  type AutoscaleInput,
} from "../../shared/autoscale";
import { checkFormula, evaluateFormula } from "../../shared/autoscale-language/evaluate";
import type { Sample } from "../../shared/autoscale-language/sample-history";
import { samplesEndingAt, steady } from "../local/autoscale/sample-timeline";

const INPUT: AutoscaleInput = { minNodes: 0, maxNodes: 10, spotShare: 0.5, taskSlotsPerNode: 2, windowMinutes: 5 };
const NOW = Date.parse("2026-03-02T10:00:00Z");

/** The nodes the deployed formula asks for, given the pending-task samples Batch would hold. */
function decide(
  input: AutoscaleInput,
  pendingSamples: Sample[],
): { dedicated: number; spot: number; deallocation: string } {
  const outcome = evaluateFormula(autoscaleFormula(input), {
    now: NOW,
    samples: { $PendingTasks: pendingSamples },
    current: {},
    targetDedicatedNodes: 0,
    targetLowPriorityNodes: 0,
  });
  if (outcome.error) throw new Error(`the formula failed: ${JSON.stringify(outcome.error)}`);
  return {
    dedicated: outcome.targetDedicatedNodes,
    spot: outcome.targetLowPriorityNodes,
    deallocation: outcome.nodeDeallocationOption,
  };
}

/** A full window of history at one pending count. */
const pendingSteadyAt = (input: AutoscaleInput, pending: number): Sample[] => steady(NOW, input.windowMinutes, pending);

describe("the deployed autoscale formula, evaluated", () => {
  test("no work: the minimum, which is zero nodes for a pool that may scale to zero", () => {
    expect(decide(INPUT, pendingSteadyAt(INPUT, 0))).toEqual({ dedicated: 0, spot: 0, deallocation: "taskcompletion" });
    expect(decide({ ...INPUT, minNodes: 1 }, pendingSteadyAt(INPUT, 0))).toMatchObject({ dedicated: 1, spot: 0 });
  });

  test("a burst: the maximum, split between dedicated and Spot", () => {
    expect(decide(INPUT, pendingSteadyAt(INPUT, 1000))).toMatchObject({ dedicated: 5, spot: 5 });
    expect(decide({ ...INPUT, maxNodes: 7, spotShare: 0 }, pendingSteadyAt(INPUT, 1000))).toMatchObject({
      dedicated: 7,
      spot: 0,
    });
  });

  test("pending tasks over slots per node, rounded up", () => {
    expect(decide(INPUT, pendingSteadyAt(INPUT, 7))).toMatchObject({ dedicated: 2, spot: 2 }); // 4 nodes
    expect(decide(INPUT, pendingSteadyAt(INPUT, 1))).toMatchObject({ dedicated: 1, spot: 0 });
    // An average of 6.5 pending over the window, last sample 6: 3.25 nodes' worth, so 4.
    const alternating = samplesEndingAt(NOW, INPUT.windowMinutes * 2 + 1, (age) => (age % 2 === 0 ? 6 : 7));
    expect(decide(INPUT, alternating)).toMatchObject({ dedicated: 2, spot: 2 });
  });

  test("a burst that has already drained still counts while the window remembers it", () => {
    const drained = samplesEndingAt(NOW, INPUT.windowMinutes * 2 + 1, (age) => (age === 0 ? 0 : 20));
    expect(decide(INPUT, drained)).toMatchObject({ dedicated: 5, spot: 5 });
  });

  test(`sparse samples (under ${MIN_SAMPLE_PERCENT}% of the window): only the last sample counts`, () => {
    const sparse = [
      { at: NOW - 4 * 60_000, value: 40 },
      { at: NOW - 60_000, value: 3 },
    ];
    expect(decide(INPUT, sparse)).toMatchObject({ dedicated: 1, spot: 1 }); // ceil(3/2) = 2 nodes
  });

  test("Spot takes its share rounded down, so a one-node pool stays dedicated", () => {
    const wide = { ...INPUT, maxNodes: 100, spotShare: 0.29, taskSlotsPerNode: 1 };
    expect(decide(wide, pendingSteadyAt(wide, 100))).toMatchObject({ dedicated: 71, spot: 29 });
    expect(decide({ ...INPUT, spotShare: 1 }, pendingSteadyAt(INPUT, 100))).toMatchObject({ dedicated: 0, spot: 10 });
    expect(decide({ ...INPUT, spotShare: 0.33 }, pendingSteadyAt(INPUT, 2))).toMatchObject({ dedicated: 1, spot: 0 });
  });

  test("with no sample at all the formula cannot run (GetSample(1) has nothing to return), so the pool keeps its size", () => {
    const outcome = evaluateFormula(autoscaleFormula(INPUT), {
      now: NOW,
      samples: {},
      current: {},
      targetDedicatedNodes: 0,
      targetLowPriorityNodes: 0,
    });
    expect(outcome.error?.code).toBe("InsufficientSampleData");
  });
});

describe("the formula's text", () => {
  test("without a Spot share the formula asks for no preemptible nodes, as a literal 0", () => {
    const formula = autoscaleFormula({ ...INPUT, spotShare: 0 });
    expect(formula).toMatch(/^\$TargetLowPriorityNodes = 0;$/m);
    expect(formula).not.toContain("$spot");
    expect(autoscaleFormula(INPUT)).toMatch(/^\$TargetLowPriorityNodes = \$spot;$/m);
  });

  test("declares its bounds; every statement ends with a semicolon", () => {
    const formula = autoscaleFormula({ ...INPUT, minNodes: 2, maxNodes: 7 });
    expect(formula).toMatch(/^\$minNodes = 2;$/m);
    expect(formula).toMatch(/^\$maxNodes = 7;$/m);
    for (const line of formula.split("\n")) expect(line).toMatch(/;$/);
  });

  test.each([
    INPUT,
    { minNodes: 1, maxNodes: 1, spotShare: 0, taskSlotsPerNode: 1, windowMinutes: 5 },
    { minNodes: 0, maxNodes: 1000, spotShare: 0.33, taskSlotsPerNode: 8, windowMinutes: 15 },
  ])("Batch would accept it: it parses and calls only documented functions (%o)", (input) => {
    expect(() => checkFormula(autoscaleFormula(input))).not.toThrow();
  });

  test("the check that accepts it refuses an undocumented call", () => {
    expect(() => checkFormula("$x = ceil($a / 2);")).toThrow("unknown function 'ceil'");
  });

  test("evaluation interval is at least five minutes", () => {
    expect(autoscaleInterval(5)).toBe("PT5M");
    expect(autoscaleInterval(15)).toBe("PT15M");
    expect(() => autoscaleInterval(4)).toThrow(/at least 5 minutes/);
  });
});

describe("rounding without floor or ceil", () => {
  function wholePartFunction(bound: number): (value: number) => number {
    const formula = `${wholePartStatements("$whole", "$value", bound).join("\n")}`;
    return (value) => {
      const outcome = evaluateFormula(`$value = ${value};\n${formula}`, {
        now: NOW,
        samples: {},
        current: {},
        targetDedicatedNodes: 0,
        targetLowPriorityNodes: 0,
      });
      const whole = /\$whole=([^;]*)/.exec(outcome.results)?.[1];
      if (outcome.error || whole === undefined) throw new Error(JSON.stringify(outcome));
      return Number(whole);
    };
  }

  test.each([1, 2, 3, 4, 7, 8, 10, 33, 1000])("the whole part of every value from 0 to %i", (bound) => {
    const wholePart = wholePartFunction(bound);
    const wrong: number[] = [];
    for (let k = 0; k <= bound; k += bound > 100 ? 37 : 1) {
      for (const value of [k, k + 0.25, k + 0.5, k + 0.999999]) {
        if (value <= bound && wholePart(value) !== Math.floor(value)) wrong.push(value);
      }
    }
    expect(wrong).toEqual([]);
  });

  test("one statement per binary digit of the bound", () => {
    expect(wholePartStatements("$w", "$v", 1)).toHaveLength(2);
    expect(wholePartStatements("$w", "$v", 1000)).toHaveLength(11);
  });
});
