/**
 * The language's rules beyond the page's examples: what Batch refuses before running a formula,
 * the documented operator table, the functions, and the sample methods.
 */
import { checkFormula, evaluateFormula, type FormulaInputs } from "../../../shared/autoscale-language/evaluate";
import { samplesEndingAt, steady } from "./sample-timeline";

const NOW = Date.parse("2026-03-02T10:00:00Z");

function run(formula: string, overrides: Partial<FormulaInputs> = {}) {
  return evaluateFormula(formula, {
    now: NOW,
    samples: {},
    current: {},
    targetDedicatedNodes: 0,
    targetLowPriorityNodes: 0,
    ...overrides,
  });
}

/** The value of `$out` after the formula runs, as the results string writes it. */
function out(formula: string, overrides: Partial<FormulaInputs> = {}): string | undefined {
  const outcome = run(formula, overrides);
  if (outcome.error) throw new Error(outcome.error.values[0]?.value);
  return /\$out=([^;]*)/.exec(outcome.results)?.[1];
}

describe("formulas Batch refuses before running them", () => {
  test.each([
    ["$x = ceil($PendingTasks.GetSample(1));", "Line 1, Col 6: unknown function 'ceil'"],
    ["$x = floor(2.5);", "Line 1, Col 6: unknown function 'floor'"],
    ["$x = round(2.5);", "Line 1, Col 6: unknown function 'round'"],
    ["$x = $PendingTasks.GetSamples(1);", "Line 1, Col 20: unknown method 'GetSamples'"],
    ["$x = ;", "Line 1, Col 6: unexpected ';'"],
    ["$x = (1 + 2;", "Line 1, Col 12: expected ')', found ';'"],
    ["$x = 1\n$y = 2;", "Line 2, Col 1: expected ';', found '$y'"],
    ["$x = 7 % 2;", "Line 1, Col 8: unexpected character '%'"],
    ["$x = max(1, 2", "Line 1, Col 14: expected ')', found the end of the formula"],
    ["$PendingTasks = 3;", "Line 1, Col 1: $PendingTasks is read-only"],
    ["$x = percentile(1);", "Line 1, Col 6: 'percentile' takes 2 argument(s), given 1"],
    ['$x = time("2026-01-01);', "Line 1, Col 11: unterminated string"],
  ])("%j", (formula, message) => {
    expect(() => checkFormula(formula)).toThrow(message);
    const outcome = run(formula);
    expect(outcome.error).toEqual({
      code: "AutoScalingFormulaSyntaxError",
      message: "The specified auto-scaling formula has a syntax error.",
      values: [{ name: "Message", value: message }],
    });
  });

  test("at most 100 statements", () => {
    expect(() => checkFormula("$x = 1;".repeat(100))).not.toThrow();
    expect(() => checkFormula("$x = 1;".repeat(101))).toThrow(/at most 100 statements/);
  });

  test("empty statements and a missing final semicolon are fine", () => {
    expect(out(";;$out = 1;;")).toBe("1");
    expect(out("$out = 2")).toBe("2");
  });
});

describe("operators", () => {
  test("C precedence: * and / before + and -, comparisons before && and ||, unary minus binds tightest", () => {
    expect(out("$out = 1 + 2 * 3 - 4 / 2;")).toBe("5");
    expect(out("$out = 1 < 2 && 3 > 4 || 5 == 5;")).toBe("1");
    expect(out("$out = -2 * -3;")).toBe("6");
    expect(out("$out = !0 + !7;")).toBe("1");
  });

  test("the ternary groups to the right and treats nonzero as true", () => {
    expect(out("$out = 0 ? 1 : 0.5 ? 2 : 3;")).toBe("2");
    expect(out("$out = -1 ? 1 : 2;")).toBe("1");
  });

  test("doubleVec arithmetic is component-wise", () => {
    const samples = { $PendingTasks: samplesEndingAt(NOW, 3, (age) => age + 1) };
    expect(out("$out = $PendingTasks.GetSample(3) * 2;", { samples })).toBe("[6,4,2]");
    expect(out("$out = $PendingTasks.GetSample(3) - $PendingTasks.GetSample(3);", { samples })).toBe("[0,0,0]");
  });

  test("time intervals and timestamps combine as the table allows", () => {
    expect(out("$out = 2 * TimeInterval_Minute + TimeInterval_Second * 30;")).toBe("00:02:30");
    expect(out("$out = TimeInterval_Day * 1.5;")).toBe("1.12:00:00");
    expect(out('$out = time("2026-03-02T12:00:00Z") - time();')).toBe("02:00:00");
    expect(out("$out = TimeInterval_Hour + time();")).toBe("2026-03-02T11:00:00.000Z");
    expect(out("$out = TimeInterval_Minute < TimeInterval_Hour;")).toBe("1");
    expect(out('$out = "abc" < "abd";')).toBe("1");
  });

  test.each([
    ['$x = "a" + 1;', "operator '+' does not apply to string and double"],
    ["$x = 2 + TimeInterval_Minute;", "operator '+' does not apply to double and timeinterval"],
    ["$x = time() - TimeInterval_Minute;", "operator '-' does not apply to timestamp and timeinterval"],
    ["$x = 1 / 0;", "division by zero"],
    ["$x = time() ? 1 : 2;", "a ternary's condition must be a double, not a timestamp"],
    ["$x = time().fortnight;", "a timestamp has no member 'fortnight'"],
  ])("%s is an evaluation error", (formula, detail) => {
    const outcome = run(formula);
    expect(outcome.error?.code).toBe("AutoScalingFormulaEvaluationError");
    expect(outcome.error?.values[0]?.value).toContain(detail);
  });
});

