import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, configJsonSchema, ConfigError, loadStackConfig, parseConfig } from "../../shared/config";
import { poolSpec } from "../../shared/pool-spec";

const ROOT = path.join(__dirname, "..", "..");

function problemsOf(raw: Record<string, unknown>): string {
  try {
    parseConfig(raw, "test");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("stack configuration", () => {
  test("the dev stack parses, and Pulumi's string values are coerced to their types", () => {
    const dev = loadStackConfig("dev", ROOT);
    expect(dev).toMatchObject({
      location: "westeurope",
      minNodes: 0,
      maxNodes: 4,
      spotShare: 0,
      vmSize: "Standard_D2as_v5",
    });
    const fromStrings = parseConfig({
      "batch-ocr:location": "northeurope",
      "batch-ocr:maxNodes": "8",
      "batch-ocr:privateNetwork": "true",
    });
    expect(fromStrings).toMatchObject({ location: "northeurope", maxNodes: 8, privateNetwork: true });
  });

  test("Pulumi.yaml's config schema declares every key with the parser's type, default and description", () => {
    const schema = (
      parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { type: string; default?: unknown; description?: string }>;
      }
    ).config;
    const declared = configJsonSchema();
    expect(Object.keys(schema).sort()).toEqual([...CONFIG_KEYS].sort());
    for (const key of CONFIG_KEYS) {
      const entry = schema[key];
      const spec = declared[key];
      expect({ key, type: entry?.type, default: entry?.default, description: entry?.description }).toEqual({
        key,
        type: spec.type,
        default: spec.default,
        description: spec.description,
      });
      expect(spec.description).toBeTruthy();
    }
  });

  test("a missing location is refused with a message that says what to set", () => {
    expect(problemsOf({})).toMatch(/batch-ocr:location is required/);
  });

  test("max nodes below min nodes is refused", () => {
    expect(problemsOf({ location: "westeurope", minNodes: 5, maxNodes: 2 })).toMatch(
      /maxNodes \(2\) must not be below minNodes \(5\)/,
    );
  });

  test.each(["Standard_D2_v2", "Standard_DS3_v2", "Standard_D4", "Standard_A2", "Standard_DS2"])(
    "retiring VM family %s is refused",
    (vmSize) => {
      expect(problemsOf({ location: "westeurope", vmSize })).toMatch(/retired or retiring family/);
    },
  );

  test.each(["Standard_D2as_v5", "Standard_D4s_v5", "Standard_F2s_v2", "Standard_E2ads_v5"])(
    "current VM size %s is accepted",
    (vmSize) => {
      expect(parseConfig({ location: "westeurope", vmSize }).vmSize).toBe(vmSize);
    },
  );

  test("nonsense is refused, every problem at once", () => {
    const message = problemsOf({
      location: "westeurope",
      vmSize: "big",
      spotShare: 2,
      autoscaleIntervalMinutes: 1,
      maxNodes: "many",
      colour: "red",
    });
    expect(message).toMatch(/vmSize "big" is not an Azure VM size/);
    expect(message).toMatch(/spotShare must be between 0 and 1/);
    expect(message).toMatch(/autoscaleIntervalMinutes must be at least 5/);
    expect(message).toMatch(/maxNodes must be an integer \(got "many"\)/);
    expect(message).toMatch(/unknown key batch-ocr:colour/);
  });

  test("a Spot share is refused in Batch-service allocation, and the message says what to do", () => {
    const message = problemsOf({ location: "westeurope", spotShare: 0.5 });
    expect(message).toMatch(
      /spotShare 0.5 cannot deploy: Spot nodes need a Batch account in user-subscription pool allocation mode/,
    );
    expect(message).toMatch(/low-priority nodes were retired/);
    expect(message).toMatch(/Set batch-ocr:spotShare to 0, or set batch-ocr:poolAllocationMode to UserSubscription/);
    expect(parseConfig({ location: "westeurope", spotShare: 0 }).spotShare).toBe(0);
  });

  const BATCH_SP = "99999999-8888-7777-6666-555555555555";

  test("user-subscription allocation takes a Spot share, given the Batch service principal's object id", () => {
    expect(
      parseConfig({
        location: "westeurope",
        poolAllocationMode: "UserSubscription",
        batchServicePrincipalObjectId: BATCH_SP,
        spotShare: 0.5,
      }),
    ).toMatchObject({
      poolAllocationMode: "UserSubscription",
      spotShare: 0.5,
    });
    expect(parseConfig({ location: "westeurope" }).poolAllocationMode).toBe("BatchService");
  });

  test("user-subscription allocation without the Batch service principal, with Shared Key, or an unknown mode is refused, saying why", () => {
    expect(problemsOf({ location: "westeurope", poolAllocationMode: "UserSubscription" })).toMatch(
      /poolAllocationMode UserSubscription needs batchServicePrincipalObjectId.*az ad sp show --id ddbf3205-c6bd-46ae-8127-60eb93363864 --query id -o tsv/,
    );
    expect(
      problemsOf({
        location: "westeurope",
        poolAllocationMode: "UserSubscription",
        batchServicePrincipalObjectId: BATCH_SP,
        batchSharedKeyAccess: true,
      }),
    ).toMatch(
      /batchSharedKeyAccess cannot be true with poolAllocationMode UserSubscription: Batch accepts only Microsoft Entra ID/,
    );
    expect(problemsOf({ location: "westeurope", poolAllocationMode: "User" })).toMatch(
      /poolAllocationMode must be BatchService or UserSubscription \(got "User"\)/,
    );
    expect(
      problemsOf({
        location: "westeurope",
        poolAllocationMode: "UserSubscription",
        batchServicePrincipalObjectId: "batch",
      }),
    ).toMatch(/batchServicePrincipalObjectId must be an Entra ID object id/);
  });

  test("an operator principal type other than User, Group or ServicePrincipal is refused", () => {
    expect(problemsOf({ location: "westeurope", operatorPrincipalType: "Robot" })).toMatch(
      /operatorPrincipalType must be User, Group, ServicePrincipal \(got "Robot"\)/,
    );
    expect(parseConfig({ location: "westeurope" }).operatorPrincipalType).toBe("User");
  });

  test("task slots above Batch's 4 × vCPUs limit for the VM size are refused, naming the limit", () => {
    expect(problemsOf({ location: "westeurope", vmSize: "Standard_D2as_v5", taskSlotsPerNode: 9 })).toMatch(
      /taskSlotsPerNode 9 is more than Batch allows on Standard_D2as_v5 \(2 vCPUs\): at most 8/,
    );
    expect(
      parseConfig({ location: "westeurope", vmSize: "Standard_D2as_v5", taskSlotsPerNode: 8 }).taskSlotsPerNode,
    ).toBe(8);
    // A constrained-core size offers its active vCPUs only.
    expect(problemsOf({ location: "westeurope", vmSize: "Standard_E4-2as_v5", taskSlotsPerNode: 9 })).toMatch(
      /\(2 vCPUs\): at most 8/,
    );
    expect(
      parseConfig({ location: "westeurope", vmSize: "Standard_D96as_v5", taskSlotsPerNode: 256 }).taskSlotsPerNode,
    ).toBe(256);
  });

  test("a retired size and too many task slots for it are both said in one pass", () => {
    const message = problemsOf({ location: "westeurope", vmSize: "Standard_D2_v2", taskSlotsPerNode: "9" });
    expect(message).toMatch(/vmSize Standard_D2_v2 is in a retired or retiring family/);
    expect(message).toMatch(/taskSlotsPerNode 9 is more than Batch allows on Standard_D2_v2 \(2 vCPUs\): at most 8/);
  });

  test("a VM size whose vCPUs cannot be known is refused with the reason, not waved through", () => {
    expect(problemsOf({ location: "westeurope", vmSize: "Standard_Custom" })).toMatch(
      /vmSize Standard_Custom carries no vCPU count in its name/,
    );
  });

  test("public network access off is refused without the private network its endpoints live in, and accepted with it", () => {
    const message = problemsOf({ location: "westeurope", publicNetworkAccess: false });
    expect(message).toMatch(
      /publicNetworkAccess false needs privateNetwork true: the private endpoints for the Batch account \(groups batchAccount and nodeManagement\) and blob storage/,
    );
    expect(message).toMatch(/Set privateNetwork true, or leave publicNetworkAccess true/);
    expect(parseConfig({ location: "westeurope", publicNetworkAccess: false, privateNetwork: true })).toMatchObject({
      publicNetworkAccess: false,
      endpointSubnetPrefix: "10.40.1.0/24",
    });
  });

  test("subnets outside the virtual network's address space, or overlapping each other, are refused before Azure refuses them", () => {
    const closed = { location: "westeurope", privateNetwork: true, publicNetworkAccess: false };
    expect(problemsOf({ ...closed, endpointSubnetPrefix: "10.41.0.0/24" })).toMatch(
      /endpointSubnetPrefix 10.41.0.0\/24 lies outside vnetAddressSpace 10.40.0.0\/16/,
    );
    expect(problemsOf({ ...closed, endpointSubnetPrefix: "10.40.0.128/25" })).toMatch(
      /endpointSubnetPrefix 10.40.0.128\/25 overlaps subnetPrefix 10.40.0.0\/24/,
    );
    expect(problemsOf({ location: "westeurope", privateNetwork: true, subnetPrefix: "192.168.0.0/24" })).toMatch(
      /subnetPrefix 192.168.0.0\/24 lies outside vnetAddressSpace/,
    );
    expect(problemsOf({ location: "westeurope", subnetPrefix: "10.40.0.300/24" })).toMatch(
      /subnetPrefix must be a CIDR block/,
    );
    // The endpoints' subnet is not declared while public access is on, so it is not held against the pool's.
    expect(
      parseConfig({ location: "westeurope", privateNetwork: true, endpointSubnetPrefix: "10.40.0.0/24" })
        .privateNetwork,
    ).toBe(true);
    expect(
      parseConfig({
        ...closed,
        vnetAddressSpace: "10.0.0.0/8",
        subnetPrefix: "10.255.255.0/24",
        endpointSubnetPrefix: "10.0.0.0/28",
      }).publicNetworkAccess,
    ).toBe(false);
  });

  test("a namePrefix that would make an autonamed name too long for Azure is refused, naming the resource and the rule", () => {
    expect(parseConfig({ location: "westeurope", namePrefix: "abcdefghijk" }).namePrefix).toBe("abcdefghijk");
    const message = problemsOf({ location: "westeurope", namePrefix: "abcdefghijkl" });
    expect(message).toMatch(
      /namePrefix abcdefghijkl: BatchAccount name "abcdefghijklbatch0a1b2c3d" \(25 characters\) breaks Azure's rule: 3–24 characters/,
    );
    expect(message).not.toMatch(/StorageAccount/); // 12 + "st" + 8 = 22 still fits
  });

  test("a Log Analytics workspace is named by its resource id, anything else is refused with how to get it", () => {
    const id =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/ops-logs";
    expect(parseConfig({ location: "westeurope", logAnalyticsWorkspaceId: id }).logAnalyticsWorkspaceId).toBe(id);
    expect(parseConfig({ location: "westeurope" }).logAnalyticsWorkspaceId).toBeUndefined();
    expect(problemsOf({ location: "westeurope", logAnalyticsWorkspaceId: "ops-logs" })).toMatch(
      /logAnalyticsWorkspaceId must be a Log Analytics workspace's resource id.*az monitor log-analytics workspace show/,
    );
  });

  test("an unknown stack names the file it looked for", () => {
    expect(() => loadStackConfig("nope", ROOT)).toThrow(/no stack file .*Pulumi\.nope\.yaml/);
  });

  test("the pool spec carries the config through (the local pool is deployed from it too)", () => {
    const spec = poolSpec(
      parseConfig({ location: "westeurope", poolId: "p1", taskSlotsPerNode: 4, nodeFillType: "Spread" }),
    );
    expect(spec).toMatchObject({
      poolId: "p1",
      taskSlotsPerNode: 4,
      taskSchedulingPolicy: "Spread",
      nodeAgentSkuId: "batch.node.ubuntu 24.04",
    });
    expect(spec.startTask).toMatchObject({ elevated: true, waitForSuccess: true, maxTaskRetryCount: 3 });
  });
});
