import {
  batchAccountEntraOnly,
  closedEndpointsHavePrivateOnes,
  poolNodeAgentCurrent,
  poolScalesToZero,
  spotNeedsUserSubscription,
  storageHardened,
  userSubscriptionHasKeyVault,
} from "../../policy/policies";
import { runPolicy, runStackPolicy } from "./policy-harness";

const STORAGE_OK = {
  enableHttpsTrafficOnly: true,
  minimumTlsVersion: "TLS1_2",
  allowBlobPublicAccess: false,
  allowSharedKeyAccess: false,
  publicNetworkAccess: "Enabled",
};
const POOL_OK = {
  deploymentConfiguration: { virtualMachineConfiguration: { nodeAgentSkuId: "batch.node.ubuntu 24.04" } },
  scaleSettings: { autoScale: { formula: "$minNodes = 0;\n$TargetDedicatedNodes = 0;" } },
};

describe("policy pack", () => {
  test("storage: a hardened account passes; each weakness is reported", async () => {
    const type = "azure-native:storage:StorageAccount";
    expect(await runPolicy(storageHardened, type, STORAGE_OK)).toEqual([]);
    const weak = await runPolicy(storageHardened, type, {
      enableHttpsTrafficOnly: false,
      minimumTlsVersion: "TLS1_0",
      allowBlobPublicAccess: true,
    });
    expect(weak).toEqual([
      "enableHttpsTrafficOnly must be true",
      'minimumTlsVersion must be TLS1_2 or later (got "TLS1_0")',
      "allowBlobPublicAccess must be false",
      expect.stringMatching(
        /^publicNetworkAccess must be set explicitly to Enabled or Disabled \(got undefined\): unset, whether the public endpoint is open is Azure's default/,
      ),
      "allowSharedKeyAccess must be false (set the policy's allowSharedKey to make an exception)",
    ]);
    expect(
      await runPolicy(storageHardened, type, { ...STORAGE_OK, allowSharedKeyAccess: true }, { allowSharedKey: true }),
    ).toEqual([]);
    expect(await runPolicy(storageHardened, type, { ...STORAGE_OK, publicNetworkAccess: "Disabled" })).toEqual([]);
    expect(
      await runPolicy(storageHardened, type, { ...STORAGE_OK, publicNetworkAccess: "SecuredByPerimeter" }),
    ).toEqual([expect.stringMatching(/got "SecuredByPerimeter"/)]);
  });

  test("Batch account: Entra ID only passes; Shared Key or the unset default is reported unless excepted", async () => {
    const type = "azure-native:batch:BatchAccount";
    expect(await runPolicy(batchAccountEntraOnly, type, { allowedAuthenticationModes: ["AAD"] })).toEqual([]);
    expect(await runPolicy(batchAccountEntraOnly, type, { allowedAuthenticationModes: ["AAD", "SharedKey"] })).toEqual([
      expect.stringMatching(/includes SharedKey/),
    ]);
    expect(await runPolicy(batchAccountEntraOnly, type, {})).toEqual([expect.stringMatching(/must be set explicitly/)]);
    expect(
      await runPolicy(
        batchAccountEntraOnly,
        type,
        { allowedAuthenticationModes: ["AAD", "SharedKey"] },
        { allowSharedKey: true },
      ),
    ).toEqual([]);
  });

  test("Batch account: user-subscription allocation without a Key Vault reference is reported; Batch-service allocation needs none", async () => {
    const type = "azure-native:batch:BatchAccount";
    expect(await runPolicy(userSubscriptionHasKeyVault, type, { poolAllocationMode: "UserSubscription" })).toEqual([
      expect.stringMatching(/needs keyVaultReference/),
    ]);
    const vault = {
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
      url: "https://kv.vault.azure.net/",
    };
    expect(
      await runPolicy(userSubscriptionHasKeyVault, type, {
        poolAllocationMode: "UserSubscription",
        keyVaultReference: vault,
      }),
    ).toEqual([]);
    expect(await runPolicy(userSubscriptionHasKeyVault, type, { poolAllocationMode: "BatchService" })).toEqual([]);
  });

  test("pool: a current node agent passes; a retired one is reported", async () => {
    const type = "azure-native:batch:Pool";
    expect(await runPolicy(poolNodeAgentCurrent, type, POOL_OK)).toEqual([]);
    const old = {
      deploymentConfiguration: { virtualMachineConfiguration: { nodeAgentSkuId: "batch.node.ubuntu 20.04" } },
    };
    expect(await runPolicy(poolNodeAgentCurrent, type, old)).toEqual([
      expect.stringMatching(/"batch.node.ubuntu 20.04" is retired \(https:/),
    ]);
    const centos = {
      deploymentConfiguration: {
        virtualMachineConfiguration: {
          nodeAgentSkuId: "batch.node.ubuntu 24.04",
          imageReference: { publisher: "OpenLogic", offer: "CentOS", sku: "7_9" },
        },
      },
    };
    expect(await runPolicy(poolNodeAgentCurrent, type, centos)).toEqual([
      expect.stringMatching(/image OpenLogic\/CentOS\/7_9 is retired/),
    ]);
  });

  test("pool: autoscale to zero passes; a fixed pool or a floor above zero is reported", async () => {
    const type = "azure-native:batch:Pool";
    expect(await runPolicy(poolScalesToZero, type, POOL_OK)).toEqual([]);
    expect(
      await runPolicy(poolScalesToZero, type, { scaleSettings: { fixedScale: { targetDedicatedNodes: 3 } } }),
    ).toEqual([expect.stringMatching(/must autoscale/)]);
    expect(
      await runPolicy(poolScalesToZero, type, { scaleSettings: { autoScale: { formula: "$minNodes = 2;" } } }),
    ).toEqual([expect.stringMatching(/floor is 2 nodes/)]);
  });

  test("Spot: a pool asking for preemptible nodes in a Batch-service account is refused with why and what to do", async () => {
    const account = (poolAllocationMode?: string) => ({
      type: "azure-native:batch:BatchAccount",
      name: "acct",
      props: poolAllocationMode ? { poolAllocationMode } : {},
    });
    const pool = (scaleSettings: Record<string, unknown>) => ({
      type: "azure-native:batch:Pool",
      name: "ocr-pool",
      props: { scaleSettings },
    });
    const spotFormula = pool({ autoScale: { formula: "$spot = 1;\n$TargetLowPriorityNodes = $spot;" } });
    const noSpotFormula = pool({
      autoScale: { formula: "$TargetLowPriorityNodes = 0;\n$TargetDedicatedNodes = $total;" },
    });
    const fixedSpot = pool({ fixedScale: { targetDedicatedNodes: 1, targetLowPriorityNodes: 2 } });

    const refused = await runStackPolicy(spotNeedsUserSubscription, [account("BatchService"), spotFormula]);
    expect(refused).toEqual([
      expect.stringMatching(
        /^ocr-pool: pool ocr-pool asks for preemptible nodes \(the autoscale formula sets \$TargetLowPriorityNodes = \$spot\)/,
      ),
    ]);
    expect(refused[0]).toMatch(
      /Spot nodes need user-subscription pool allocation .*Set batch-ocr:spotShare to 0, or batch-ocr:poolAllocationMode to UserSubscription/,
    );
    // Unset allocation mode is Azure's default, Batch service.
    expect(await runStackPolicy(spotNeedsUserSubscription, [account(), fixedSpot])).toEqual([
      expect.stringMatching(/fixedScale.targetLowPriorityNodes = 2/),
    ]);
    expect(await runStackPolicy(spotNeedsUserSubscription, [account("BatchService"), noSpotFormula])).toEqual([]);
    expect(await runStackPolicy(spotNeedsUserSubscription, [account("UserSubscription"), spotFormula])).toEqual([]);
  });

  test("closed public endpoints: a Disabled account without private endpoints for what it serves is refused, naming the missing groups", async () => {
    const batchAccount = {
      type: "azure-native:batch:BatchAccount",
      name: "acct",
      props: { publicNetworkAccess: "Disabled" },
    };
    const storageAccount = {
      type: "azure-native:storage:StorageAccount",
      name: "st",
      props: { publicNetworkAccess: "Disabled" },
    };
    const endpoint = (groupId: string) => ({
      type: "azure-native:network:PrivateEndpoint",
      name: `pe-${groupId}`,
      props: { privateLinkServiceConnections: [{ groupIds: [groupId] }] },
    });
    expect(
      await runStackPolicy(closedEndpointsHavePrivateOnes, [batchAccount, storageAccount, endpoint("batchAccount")]),
    ).toEqual([
      expect.stringMatching(
        /^acct: acct has public network access Disabled but the stack declares no private endpoint for nodeManagement:/,
      ),
      expect.stringMatching(/^st: .*no private endpoint for blob/),
    ]);
    expect(
      await runStackPolicy(closedEndpointsHavePrivateOnes, [
        batchAccount,
        storageAccount,
        endpoint("batchAccount"),
        endpoint("nodeManagement"),
        endpoint("blob"),
      ]),
    ).toEqual([]);
    expect(
      await runStackPolicy(closedEndpointsHavePrivateOnes, [
        { ...batchAccount, props: { publicNetworkAccess: "Enabled" } },
      ]),
    ).toEqual([]);
  });

  test("policies ignore resource types they do not govern", async () => {
    expect(await runPolicy(storageHardened, "azure-native:batch:Pool", {})).toEqual([]);
    expect(await runPolicy(poolScalesToZero, "azure-native:storage:StorageAccount", {})).toEqual([]);
  });
});
