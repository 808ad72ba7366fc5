/**
 * The example formulas of Microsoft's "Create a formula to automatically scale compute nodes in a
 * Batch pool", evaluated to what the page says they do, and the results strings Batch returns
 * (the page's own and the Azure SDK's recorded ones).
 */
import { evaluateFormula, type FormulaInputs } from "../../../shared/autoscale-language/evaluate";
import { steady } from "./sample-timeline";

const NOW = Date.parse("2016-10-13T19:18:47.805Z"); // a Thursday evening, the page's own example time

function inputs(overrides: Partial<FormulaInputs> = {}): FormulaInputs {
  return { now: NOW, samples: {}, current: {}, targetDedicatedNodes: 0, targetLowPriorityNodes: 0, ...overrides };
}

describe("the page's sample formulas", () => {
  const PENDING_TASKS = `
startingNumberOfVMs = 1;
maxNumberofVMs = 25;
pendingTaskSamplePercent = $PendingTasks.GetSamplePercent(180 * TimeInterval_Second);
pendingTaskSamples = pendingTaskSamplePercent < 70 ? startingNumberOfVMs : avg($PendingTasks.GetSample(180 * TimeInterval_Second));
$TargetDedicatedNodes=min(maxNumberofVMs, pendingTaskSamples);
$NodeDeallocationOption = taskcompletion;`;

  test("pending tasks: a new pool (no samples yet) starts with a single VM", () => {
    const outcome = evaluateFormula(PENDING_TASKS, inputs());
    expect(outcome.error).toBeUndefined();
    expect(outcome.targetDedicatedNodes).toBe(1);
    expect(outcome.nodeDeallocationOption).toBe("taskcompletion");
  });

  test("pending tasks: grows with the average pending over 180 seconds, never past 25", () => {
    expect(
      evaluateFormula(PENDING_TASKS, inputs({ samples: { $PendingTasks: steady(NOW, 3, 7) } })).targetDedicatedNodes,
    ).toBe(7);
    expect(
      evaluateFormula(PENDING_TASKS, inputs({ samples: { $PendingTasks: steady(NOW, 3, 400) } })).targetDedicatedNodes,
    ).toBe(25);
  });

  const PREEMPTED_NODES = `
maxNumberofVMs = 25;
$TargetDedicatedNodes = min(maxNumberofVMs, $PreemptedNodeCount.GetSample(180 * TimeInterval_Second));
$TargetLowPriorityNodes = min(maxNumberofVMs , maxNumberofVMs - $TargetDedicatedNodes);
$NodeDeallocationOption = taskcompletion;`;

  test("preempted nodes: starts with 25 Spot nodes and replaces each preempted one with a dedicated node", () => {
    const fresh = evaluateFormula(PREEMPTED_NODES, inputs({ samples: { $PreemptedNodeCount: steady(NOW, 3, 0) } }));
    expect([fresh.targetDedicatedNodes, fresh.targetLowPriorityNodes]).toEqual([0, 25]);
    const threePreempted = evaluateFormula(
      PREEMPTED_NODES,
      inputs({ samples: { $PreemptedNodeCount: steady(NOW, 3, 3) } }),
    );
    expect([threePreempted.targetDedicatedNodes, threePreempted.targetLowPriorityNodes]).toEqual([3, 22]);
  });
});

describe("Write an autoscale formula: CPU-driven", () => {
  const CPU = `
$totalDedicatedNodes =
    (min($CPUPercent.GetSample(TimeInterval_Minute * 10)) > 0.7) ?
    ($CurrentDedicatedNodes * 1.1) : $CurrentDedicatedNodes;
$totalDedicatedNodes =
    (avg($CPUPercent.GetSample(TimeInterval_Minute * 60)) < 0.2) ?
    ($CurrentDedicatedNodes * 0.9) : $totalDedicatedNodes;
$TargetDedicatedNodes = min(400, $totalDedicatedNodes)`;

  test("busy CPUs add 10%, idle ones remove 10%, and the cap is 400", () => {
    const at = (cpu: number, nodes: number): number =>
      evaluateFormula(
        CPU,
        inputs({ samples: { $CPUPercent: steady(NOW, 60, cpu) }, current: { $CurrentDedicatedNodes: nodes } }),
      ).targetDedicatedNodes;
    expect(at(0.9, 100)).toBeCloseTo(110);
    expect(at(0.1, 100)).toBeCloseTo(90);
    expect(at(0.5, 100)).toBe(100);
    expect(at(0.9, 1000)).toBe(400);
  });
});

