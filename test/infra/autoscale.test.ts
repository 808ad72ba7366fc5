import { autoscaleFormula, autoscaleInterval, evaluateAutoscale, MIN_SAMPLE_PERCENT, wholePartStatements, type AutoscaleInput } from "../../infra/autoscale";
import { DOCUMENTED_CONSTANTS, DOCUMENTED_FUNCTIONS, DOCUMENTED_SAMPLE_METHODS, namesInFormula, tokenizeFormula } from "./batch-formula-vocabulary";

const INPUT: AutoscaleInput = { minNodes: 0, maxNodes: 10, spotShare: 0.5, taskSlotsPerNode: 2, windowMinutes: 5 };

describe("autoscale formula", () => {
  test("scales to zero when nothing is pending", () => {
    expect(evaluateAutoscale(INPUT, 0)).toEqual({ dedicated: 0, spot: 0 });
    // Rounded up from the capped quotient, which is 0 when nothing is pending.
    expect(autoscaleFormula(INPUT)).toContain("$nodesForPending = min($maxNodes, $pending / $slotsPerNode);");
    expect(autoscaleFormula(INPUT)).toContain("$needed = ($nodesForPending > $needed) ? ($needed + 1) : $needed;");
  });

  test("sizes to pending tasks over slots, within the bounds", () => {
    expect(evaluateAutoscale(INPUT, 7)).toEqual({ dedicated: 2, spot: 2 }); // ceil(7/2) = 4 nodes
    expect(evaluateAutoscale(INPUT, 1000)).toEqual({ dedicated: 5, spot: 5 }); // capped at 10
    expect(evaluateAutoscale({ ...INPUT, minNodes: 1 }, 0)).toEqual({ dedicated: 1, spot: 0 });
  });

  test("Spot takes its share rounded down, so a one-node pool stays dedicated", () => {
    expect(evaluateAutoscale({ ...INPUT, maxNodes: 100, spotShare: 0.29, taskSlotsPerNode: 1 }, 100)).toEqual({ dedicated: 71, spot: 29 });
    expect(evaluateAutoscale(INPUT, 1)).toEqual({ dedicated: 1, spot: 0 });
    expect(evaluateAutoscale({ ...INPUT, spotShare: 0 }, 100)).toEqual({ dedicated: 10, spot: 0 });
    expect(evaluateAutoscale({ ...INPUT, spotShare: 1 }, 100)).toEqual({ dedicated: 0, spot: 10 });
  });

  test("without a Spot share the formula asks for no preemptible nodes, as a literal 0", () => {
    const formula = autoscaleFormula({ ...INPUT, spotShare: 0 });
    expect(formula).toMatch(/^\$TargetLowPriorityNodes = 0;$/m);
    expect(formula).toMatch(/^\$TargetDedicatedNodes = \$total;$/m);
    expect(formula).not.toContain("$spot");
    expect(autoscaleFormula(INPUT)).toMatch(/^\$TargetLowPriorityNodes = \$spot;$/m);
  });

  test("trusts the sample history only when enough samples exist (GetSamplePercent guard)", () => {
    const formula = autoscaleFormula(INPUT);
    expect(formula).toContain("$samplePercent = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 5);");
    expect(formula).toContain(`$pending = ($samplePercent < ${MIN_SAMPLE_PERCENT}) ? $lastPending :`);
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

describe("autoscale formula vocabulary", () => {
  const shapes: AutoscaleInput[] = [
    INPUT,
    { minNodes: 1, maxNodes: 1, spotShare: 0, taskSlotsPerNode: 1, windowMinutes: 5 },
    { minNodes: 0, maxNodes: 1000, spotShare: 0.33, taskSlotsPerNode: 8, windowMinutes: 15 },
  ];

  test.each(shapes)("calls only functions and methods Batch documents (%o)", (input) => {
    const names = namesInFormula(autoscaleFormula(input));
    expect(names.functions.length).toBeGreaterThan(0);
    expect(names.functions.filter((name) => !DOCUMENTED_FUNCTIONS.has(name))).toEqual([]);
    expect(names.methods.filter((name) => !DOCUMENTED_SAMPLE_METHODS.has(name))).toEqual([]);
    expect(names.constants.filter((name) => !DOCUMENTED_CONSTANTS.has(name))).toEqual([]);
  });

  test("the vocabulary check sees an undocumented call", () => {
    expect(namesInFormula("$x = ceil($a / 2); $y = $PendingTasks.GetSample(1);")).toEqual({ functions: ["ceil"], methods: ["GetSample"], constants: [] });
  });
});

describe("rounding without floor or ceil", () => {
  // These statements use only $variables, numbers, - + >= ?: and parentheses, which mean the same
  // in JavaScript as in a Batch formula, so running them as JavaScript checks their arithmetic.
  const JS_COMPATIBLE_SYMBOLS = new Set(["-", "+", ">=", "?", ":", "(", ")", "=", ";"]);

  function wholePartFunction(bound: number): (value: number) => number {
    const statements = wholePartStatements("$whole", "$value", bound);
    const foreign = tokenizeFormula(statements.join("\n")).filter((t) => t.kind !== "variable" && t.kind !== "number" && !JS_COMPATIBLE_SYMBOLS.has(t.text));
    expect(foreign).toEqual([]);
    return new Function("$value", `let $whole; ${statements.join("\n")} return $whole;`) as (value: number) => number;
  }

  test.each([1, 2, 3, 4, 7, 8, 10, 33, 1000])("the whole part of every value from 0 to %i", (bound) => {
    const wholePart = wholePartFunction(bound);
    const wrong: number[] = [];
    for (let k = 0; k <= bound; k++) {
      for (const value of [k, k + 0.25, k + 0.5, k + 0.999999, k - 1e-9]) {
        if (value >= 0 && value <= bound && wholePart(value) !== Math.floor(value)) wrong.push(value);
      }
    }
    expect(wrong).toEqual([]);
  });

  test("one statement per binary digit of the bound", () => {
    expect(wholePartStatements("$w", "$v", 1)).toHaveLength(2);
    expect(wholePartStatements("$w", "$v", 1000)).toHaveLength(11);
  });
});
