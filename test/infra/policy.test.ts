import { batchAccountEntraOnly, poolNodeAgentCurrent, poolScalesToZero, storageHardened } from "../../policy/policies";
import { runPolicy } from "./policy-harness";

const STORAGE_OK = {
  enableHttpsTrafficOnly: true,
  minimumTlsVersion: "TLS1_2",
  allowBlobPublicAccess: false,
  allowSharedKeyAccess: false,
};
const POOL_OK = {
  deploymentConfiguration: { virtualMachineConfiguration: { nodeAgentSkuId: "batch.node.ubuntu 24.04" } },
  scaleSettings: { autoScale: { formula: "$minNodes = 0;\n$TargetDedicatedNodes = 0;" } },
};

describe("policy pack", () => {
  test("storage: a hardened account passes; each weakness is reported", async () => {
    const type = "azure-native:storage:StorageAccount";
    expect(await runPolicy(storageHardened, type, STORAGE_OK)).toEqual([]);
    const weak = await runPolicy(storageHardened, type, { enableHttpsTrafficOnly: false, minimumTlsVersion: "TLS1_0", allowBlobPublicAccess: true });
    expect(weak).toEqual([
      "enableHttpsTrafficOnly must be true",
      'minimumTlsVersion must be TLS1_2 or later (got "TLS1_0")',
      "allowBlobPublicAccess must be false",
      "allowSharedKeyAccess must be false (set the policy's allowSharedKey to make an exception)",
    ]);
    expect(await runPolicy(storageHardened, type, { ...STORAGE_OK, allowSharedKeyAccess: true }, { allowSharedKey: true })).toEqual([]);
  });

  test("Batch account: Entra ID only passes; Shared Key or the unset default is reported unless excepted", async () => {
    const type = "azure-native:batch:BatchAccount";
    expect(await runPolicy(batchAccountEntraOnly, type, { allowedAuthenticationModes: ["AAD"] })).toEqual([]);
    expect(await runPolicy(batchAccountEntraOnly, type, { allowedAuthenticationModes: ["AAD", "SharedKey"] })).toEqual([
      expect.stringMatching(/includes SharedKey/),
    ]);
    expect(await runPolicy(batchAccountEntraOnly, type, {})).toEqual([expect.stringMatching(/must be set explicitly/)]);
    expect(await runPolicy(batchAccountEntraOnly, type, { allowedAuthenticationModes: ["AAD", "SharedKey"] }, { allowSharedKey: true })).toEqual([]);
  });

  test("pool: a current node agent passes; a retired one is reported", async () => {
    const type = "azure-native:batch:Pool";
    expect(await runPolicy(poolNodeAgentCurrent, type, POOL_OK)).toEqual([]);
    const old = { deploymentConfiguration: { virtualMachineConfiguration: { nodeAgentSkuId: "batch.node.ubuntu 20.04" } } };
    expect(await runPolicy(poolNodeAgentCurrent, type, old)).toEqual([expect.stringMatching(/"batch.node.ubuntu 20.04" is retired/)]);
  });

  test("pool: autoscale to zero passes; a fixed pool or a floor above zero is reported", async () => {
    const type = "azure-native:batch:Pool";
    expect(await runPolicy(poolScalesToZero, type, POOL_OK)).toEqual([]);
    expect(await runPolicy(poolScalesToZero, type, { scaleSettings: { fixedScale: { targetDedicatedNodes: 3 } } })).toEqual([
      expect.stringMatching(/must autoscale/),
    ]);
    expect(await runPolicy(poolScalesToZero, type, { scaleSettings: { autoScale: { formula: "$minNodes = 2;" } } })).toEqual([
      expect.stringMatching(/floor is 2 nodes/),
    ]);
  });

  test("policies ignore resource types they do not govern", async () => {
    expect(await runPolicy(storageHardened, "azure-native:batch:Pool", {})).toEqual([]);
    expect(await runPolicy(poolScalesToZero, "azure-native:storage:StorageAccount", {})).toEqual([]);
  });
});