describe("Example 1: time-based adjustment", () => {
  const TIME_BASED = `
$curTime = time();
$workHours = $curTime.hour >= 8 && $curTime.hour < 18;
$isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
$isWorkingWeekdayHour = $workHours && $isWeekday;
$TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;`;

  test("gives the page's results string for its evaluation time (with the low-priority target current Batch adds)", () => {
    expect(evaluateFormula(TIME_BASED, inputs()).results).toBe(
      "$TargetDedicatedNodes=10;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;" +
        "$curTime=2016-10-13T19:18:47.805Z;$isWeekday=1;$isWorkingWeekdayHour=0;$workHours=0",
    );
  });

  test("20 nodes in working hours on a weekday, 10 at the weekend", () => {
    expect(evaluateFormula(TIME_BASED, inputs({ now: Date.parse("2016-10-13T09:00:00Z") })).targetDedicatedNodes).toBe(
      20,
    );
    expect(evaluateFormula(TIME_BASED, inputs({ now: Date.parse("2016-10-15T09:00:00Z") })).targetDedicatedNodes).toBe(
      10,
    );
  });

  test("the local time zone by an offset, and the $TargetDedicated alias the Python example uses", () => {
    const mountain = TIME_BASED.replace("$curTime = time();", "$curTime = time() + (-6 * TimeInterval_Hour);").replace(
      "$TargetDedicatedNodes",
      "$TargetDedicated",
    );
    // 19:18 UTC is 13:18 in Mountain Daylight Time: working hours.
    expect(evaluateFormula(mountain, inputs()).targetDedicatedNodes).toBe(20);
  });

  test("five nodes on Mondays, one on other days", () => {
    const formula = "$TargetDedicatedNodes = (time().weekday == 1 ? 5:1);";
    expect(evaluateFormula(formula, inputs({ now: Date.parse("2016-10-17T12:00:00Z") })).targetDedicatedNodes).toBe(5);
    expect(evaluateFormula(formula, inputs()).targetDedicatedNodes).toBe(1);
  });
});

describe("Example 2 and 3: task-based, with comments and line breaks", () => {
  const TASK_BASED = `
// Get pending tasks for the past 15 minutes.
$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);
// If we have fewer than 70 percent data points, we use the last sample point,
// otherwise we use the maximum of last sample point and the history average.
$tasks = $samples < 70 ? max(0,$PendingTasks.GetSample(1)) : max( $PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 15)));
// If number of pending tasks is not 0, set targetVM to pending tasks, otherwise
// half of current dedicated.
$targetVMs = $tasks > 0? $tasks:max(0, $TargetDedicatedNodes/2);
// The pool size is capped at 20, if target VM value is more than that, set it
// to 20. This value should be adjusted according to your use case.
$TargetDedicatedNodes = max(0, min($targetVMs, 20));
// Set node deallocation mode - let running tasks finish before removing a node
$NodeDeallocationOption = taskcompletion;`;

  test("follows the pending tasks, capped at 20, and halves the pool when nothing is pending", () => {
    expect(
      evaluateFormula(TASK_BASED, inputs({ samples: { $PendingTasks: steady(NOW, 15, 12) } })).targetDedicatedNodes,
    ).toBe(12);
    expect(
      evaluateFormula(TASK_BASED, inputs({ samples: { $PendingTasks: steady(NOW, 15, 90) } })).targetDedicatedNodes,
    ).toBe(20);
    const idle = evaluateFormula(
      TASK_BASED,
      inputs({ samples: { $PendingTasks: steady(NOW, 15, 0) }, targetDedicatedNodes: 8 }),
    );
    expect(idle.targetDedicatedNodes).toBe(4);
  });

  test("with sparse history it uses the last sample", () => {
    const sparse = [{ at: NOW - 60_000, value: 5 }];
    expect(evaluateFormula(TASK_BASED, inputs({ samples: { $PendingTasks: sparse } })).targetDedicatedNodes).toBe(5);
  });

  const PARALLEL = `
$samples = $ActiveTasks.GetSamplePercent(TimeInterval_Minute * 15);
$tasks = $samples < 70 ? max(0,$ActiveTasks.GetSample(1)) : max( $ActiveTasks.GetSample(1),avg($ActiveTasks.GetSample(TimeInterval_Minute * 15)));
$cores = $TargetDedicatedNodes * 4;
$extraVMs = (($tasks - $cores) + 3) / 4;
$targetVMs = ($TargetDedicatedNodes + $extraVMs);
$TargetDedicatedNodes = max(0,min($targetVMs,3));
$NodeDeallocationOption = taskcompletion;`;

  test("accounting for four task slots per node, with a maximum of 3 nodes", () => {
    expect(
      evaluateFormula(PARALLEL, inputs({ samples: { $ActiveTasks: steady(NOW, 15, 5) } })).targetDedicatedNodes,
    ).toBe(2);
    expect(
      evaluateFormula(PARALLEL, inputs({ samples: { $ActiveTasks: steady(NOW, 15, 40) } })).targetDedicatedNodes,
    ).toBe(3);
  });
});

