/**
 * Autoscaling pools through the real @azure/batch client: pool add and enableautoscale with a
 * formula, evaluateautoscale answering as Batch does, periodic runs at the pool's interval (time
 * runs 60 times faster here, so a 5-minute interval is 5 seconds), and scale-down honouring
 * $NodeDeallocationOption.
 */
import type { BatchServiceClient } from "@azure/batch";
import { autoscaleFormula } from "../../../shared/autoscale";
import {
  addPool,
  bash,
  errorOf,
  gone,
  IMAGE,
  pollUntil,
  useGates,
  useService,
  VM_SIZE,
  waitForNodes,
  waitForTask,
} from "./fixture";

const service = useService("autoscale", { maxProcesses: 8, autoscaleTimeScale: 60 });
const gates = useGates("autoscale");

async function addAutoscalePool(client: BatchServiceClient, id: string, formula: string): Promise<void> {
  await client.pool.add({
    id,
    vmSize: VM_SIZE,
    virtualMachineConfiguration: IMAGE,
    enableAutoScale: true,
    autoScaleFormula: formula,
    autoScaleEvaluationInterval: "PT5M",
  });
}

describe("pool add and enableautoscale", () => {
  it("sizes a pool added with a formula by its first run, and reports the run on the pool", async () => {
    const { client } = service();
    await addAutoscalePool(client, "as-fixed", "$TargetDedicatedNodes = 2; $TargetLowPriorityNodes = 1;");
    const nodes = await waitForNodes(client, "as-fixed", 3);
    expect(nodes.filter((n) => n.isDedicated)).toHaveLength(2);
    const pool = await client.pool.get("as-fixed");
    expect(pool.enableAutoScale).toBe(true);
    expect(pool.autoScaleRun?.results).toBe(
      "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue",
    );
    expect(pool.autoScaleRun?.error).toBeUndefined();
  });

  it("refuses a formula Batch would refuse, with its code and where the fault is", async () => {
    const { client } = service();
    const undocumented = await errorOf(() =>
      addAutoscalePool(client, "as-ceil", "$TargetDedicatedNodes = ceil($PendingTasks.GetSample(1) / 2);"),
    );
    expect(undocumented).toMatchObject({ status: 400, code: "AutoScalingFormulaSyntaxError" });
    expect(undocumented.values).toEqual([{ key: "Message", value: "Line 1, Col 25: unknown function 'ceil'" }]);
    expect(await errorOf(() => client.pool.get("as-ceil"))).toMatchObject({ code: "PoolNotFound" });

    await addPool(client, "as-later", { nodes: 0 });
    const malformed = await errorOf(() =>
      client.pool.enableAutoScale("as-later", { autoScaleFormula: "$TargetDedicatedNodes = (1 + ;" }),
    );
    expect(malformed).toMatchObject({ status: 400, code: "AutoScalingFormulaSyntaxError" });
    const tooOften = await errorOf(() =>
      client.pool.enableAutoScale("as-later", {
        autoScaleFormula: "$TargetDedicatedNodes = 0;",
        autoScaleEvaluationInterval: "PT1M",
      }),
    );
    expect(tooOften).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect((await client.pool.get("as-later")).enableAutoScale).toBe(false);
  });
});

describe("evaluateautoscale", () => {
  it("answers the results string, or the evaluation error, without applying the formula", async () => {
    const { client } = service();
    await addAutoscalePool(client, "as-eval", "$TargetDedicatedNodes = 1;");
    await waitForNodes(client, "as-eval", 1);

    const run = await client.pool.evaluateAutoScale(
      "as-eval",
      "$TargetDedicatedNodes = $CurrentDedicatedNodes + 2; $slots = $TaskSlotsPerNode;",
    );
    expect(run.error).toBeUndefined();
    expect(run.results).toBe(
      "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;$slots=1",
    );
    expect(run.timestamp).toBeInstanceOf(Date);

    const failed = await client.pool.evaluateAutoScale("as-eval", "$something_useless");
    expect(failed.error).toMatchObject({
      code: "AutoScalingFormulaEvaluationError",
      values: [{ name: "Message", value: "Line 1, Col 1: undefined variable $something_useless" }],
    });
    expect(failed.results).toBe("$TargetDedicatedNodes=1;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue");

    // Nothing was applied: the pool keeps its one node and its own formula's last run.
    expect((await client.pool.get("as-eval")).targetDedicatedNodes).toBe(1);
  });

  it("reads the samples recorded every 30 s (half a second here), and a pool added again under its id starts afresh", async () => {
    const { client } = service();
    const countSamples = async (): Promise<number> => {
      const run = await client.pool.evaluateAutoScale("as-again", "$n = $PendingTasks.Count();");
      return Number(/\$n=(\d+)/.exec(run.results ?? "")?.[1]);
    };
    await addAutoscalePool(client, "as-again", "$TargetDedicatedNodes = 0;");
    await pollUntil("three samples", async () => ((await countSamples()) >= 3 ? true : undefined));
    await client.pool.deleteMethod("as-again");
    await pollUntil("the pool gone", () => gone(() => client.pool.get("as-again")));
    await addAutoscalePool(client, "as-again", "$TargetDedicatedNodes = 0;");
    expect(await countSamples()).toBe(1);
  });

  it("needs autoscale enabled on the pool", async () => {
    const { client } = service();
    await addPool(client, "as-not-enabled", { nodes: 0 });
    expect(
      await errorOf(() => client.pool.evaluateAutoScale("as-not-enabled", "$TargetDedicatedNodes = 1;")),
    ).toMatchObject({ status: 409, code: "OperationInvalidForCurrentState" });
  });
});

