/** Runs one resource validation policy on one resource, the way the policy engine would call it. */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export async function runPolicy(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, unknown>,
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const violations: string[] = [];
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {}).map(([k, schema]) => [k, (schema as { default?: unknown }).default]),
  );
  const args = {
    type,
    props,
    urn: `urn:pulumi:test::batch-ocr::${type}::r`,
    name: "r",
    opts: {},
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({ ...defaults, ...config }),
    notApplicable: () => undefined,
  } as unknown as ResourceValidationArgs;
  const validations = policy.validateResource === undefined ? [] : ([] as unknown[]).concat(policy.validateResource);
  for (const validate of validations) {
    await (validate as (a: ResourceValidationArgs, report: (m: string) => void) => unknown)(args, (m) => violations.push(m));
  }
  return violations;
}
