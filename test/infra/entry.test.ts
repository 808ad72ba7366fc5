import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { declared, installMocks, settled, valueOf } from "./mocks";
import { parseStackOutputs, STACK_OUTPUT_KEYS } from "../../contracts/stack-outputs";

const ROOT = path.join(__dirname, "..", "..");

test("the Pulumi entry point runs on the dev stack's config and exports the dispatcher's contract", async () => {
  const dev = parse(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(dev.config).map(([k, v]) => [k, String(v)])));
  installMocks("dev");

  // Loaded only now, after the config is set, exactly as the Pulumi runtime loads a program.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require("../../infra/index") as Record<string, pulumi.Output<unknown>>;
  const outputs: Record<string, unknown> = {};
  for (const key of STACK_OUTPUT_KEYS) outputs[key] = await valueOf(program[key] as pulumi.Output<unknown>);
  await settled();

  const parsed = parseStackOutputs(outputs, "dev stack");
  expect(parsed.location).toBe("westeurope");
  expect(parsed.batchAuthModes).toEqual(["AAD"]);
  // The real worker bundle was built and hashed: its version is on the package and the pool.
  expect(parsed.applicationVersion).toMatch(/^[0-9a-f]{12}$/);
  const pool = declared.find((r) => r.type === "azure-native:batch:Pool");
  expect(pool?.inputs).toMatchObject({
    vmSize: "Standard_D2as_v5",
    applicationPackages: [{ version: parsed.applicationVersion }],
  });
  expect(String((pool?.inputs.scaleSettings as { autoScale: { formula: string } }).autoScale.formula)).toContain(
    "$TargetLowPriorityNodes = 0;",
  ); // dev asks for no Spot (Batch-service account)
});