describe("periodic evaluation with the Pulumi program's formula", () => {
  it("scales from zero up to the work and back to zero once the window forgets it", async () => {
    const { client } = service();
    const formula = autoscaleFormula({ minNodes: 0, maxNodes: 3, spotShare: 0, taskSlotsPerNode: 1, windowMinutes: 5 });
    await addAutoscalePool(client, "as-deployed", formula);
    await waitForNodes(client, "as-deployed", 0);

    await client.job.add({ id: "as-burst", poolInfo: { poolId: "as-deployed" } });
    const held = [1, 2, 3, 4, 5].map((i) => gates.gate(`burst-${i}`));
    await client.task.addCollection(
      "as-burst",
      held.map((g, i) => ({ id: `t${i}`, commandLine: g.commandLine })),
    );
    // Five pending tasks, one slot per node, at most three nodes.
    await waitForNodes(client, "as-deployed", 3, ["running"]);
    expect((await client.pool.get("as-deployed")).autoScaleRun?.results).toMatch(
      /^\$TargetDedicatedNodes=3;\$TargetLowPriorityNodes=0;\$NodeDeallocationOption=taskcompletion;/,
    );

    for (const g of held) g.open();
    for (let i = 0; i < held.length; i++) await waitForTask(client, "as-burst", `t${i}`);
    await waitForNodes(client, "as-deployed", 0);
    expect((await client.pool.get("as-deployed")).autoScaleRun?.results).toMatch(/^\$TargetDedicatedNodes=0;/);
  });
});

describe("enableautoscale's rate", () => {
  it("refuses a pool's second enable request within 30 seconds of the formula's clock, and grants it after", async () => {
    const { client } = service();
    await addPool(client, "as-often", { nodes: 0 });
    const enable = (formula: string) => client.pool.enableAutoScale("as-often", { autoScaleFormula: formula });
    await enable("$TargetDedicatedNodes = 0;");
    const refused = await errorOf(() => enable("$TargetDedicatedNodes = 1;"));
    expect(refused).toMatchObject({ status: 409, code: "AutoScaleTooManyRequestsToEnable" });
    expect((await client.pool.get("as-often")).autoScaleFormula).toBe("$TargetDedicatedNodes = 0;");
    // 30 seconds of the formula's clock are half a second here (time runs 60 times faster).
    await pollUntil("the next enable request to be granted", () =>
      enable("$TargetDedicatedNodes = 1;").then(
        () => true,
        (err: { code?: string }) => {
          if (err.code === "AutoScaleTooManyRequestsToEnable") return undefined;
          throw err;
        },
      ),
    );
    expect((await client.pool.get("as-often")).autoScaleFormula).toBe("$TargetDedicatedNodes = 1;");
  });
});

describe("scale-down honours $NodeDeallocationOption", () => {
  async function busyPool(client: BatchServiceClient, id: string): Promise<ReturnType<typeof gates.gate>> {
    await addAutoscalePool(client, id, "$TargetDedicatedNodes = 1;");
    await waitForNodes(client, id, 1);
    await client.job.add({ id: `${id}-job`, poolInfo: { poolId: id } });
    const gate = gates.gate(id);
    await client.task.add(`${id}-job`, { id: "long", commandLine: gate.commandLine });
    await waitForTask(client, `${id}-job`, "long", (t) => t.state === "running", "running");
    return gate;
  }

  it("requeue: the running task goes back to the queue and the node leaves at once", async () => {
    const { client } = service();
    await busyPool(client, "as-requeue");
    await client.pool.enableAutoScale("as-requeue", {
      autoScaleFormula: "$TargetDedicatedNodes = 0; $NodeDeallocationOption = requeue;",
    });
    await waitForNodes(client, "as-requeue", 0);
    const task = await waitForTask(client, "as-requeue-job", "long", (t) => t.state === "active", "requeued");
    expect(task.executionInfo?.requeueCount).toBe(1);
  });

  it("terminate: the running task ends and does not run again", async () => {
    const { client } = service();
    await busyPool(client, "as-terminate");
    await client.pool.enableAutoScale("as-terminate", {
      autoScaleFormula: "$TargetDedicatedNodes = 0; $NodeDeallocationOption = terminate;",
    });
    await waitForNodes(client, "as-terminate", 0);
    const task = await waitForTask(client, "as-terminate-job", "long");
    expect(task.executionInfo).toMatchObject({ result: "failure", requeueCount: 0 });
  });

  it("taskcompletion: the node stays until its task finishes, then leaves", async () => {
    const { client } = service();
    const gate = await busyPool(client, "as-complete");
    await client.pool.enableAutoScale("as-complete", {
      autoScaleFormula: "$TargetDedicatedNodes = 0; $NodeDeallocationOption = taskcompletion;",
    });
    // The run happened (the pool says so) and the task is still running on its node.
    await pollUntil("the autoscale run to target 0", async () =>
      (await client.pool.get("as-complete")).targetDedicatedNodes === 0 ? true : undefined,
    );
    expect((await client.task.get("as-complete-job", "long")).state).toBe("running");
    expect(await client.computeNode.list("as-complete")).toHaveLength(1);
    gate.open();
    const task = await waitForTask(client, "as-complete-job", "long");
    expect(task.executionInfo).toMatchObject({ result: "success", requeueCount: 0 });
    await waitForNodes(client, "as-complete", 0);
  });
});

