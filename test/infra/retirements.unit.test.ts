/**
 * Fails when the project uses something on Azure Batch's retirement list (shared/retirements.ts):
 * in a stack's config, in the pool it declares, in the API version the dispatcher sends, or
 * written anywhere in the code that reaches Azure.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadStackConfig } from "../../shared/config";
import { poolSpec } from "../../shared/pool-spec";
import {
  BATCH_API_NOTICE,
  isRetiredBatchApiVersion,
  RETIRED_IMAGES,
  RETIRED_NODE_AGENTS,
  RETIRED_VM_FAMILIES,
  retiredImage,
  retiredNodeAgent,
  retiredVmFamily,
} from "../../shared/retirements";
import { DEFAULT_BATCH_API_VERSION } from "../../tasks/credentials";

const ROOT = path.join(__dirname, "..", "..");
const stacks = readdirSync(ROOT)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

/** Code that talks to Azure. local/ is left out on purpose: it answers old API versions as Batch does. */
const CODE_DIRS = ["infra", "shared", "worker", "tasks", "contracts", "policy"];
const THE_TABLE = path.join("shared", "retirements.ts");

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|json|ya?ml)$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .filter((f) => f !== THE_TABLE && !f.includes("node_modules"));
}

describe("nothing on the retirement list is used", () => {
  test.each(stacks)("stack %s: its VM size and its pool's image and node agent are current", (stack) => {
    const spec = poolSpec(loadStackConfig(stack, ROOT));
    expect({
      vmSize: retiredVmFamily(spec.vmSize),
      agent: retiredNodeAgent(spec.nodeAgentSkuId),
      image: retiredImage(spec.imageReference),
    }).toEqual({
      vmSize: undefined,
      agent: undefined,
      image: undefined,
    });
  });

  test("the dispatcher sends a Batch data-plane API version that is not retired", () => {
    expect({
      apiVersion: DEFAULT_BATCH_API_VERSION,
      retired: isRetiredBatchApiVersion(DEFAULT_BATCH_API_VERSION),
    }).toEqual({
      apiVersion: DEFAULT_BATCH_API_VERSION,
      retired: false,
    });
  });

  test("no code that reaches Azure names a retired API version, node agent or image", () => {
    const found: string[] = [];
    for (const file of CODE_DIRS.flatMap(sourceFiles)) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      // Data-plane versions with a `.major.minor` tail are the series before 2025-06-01.
      for (const m of text.matchAll(/\b20\d\d-\d\d-\d\d\.\d+\.\d+\b/g))
        if (isRetiredBatchApiVersion(m[0])) found.push(`${file}: Batch API ${m[0]}`);
      for (const agent of RETIRED_NODE_AGENTS)
        if (text.toLowerCase().includes(agent.sku)) found.push(`${file}: node agent ${agent.sku}`);
      if (/\bOpenLogic\b|\bCentOS\b/i.test(text)) found.push(`${file}: CentOS`);
      if (/0001-com-ubuntu-server-focal|\bUbuntuServer\b/i.test(text))
        found.push(`${file}: Ubuntu 20.04 or older image`);
    }
    expect(found).toEqual([]);
  });
});

describe("the retirement table", () => {
  const entries = [...RETIRED_NODE_AGENTS, ...RETIRED_IMAGES, ...RETIRED_VM_FAMILIES, BATCH_API_NOTICE];

  test("every entry links to a Microsoft notice", () => {
    for (const e of entries)
      expect(e.notice).toMatch(/^https:\/\/(learn\.microsoft\.com\/azure\/|github\.com\/Azure\/Batch\/)/);
  });

  test("it recognises what it lists and passes what is current", () => {
    expect(retiredNodeAgent("batch.node.ubuntu 20.04")).toBeDefined();
    expect(retiredNodeAgent("Batch.Node.CentOS 7")).toBeDefined();
    expect(retiredNodeAgent("batch.node.ubuntu 24.04")).toBeUndefined();
    expect(retiredImage({ publisher: "OpenLogic", offer: "CentOS", sku: "7_9" })).toBeDefined();
    expect(
      retiredImage({ publisher: "canonical", offer: "0001-com-ubuntu-server-focal", sku: "20_04-lts" }),
    ).toBeDefined();
    expect(retiredImage({ publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" })).toBeUndefined();
    expect(retiredVmFamily("Standard_A2")?.family).toMatch(/Av1/);
    expect(retiredVmFamily("Standard_NV6")).toBeDefined();
    expect(retiredVmFamily("Standard_D2as_v5")).toBeUndefined();
    expect(isRetiredBatchApiVersion("2024-07-01.20.0")).toBe(true);
    expect(isRetiredBatchApiVersion("2025-06-01")).toBe(false);
  });
});
