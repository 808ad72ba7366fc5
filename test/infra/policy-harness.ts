/** Runs one resource validation policy on one resource, the way the policy engine would call it. */
import type {
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

export async function runPolicy(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, unknown>,
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const violations: string[] = [];
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {}).map(([k, schema]) => [
      k,
      (schema as { default?: unknown }).default,
    ]),
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
    await (validate as (a: ResourceValidationArgs, report: (m: string) => void) => unknown)(args, (m) =>
      violations.push(m),
    );
  }
  return violations;
}

export interface StackResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
}

/** Runs one stack validation policy on a set of resources; each violation as `urn: message` or the message alone. */
export async function runStackPolicy(policy: StackValidationPolicy, resources: StackResource[]): Promise<string[]> {
  const violations: string[] = [];
  const args = {
    resources: resources.map((r) => ({
      ...r,
      urn: `urn:pulumi:test::batch-ocr::${r.type}::${r.name}`,
      opts: {},
      dependencies: [],
      propertyDependencies: {},
    })),
    stackTags: new Map(),
    getConfig: () => ({}),
  } as unknown as StackValidationArgs;
  await policy.validateStack(args, (message, urn) =>
    violations.push(urn ? `${urn.split("::").pop() ?? urn}: ${message}` : message),
  );
  return violations;
}
