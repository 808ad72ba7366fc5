/**
 * Autoscale driven by the Azure CLI, as a user tries a formula before deploying it:
 * `az batch pool autoscale enable`, `evaluate` and `disable` against the local service.
 */
import { azCli, type AzCli } from "./clients/az-cli";
import { useLocalCloud } from "./clients/local-cloud-fixture";
import { POC_POOL } from "./clients/poc-outcome";
import { autoscaleFormula } from "../../shared/autoscale";

const connection = useLocalCloud("autoscale-az");
let az: AzCli;

beforeAll(() => {
  az = azCli(connection());
});
afterAll(() => az.dispose());

interface AutoScaleRun {
  results?: string;
  error?: { code: string; values: { name: string; value: string }[] };
}

test("enable, evaluate and disable a pool's autoscale with az batch pool autoscale", async () => {
  await az.ok([
    "batch",
    "pool",
    "create",
    "--id",
    "az-autoscale",
    "--vm-size",
    POC_POOL.vmSize,
    "--target-dedicated-nodes",
    "0",
    "--image",
    POC_POOL.imageUrn,
    "--node-agent-sku-id",
    POC_POOL.nodeAgentSkuId,
  ]);

  const deployed = autoscaleFormula({
    minNodes: 0,
    maxNodes: 4,
    spotShare: 0.5,
    taskSlotsPerNode: 2,
    windowMinutes: 5,
  });
  await az.ok([
    "batch",
    "pool",
    "autoscale",
    "enable",
    "--pool-id",
    "az-autoscale",
    "--auto-scale-formula",
    deployed,
    "--auto-scale-evaluation-interval",
    "PT5M",
  ]);
  const pool = await az.json<{ enableAutoScale: boolean; autoScaleRun: AutoScaleRun }>([
    "batch",
    "pool",
    "show",
    "--pool-id",
    "az-autoscale",
  ]);
  expect(pool.enableAutoScale).toBe(true);
  expect(pool.autoScaleRun.error ?? null).toBeNull(); // az prints absent properties as null
  expect(pool.autoScaleRun.results).toMatch(
    /^\$TargetDedicatedNodes=0;\$TargetLowPriorityNodes=0;\$NodeDeallocationOption=taskcompletion;/,
  );

  const evaluated = await az.json<AutoScaleRun>([
    "batch",
    "pool",
    "autoscale",
    "evaluate",
    "--pool-id",
    "az-autoscale",
    "--auto-scale-formula",
    "$TargetDedicatedNodes = max(1, $CurrentDedicatedNodes); $TargetLowPriorityNodes = 2;",
  ]);
  expect(evaluated.results).toBe("$TargetDedicatedNodes=1;$TargetLowPriorityNodes=2;$NodeDeallocationOption=requeue");

  const insufficient = await az.json<AutoScaleRun>([
    "batch",
    "pool",
    "autoscale",
    "evaluate",
    "--pool-id",
    "az-autoscale",
    "--auto-scale-formula",
    "$TargetDedicatedNodes = avg($CPUPercent.GetSample(TimeInterval_Minute * 10, 50));",
  ]);
  expect(insufficient.error?.code).toBe("InsufficientSampleData");
  expect(insufficient.error?.values[0]?.value).toBe(
    "Line 1, Col 29: Insufficient data from data set: $CPUPercent wanted 50%, received 0%",
  );

  const refused = await az.error([
    "batch",
    "pool",
    "autoscale",
    "evaluate",
    "--pool-id",
    "az-autoscale",
    "--auto-scale-formula",
    "$TargetDedicatedNodes = floor(2.5);",
  ]);
  expect(refused).toMatchObject({ status: 400, code: "AutoScalingFormulaSyntaxError" });

  await az.ok(["batch", "pool", "autoscale", "disable", "--pool-id", "az-autoscale"]);
  expect(
    await az.json<boolean>(["batch", "pool", "show", "--pool-id", "az-autoscale", "--query", "enableAutoScale"]),
  ).toBe(false);
}, 120_000);