describe("functions", () => {
  test("a doubleVecList mixes doubles and vectors", () => {
    const samples = { $ActiveTasks: samplesEndingAt(NOW, 3, (age) => [3, 2, 1][age]!) };
    expect(out("$out = avg($ActiveTasks.GetSample(3), 7);", { samples })).toBe("3.25");
    expect(out("$out = sum($ActiveTasks.GetSample(3), 4);", { samples })).toBe("10");
    expect(out("$out = len($ActiveTasks.GetSample(3), 4, 5);", { samples })).toBe("5");
    expect(out("$out = range(4, 9, 1);")).toBe("8");
    expect(out("$out = norm(3, 4);")).toBe("5");
    expect(out("$out = std(2, 4, 4, 4, 5, 5, 7, 9);")).toBe(String(Math.sqrt(32 / 7)));
  });

  test("logarithms, on a double or component-wise on a vector", () => {
    expect(out("$out = lg(8) + log(1000) + ln(1);")).toBe("6");
    const samples = { $ActiveTasks: samplesEndingAt(NOW, 2, (age) => [4, 16][age]!) };
    expect(out("$out = lg($ActiveTasks.GetSample(2));", { samples })).toBe("[4,2]");
  });

  test("percentile picks an element, val indexes from zero, rand is between 0 and 1", () => {
    const samples = { $ActiveTasks: samplesEndingAt(NOW, 5, (age) => age * 10) };
    expect(out("$out = percentile($ActiveTasks.GetSample(5), 50);", { samples })).toBe("20");
    expect(out("$out = percentile($ActiveTasks.GetSample(5), 100);", { samples })).toBe("40");
    expect(out("$out = val($ActiveTasks.GetSample(5), 0);", { samples })).toBe("40");
    expect(run("$x = val($ActiveTasks.GetSample(5), 5);", { samples }).error?.values[0]?.value).toContain(
      "outside a vector of 5",
    );
    expect(out("$out = rand();", { random: () => 0.25 })).toBe("0.25");
  });

  test("time() reads W3C-DTF and RFC 1123 and gives the members", () => {
    expect(out('$out = time("Mon, 02 Mar 2026 08:30:00 GMT").hour;')).toBe("8");
    expect(out('$t = time("2026-03-08T23:59:58Z"); $out = $t.weekday * 1000 + $t.day * 10 + $t.month;')).toBe("83");
  });

  test("stop() ends the evaluation: what was set before it stands", () => {
    const outcome = run("$TargetDedicatedNodes = 3; stop(); $TargetDedicatedNodes = 9;");
    expect(outcome.error).toBeUndefined();
    expect(outcome.targetDedicatedNodes).toBe(3);
  });
});

describe("sample methods", () => {
  const samples = { $PendingTasks: steady(NOW, 10, 4) };

  test("GetSample by count, by look-back, and by a window with a required percent", () => {
    expect(out("$out = len($PendingTasks.GetSample(5));", { samples })).toBe("5");
    expect(out("$out = len($PendingTasks.GetSample(TimeInterval_Minute * 10));", { samples })).toBe("21");
    expect(
      out("$out = len($PendingTasks.GetSample(1 * TimeInterval_Minute, 6 * TimeInterval_Minute, 75));", { samples }),
    ).toBe("11");
    const outcome = run("$x = $PendingTasks.GetSample(TimeInterval_Minute * 20, 95);", { samples });
    expect(outcome.error?.code).toBe("InsufficientSampleData");
    expect(outcome.error?.values[0]?.value).toBe(
      "Line 1, Col 6: Insufficient data from data set: $PendingTasks wanted 95%, received 52%",
    );
  });

  test("GetSamplePercent, GetSamplePeriod, Count and HistoryBeginTime", () => {
    expect(out("$out = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 20);", { samples })).toBe("52.5");
    expect(out("$out = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 5);", { samples })).toBe("100");
    expect(out("$out = $PendingTasks.GetSamplePeriod();", { samples })).toBe("00:00:30");
    expect(out("$out = $PendingTasks.Count();", { samples })).toBe("21");
    expect(out("$out = $PendingTasks.HistoryBeginTime();", { samples })).toBe("2026-03-02T09:50:00.000Z");
  });

  test("GetSample(1) with no history at all is insufficient data", () => {
    expect(run("$x = $PendingTasks.GetSample(1);").error?.code).toBe("InsufficientSampleData");
  });

  test("a sampled variable used as a number is its current value", () => {
    expect(
      out("$out = $CurrentDedicatedNodes + $TaskSlotsPerNode;", {
        current: { $CurrentDedicatedNodes: 3, $TaskSlotsPerNode: 4 },
      }),
    ).toBe("7");
  });
});

describe("settable variables", () => {
  test("$NodeDeallocationOption takes only the four options", () => {
    expect(run("$NodeDeallocationOption = retaineddata;").nodeDeallocationOption).toBe("retaineddata");
    expect(run("$x = 1;\n$NodeDeallocationOption = 3;").error).toMatchObject({
      code: "AutoScalingFormulaEvaluationError",
      values: [
        {
          name: "Message",
          value:
            "Line 2, Col 1: $NodeDeallocationOption must be one of requeue, terminate, taskcompletion, retaineddata, not 3",
        },
      ],
    });
  });

  test("the full name wins over its alias", () => {
    expect(run("$TargetDedicatedNodes = 2; $TargetDedicated = 5;").targetDedicatedNodes).toBe(2);
    expect(run("$TargetLowPriority = 5;").targetLowPriorityNodes).toBe(5);
  });

  test("user variables with and without $ are one variable, listed after the settable ones in name order", () => {
    expect(run("b = 2; $a = b + 1; Zed = 0;").results).toBe(
      "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;$a=3;$b=2;$Zed=0",
    );
  });
});