describe("disableautoscale", () => {
  it("stops the runs and lets the pool be resized by hand", async () => {
    const { client } = service();
    await addAutoscalePool(client, "as-off", "$TargetDedicatedNodes = 1;");
    await waitForNodes(client, "as-off", 1);
    expect(await errorOf(() => client.pool.resize("as-off", { targetDedicatedNodes: 2 }))).toMatchObject({
      status: 409,
      code: "AutoScalingEnabled",
    });
    await client.pool.disableAutoScale("as-off");
    await client.pool.resize("as-off", { targetDedicatedNodes: 2 });
    await waitForNodes(client, "as-off", 2);
    const pool = await client.pool.get("as-off");
    expect(pool.enableAutoScale).toBe(false);
    expect(pool.autoScaleRun).toBeUndefined();
  });
});

describe("resource metrics measured from the nodes' processes", () => {
  // One vCPU, so one busy process is the node's whole CPU.
  const ONE_VCPU = "Standard_B1s";
  const FORMULA = `
cpu = avg($CPUPercent.GetSample(TimeInterval_Minute * 1));
memory = avg($MemoryBytes.GetSample(TimeInterval_Minute * 1));
$TargetDedicatedNodes = cpu > 50 ? 2 : 1;`;
  const valueIn = (results: string | undefined, name: string): number =>
    Number(new RegExp(`;\\$${name}=([^;]+)`).exec(results ?? "")?.[1]);

  async function onePool(client: BatchServiceClient, id: string): Promise<void> {
    await client.pool.add({
      id,
      vmSize: ONE_VCPU,
      virtualMachineConfiguration: IMAGE,
      enableAutoScale: true,
      // Fixed, so the busy node is not joined by an idle one that would halve the average.
      autoScaleFormula: "$TargetDedicatedNodes = 1;",
      autoScaleEvaluationInterval: "PT5M",
    });
    await waitForNodes(client, id, 1);
  }

  it("a formula on $CPUPercent sees a CPU-busy task, and an idle pool reads 0", async () => {
    const { client } = service();
    await onePool(client, "as-cpu-busy");
    await onePool(client, "as-cpu-idle");
    await client.job.add({ id: "as-cpu-job", poolInfo: { poolId: "as-cpu-busy" } });
    await client.task.add("as-cpu-job", {
      id: "spin",
      // Two spinning processes in the task's process group: a full vCPU even on a loaded machine.
      commandLine: bash("(while :; do :; done) & (while :; do :; done) & wait"),
      constraints: { maxWallClockTime: "PT2M" },
    });
    await waitForTask(client, "as-cpu-job", "spin", (t) => t.state === "running", "running");

    const busy = await pollUntil("the formula to see the busy CPU", async () => {
      const run = await client.pool.evaluateAutoScale("as-cpu-busy", FORMULA);
      return run.results?.startsWith("$TargetDedicatedNodes=2;") ? run : undefined;
    });
    expect(busy.error).toBeUndefined();
    expect(valueIn(busy.results, "cpu")).toBeGreaterThan(50);
    expect(valueIn(busy.results, "memory")).toBeGreaterThan(0);

    const idle = await client.pool.evaluateAutoScale("as-cpu-idle", FORMULA);
    expect(idle.error).toBeUndefined();
    expect(idle.results).toMatch(/^\$TargetDedicatedNodes=1;/);
    expect(valueIn(idle.results, "cpu")).toBe(0);
    expect(valueIn(idle.results, "memory")).toBe(0);

    await client.job.terminate("as-cpu-job");
    await waitForTask(client, "as-cpu-job", "spin");
  });
});