describe("Example 4: an initial pool size", () => {
  const formulaCreatedAt = (created: string): string => `
    $TargetDedicatedNodes = 4;
    lifespan         = time() - time("${created}");
    span             = TimeInterval_Minute * 60;
    startup          = TimeInterval_Minute * 10;
    ratio            = 50;

    $TargetDedicatedNodes = (lifespan > startup ? (max($RunningTasks.GetSample(span, ratio), $ActiveTasks.GetSample(span, ratio)) == 0 ? 0 : $TargetDedicatedNodes) : 4);
    `;

  test("keeps four nodes for the first ten minutes, then goes to zero when no task ran or waited", () => {
    const idleHour = { $RunningTasks: steady(NOW, 60, 0), $ActiveTasks: steady(NOW, 60, 0) };
    const young = formulaCreatedAt(new Date(NOW - 5 * 60_000).toUTCString());
    const old = formulaCreatedAt(new Date(NOW - 70 * 60_000).toUTCString());
    expect(evaluateFormula(young, inputs({ samples: idleHour })).targetDedicatedNodes).toBe(4);
    expect(evaluateFormula(old, inputs({ samples: idleHour })).targetDedicatedNodes).toBe(0);
    const busy = { ...idleHour, $ActiveTasks: steady(NOW, 60, 2) };
    expect(evaluateFormula(old, inputs({ samples: busy })).targetDedicatedNodes).toBe(4);
  });

  test("fails as Batch does when less than the ratio of samples exists", () => {
    const old = formulaCreatedAt(new Date(NOW - 70 * 60_000).toUTCString());
    const outcome = evaluateFormula(
      old,
      inputs({ samples: { $RunningTasks: steady(NOW, 10, 0), $ActiveTasks: steady(NOW, 60, 0) } }),
    );
    expect(outcome.error).toEqual({
      code: "InsufficientSampleData",
      message: "Autoscale evaluation failed due to insufficient sample data",
      values: [
        {
          name: "Message",
          value: "Line 8, Col 56: Insufficient data from data set: $RunningTasks wanted 50%, received 17%",
        },
      ],
    });
  });
});

describe("results strings as Batch returns them (Azure SDK recordings)", () => {
  test("a formula that sets one target reports all three settable variables", () => {
    expect(evaluateFormula("$TargetDedicatedNodes=3", inputs({ targetDedicatedNodes: 2 })).results).toBe(
      "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue",
    );
  });

  test("an undefined variable is an evaluation error, and the results keep the pool's targets", () => {
    const outcome = evaluateFormula("$something_useless", inputs({ targetDedicatedNodes: 2 }));
    expect(outcome.error?.code).toBe("AutoScalingFormulaEvaluationError");
    expect(outcome.error?.values).toEqual([
      { name: "Message", value: "Line 1, Col 1: undefined variable $something_useless" },
    ]);
    expect(outcome.results).toBe("$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue");
    expect(outcome.targetDedicatedNodes).toBe(2);
  });
});
