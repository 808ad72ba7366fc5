import type * as pulumi from "@pulumi/pulumi";
import {
  declared,
  installMocks,
  NAME_INPUT,
  ofType,
  one,
  settled,
  SUBSCRIPTION,
  valueOf,
  type DeclaredResource,
} from "./mocks";
installMocks();

import { parseStackOutputs, STACK_OUTPUT_KEYS, type StackOutputs } from "../../contracts/stack-outputs";
import { startTaskCommandLine } from "../../contracts/node-setup";
import { autonamed, AZURE_NAME_RULES, azureNameProblem } from "../../shared/azure-names";
import { parseConfig, type OcrConfig } from "../../shared/config";
import { POOL_REPLACE_ON_CHANGES } from "../../infra/pool";
import { createResourceGroup } from "../../infra/resource-group";
import { createStorage } from "../../infra/storage";
import { createInfrastructure } from "../../infra/stack";
import { POLICIES, STACK_POLICIES } from "../../policy/policies";
import { runPolicy, runStackPolicy } from "./policy-harness";

const WORKER = { zipPath: "/fixture/worker.zip", version: "0123456789ab", sha256: "a".repeat(64) };
const BASE = { location: "westeurope", namePrefix: "ocrtest" };

async function deploy(
  overrides: Record<string, unknown> = {},
): Promise<{ cfg: OcrConfig; outputs: Record<string, unknown> }> {
  declared.length = 0;
  const cfg = parseConfig({ ...BASE, ...overrides });
  const out = createInfrastructure(cfg, { workerPackage: WORKER });
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) outputs[k] = await valueOf<unknown>(v as pulumi.Output<unknown>);
  await settled();
  return { cfg, outputs };
}

const props = (r: DeclaredResource) => r.inputs as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("the declared Azure environment (default config)", () => {
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    ({ outputs } = await deploy());
  });

  test("storage is StorageV2, HTTPS only, TLS 1.2, no public blobs, shared key off, Entra ID by default, public endpoint open by choice", () => {
    const st = props(one("storage:StorageAccount"));
    expect(st).toMatchObject({
      kind: "StorageV2",
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      // Nodes and the dispatcher reach blobs over the public endpoint; stated, not Azure's default.
      publicNetworkAccess: "Enabled",
      networkRuleSet: { defaultAction: "Allow" },
    });
  });

  test("blobs and containers are soft-deleted, and results expire after the retention", () => {
    const svc = props(one("storage:BlobServiceProperties"));
    expect(svc.deleteRetentionPolicy).toEqual({ enabled: true, days: 7 });
    expect(svc.containerDeleteRetentionPolicy).toEqual({ enabled: true, days: 7 });
    const rule = props(one("storage:ManagementPolicy")).policy.rules[0];
    expect(rule.definition.filters.prefixMatch).toEqual(["results/"]);
    expect(rule.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan).toBe(30);
  });

  test("the two containers are named from config and private", () => {
    const names = ofType("storage:BlobContainer")
      .map((c) => props(c).containerName)
      .sort();
    expect(names).toEqual(["images", "results"]);
    for (const c of ofType("storage:BlobContainer")) expect(props(c).publicAccess).toBe("None");
  });

  test("the Batch account allocates in the Batch service, accepts Entra ID only, and links storage through its identity", () => {
    const account = props(one("batch:BatchAccount"));
    expect(account.poolAllocationMode).toBe("BatchService");
    expect(account.allowedAuthenticationModes).toEqual(["AAD"]);
    expect(account.publicNetworkAccess).toBe("Enabled");
    expect(account.identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [expect.stringContaining("/userAssignedIdentities/batchaccountidentity")],
    });
    expect(account.autoStorage).toEqual({
      storageAccountId: expect.stringContaining("/storageAccounts/ocrtestst"),
      authenticationMode: "BatchAccountManagedIdentity",
      nodeIdentityReference: { resourceId: expect.stringContaining("/userAssignedIdentities/poolidentity") },
    });
  });

  test("roles: the pool reads storage and writes only the results container; the account writes packages", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const roles: Record<string, any>[] = ofType("authorization:RoleAssignment").map((r) => ({
      name: r.name,
      ...props(r),
    }));
    const byName = Object.fromEntries(roles.map((r) => [r.name, r]));
    expect(byName["pool-reads-storage"]).toMatchObject({
      principalId: "pool-identity-principal-id",
      roleDefinitionId: expect.stringMatching(/roleDefinitions\/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1$/),
      scope: expect.stringMatching(/\/storageAccounts\/ocrtestst1a2b3c$/),
    });
    expect(byName["pool-writes-results"]).toMatchObject({
      principalId: "pool-identity-principal-id",
      roleDefinitionId: expect.stringMatching(/roleDefinitions\/ba92f5b4-2d11-453d-a403-e96b0029c9fe$/),
      scope: expect.stringMatching(/\/containers\/results$/),
    });
    expect(byName["account-writes-packages"]).toMatchObject({ principalId: "batch-account-identity-principal-id" });
    // No operator configured: no operator grants, and nothing grants write on the images container.
    expect(roles).toHaveLength(3);
    expect(roles.filter((r) => String(r.scope).endsWith("/containers/images"))).toHaveLength(0);
  });

  test("the pool: Ubuntu 24.04, current node agent, VM size and slots from config, elevated start task, identity, simplified comms", () => {
    const pool = props(one("batch:Pool"));
    expect(pool.poolName).toBe("ocr-pool");
    expect(pool.vmSize).toBe("Standard_D2as_v5");
    expect(pool.taskSlotsPerNode).toBe(2);
    expect(pool.deploymentConfiguration.virtualMachineConfiguration).toEqual({
      imageReference: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" },
      nodeAgentSkuId: "batch.node.ubuntu 24.04",
    });
    expect(pool.startTask).toEqual({
      commandLine: startTaskCommandLine(),
      userIdentity: { autoUser: { scope: "Pool", elevationLevel: "Admin" } },
      waitForSuccess: true,
      maxTaskRetryCount: 3,
    });
    expect(pool.startTask.commandLine).toMatch(/apt-get install .*imagemagick tesseract-ocr tesseract-ocr-eng nodejs/);
    expect(pool.identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [expect.stringContaining("/userAssignedIdentities/poolidentity")],
    });
    expect(pool.targetNodeCommunicationMode).toBe("Simplified");
    expect(pool.taskSchedulingPolicy).toEqual({ nodeFillType: "Pack" });
    expect(pool.networkConfiguration).toBeUndefined();
    expect(pool.scaleSettings.autoScale.evaluationInterval).toBe("PT5M");
    expect(pool.scaleSettings.autoScale.formula).toContain("$minNodes = 0;");
  });

  test("the pool runs the activated worker package, referenced by its content-hash version", () => {
    const pool = props(one("batch:Pool"));
    expect(pool.applicationPackages).toEqual([
      { id: expect.stringMatching(/\/applications\/ocrworker$/), version: WORKER.version },
    ]);
    const pkg = props(one("batch:ApplicationPackage"));
    expect(pkg.versionName).toBe(WORKER.version);
    const upload = declared.find((r) => r.type === "pulumi-nodejs:dynamic:Resource");
    expect(upload).toBeDefined();
    expect(props(upload as DeclaredResource)).toMatchObject({
      packageResourceId: expect.stringMatching(/\/applications\/ocrworker\/versions\/0123456789ab$/),
      sha256: WORKER.sha256,
      zipPath: WORKER.zipPath,
    });
    // The provider's code is serialized into the state; it must carry the upload and activate steps.
    expect(String(props(upload as DeclaredResource).__provider)).toMatch(/activatePackage/);
  });

  test("stack outputs are exactly the dispatcher's contract and parse as such", () => {
    expect(Object.keys(outputs).sort()).toEqual([...STACK_OUTPUT_KEYS].sort());
    const parsed: StackOutputs = parseStackOutputs(outputs, "mocked stack");
    expect(parsed).toMatchObject({
      batchAccountEndpoint: "https://ocrtestbatch1a2b3c.westeurope.batch.azure.com",
      batchAuthModes: ["AAD"],
      poolId: "ocr-pool",
      blobEndpoint: "https://ocrtestst1a2b3c.blob.core.windows.net/",
      storageSharedKeyAccess: false,
      imagesContainer: "images",
      resultsContainer: "results",
      applicationId: "ocrworker",
      applicationVersion: WORKER.version,
      poolIdentityClientId: "pool-identity-client-id",
      location: "westeurope",
    });
  });

  test("every declared resource passes the policy pack", async () => {
    for (const r of declared) {
      for (const policy of POLICIES) {
        expect({
          resource: `${r.type} ${r.name}`,
          policy: policy.name,
          violations: await runPolicy(policy, r.type, r.inputs),
        }).toEqual({
          resource: `${r.type} ${r.name}`,
          policy: policy.name,
          violations: [],
        });
      }
    }
  });

  test("the declared stack passes the stack policies", async () => {
    const resources = declared.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
    for (const policy of STACK_POLICIES)
      expect({ policy: policy.name, violations: await runStackPolicy(policy, resources) }).toEqual({
        policy: policy.name,
        violations: [],
      });
  });

  test("snapshot of the declared resources and their key properties (review infra changes as this diff)", () => {
    const volatile = new Set(["__provider", "storageUrl"]);
    const view = declared
      .map((r) => ({
        type: r.type,
        name: r.name,
        inputs: Object.fromEntries(
          Object.entries(r.inputs)
            .filter(([k]) => !volatile.has(k))
            .sort(([a], [b]) => a.localeCompare(b)),
        ),
      }))
      .sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
    expect(view).toMatchSnapshot();
  });
});

describe("options that change the environment", () => {
  test("pool properties Azure cannot update in place replace the pool instead of failing", async () => {
    expect(POOL_REPLACE_ON_CHANGES).toEqual(
      expect.arrayContaining(["vmSize", "deploymentConfiguration", "networkConfiguration", "taskSlotsPerNode"]),
    );
  });

  test("privateNetwork puts the pool in a subnet with no public IPs and NAT egress", async () => {
    await deploy({ privateNetwork: true });
    const subnet = one("network:Subnet");
    expect(props(subnet)).toMatchObject({
      addressPrefix: "10.40.0.0/24",
      defaultOutboundAccess: false,
      natGateway: { id: expect.stringContaining("/natGateways/") },
    });
    expect(props(one("batch:Pool")).networkConfiguration).toMatchObject({
      subnetId: expect.stringContaining("/subnets/") as unknown,
      publicIPAddressConfiguration: { provision: "NoPublicIPAddresses" },
    });
  });

  test("public access off: both accounts closed, private endpoints for batchAccount, nodeManagement and blob in their own subnet, each name resolving through a linked privatelink zone", async () => {
    await deploy({ publicNetworkAccess: false, privateNetwork: true });
    expect(props(one("batch:BatchAccount")).publicNetworkAccess).toBe("Disabled");
    expect(props(one("storage:StorageAccount")).publicNetworkAccess).toBe("Disabled");
    const endpointSubnet = props(one("network:Subnet", "endpoint-subnet"));
    expect(endpointSubnet).toMatchObject({ addressPrefix: "10.40.1.0/24", virtualNetworkName: "poolvnet1a2b3c" });
    const endpoints = ofType("network:PrivateEndpoint").map((r) => {
      const [connection] = props(r).privateLinkServiceConnections;
      return {
        groups: connection.groupIds,
        target: String(connection.privateLinkServiceId).split("/providers/").pop(),
        subnet: String(props(r).subnet.id).split("/").pop(),
      };
    });
    expect(endpoints).toEqual([
      {
        groups: ["batchAccount"],
        target: "Microsoft.Batch/batchAccounts/ocrtestbatch1a2b3c",
        subnet: "endpointsubnet1a2b3c",
      },
      {
        groups: ["nodeManagement"],
        target: "Microsoft.Batch/batchAccounts/ocrtestbatch1a2b3c",
        subnet: "endpointsubnet1a2b3c",
      },
      { groups: ["blob"], target: "Microsoft.Storage/storageAccounts/ocrtestst1a2b3c", subnet: "endpointsubnet1a2b3c" },
    ]);
    expect(
      ofType("privatedns:PrivateZone")
        .map((r) => props(r).privateZoneName)
        .sort(),
    ).toEqual(["privatelink.batch.azure.com", "privatelink.blob.core.windows.net"]);
    for (const link of ofType("privatedns:VirtualNetworkLink")) {
      expect(props(link)).toMatchObject({
        virtualNetwork: { id: expect.stringMatching(/\/virtualNetworks\/poolvnet1a2b3c$/) },
        registrationEnabled: false,
      });
    }
    expect(ofType("privatedns:VirtualNetworkLink")).toHaveLength(2);
    const zoneOf = Object.fromEntries(
      ofType("network:PrivateDnsZoneGroup").map((g) => [
        String(props(g).privateEndpointName).replace(/1a2b3c$/, ""),
        String(props(g).privateDnsZoneConfigs[0].privateDnsZoneId).split("/").pop(),
      ]),
    );
    expect(zoneOf).toEqual({
      pebatchaccount: "privatelink.batch.azure.com",
      penodemanagement: "privatelink.batch.azure.com",
      peblob: "privatelink.blob.core.windows.net",
    });
    const resources = declared.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
    for (const policy of STACK_POLICIES)
      expect({ policy: policy.name, violations: await runStackPolicy(policy, resources) }).toEqual({
        policy: policy.name,
        violations: [],
      });
  });

  test("public access on (the default) declares no private endpoints or zones", async () => {
    await deploy({ privateNetwork: true });
    expect([...ofType("network:PrivateEndpoint"), ...ofType("privatedns:PrivateZone")]).toHaveLength(0);
  });

  test("opting into shared key shows in the account, the storage and the outputs", async () => {
    const { outputs } = await deploy({ batchSharedKeyAccess: true, storageSharedKeyAccess: true });
    expect(props(one("batch:BatchAccount")).allowedAuthenticationModes).toEqual(["AAD", "SharedKey"]);
    expect(props(one("storage:StorageAccount")).allowSharedKeyAccess).toBe(true);
    expect(outputs.batchAuthModes).toEqual(["AAD", "SharedKey"]);
    expect(outputs.storageSharedKeyAccess).toBe(true);
  });

  test("an operator gets write on images and read on results, nothing wider", async () => {
    await deploy({ operatorPrincipalId: "11111111-2222-3333-4444-555555555555" });
    const op = ofType("authorization:RoleAssignment").filter(
      (r) => props(r).principalId === "11111111-2222-3333-4444-555555555555",
    );
    expect(op.map((r) => [r.name, String(props(r).scope).split("/").pop()]).sort()).toEqual([
      ["operator-reads-results", "results"],
      ["operator-writes-images", "images"],
    ]);
  });

  test("the operator's role assignments name the configured principal type (User by default, so a group is not refused as UnmatchedPrincipalType)", async () => {
    const operatorTypes = () =>
      ofType("authorization:RoleAssignment")
        .filter((r) => r.name.startsWith("operator-"))
        .map((r) => props(r).principalType);
    await deploy({ operatorPrincipalId: "11111111-2222-3333-4444-555555555555" });
    expect(operatorTypes()).toEqual(["User", "User"]);
    await deploy({ operatorPrincipalId: "11111111-2222-3333-4444-555555555555", operatorPrincipalType: "Group" });
    expect(operatorTypes()).toEqual(["Group", "Group"]);
  });

  test("user-subscription allocation: an RBAC Key Vault with purge protection, the Batch service's secrets grant on it before the account, and a Spot pool the policies accept", async () => {
    const batchSp = "99999999-8888-7777-6666-555555555555";
    await deploy({ poolAllocationMode: "UserSubscription", batchServicePrincipalObjectId: batchSp, spotShare: 0.5 });
    const vault = props(one("keyvault:Vault"));
    expect(vault.properties).toMatchObject({
      tenantId: "tenant",
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      enablePurgeProtection: true,
    });
    const grant = props(one("authorization:RoleAssignment", "batch-service-manages-vault-secrets"));
    expect(grant).toMatchObject({
      principalId: batchSp,
      principalType: "ServicePrincipal",
      roleDefinitionId: expect.stringMatching(/roleDefinitions\/b86a8fe4-44ce-4948-aee5-eccb2c155cd7$/),
      scope: expect.stringMatching(/\/Microsoft\.KeyVault\/vaults\/ocrtestkv1a2b3c$/),
    });
    const account = props(one("batch:BatchAccount"));
    expect(account.poolAllocationMode).toBe("UserSubscription");
    expect(account.keyVaultReference).toEqual({
      id: expect.stringMatching(/\/vaults\/ocrtestkv1a2b3c$/),
      url: "https://ocrtestkv1a2b3c.vault.azure.net/",
    });
    expect(props(one("batch:Pool")).scaleSettings.autoScale.formula).toMatch(/\$TargetLowPriorityNodes = (?!0;)/);
    const resources = declared.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
    for (const policy of STACK_POLICIES)
      expect({ policy: policy.name, violations: await runStackPolicy(policy, resources) }).toEqual({
        policy: policy.name,
        violations: [],
      });
    for (const r of declared)
      for (const policy of POLICIES) expect(await runPolicy(policy, r.type, r.inputs)).toEqual([]);
  });

  test("Batch-service allocation (the default) declares no Key Vault and no reference to one", async () => {
    await deploy();
    expect(ofType("keyvault:Vault")).toHaveLength(0);
    expect(props(one("batch:BatchAccount")).keyVaultReference).toBeUndefined();
  });

  test("no diagnostic settings unless a Log Analytics workspace is configured", async () => {
    await deploy();
    expect(ofType("monitor:DiagnosticSetting")).toHaveLength(0);
  });

  test("with a workspace, the Batch account's ServiceLog, AuditLog and metrics and the blob service's reads, writes, deletes and transactions go to it", async () => {
    const workspace = `/subscriptions/${SUBSCRIPTION}/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/ops-logs`;
    await deploy({ logAnalyticsWorkspaceId: workspace });
    const byTarget = Object.fromEntries(
      ofType("monitor:DiagnosticSetting").map((r) => [
        String(props(r).resourceUri).split("/providers/").pop(),
        props(r),
      ]),
    );
    expect(byTarget).toEqual({
      "Microsoft.Batch/batchAccounts/ocrtestbatch1a2b3c": {
        name: "batch-ocr-to-log-analytics",
        resourceUri: expect.stringMatching(
          /^\/subscriptions\/.*\/resourceGroups\/ocrtestrg1a2b3c\/providers\/Microsoft\.Batch\/batchAccounts\/ocrtestbatch1a2b3c$/,
        ),
        workspaceId: workspace,
        logs: [
          { category: "ServiceLog", enabled: true },
          { category: "AuditLog", enabled: true },
        ],
        metrics: [{ category: "AllMetrics", enabled: true }],
      },
      "Microsoft.Storage/storageAccounts/ocrtestst1a2b3c/blobServices/default": {
        name: "batch-ocr-to-log-analytics",
        resourceUri: expect.stringMatching(/\/storageAccounts\/ocrtestst1a2b3c\/blobServices\/default$/),
        workspaceId: workspace,
        logs: [
          { category: "StorageRead", enabled: true },
          { category: "StorageWrite", enabled: true },
          { category: "StorageDelete", enabled: true },
        ],
        metrics: [{ category: "Transaction", enabled: true }],
      },
    });
  });
});

describe("photos and results survive a rename, and a delete outside Pulumi", () => {
  // Pulumi's mocks are not told resource options, so protection is read from the resource objects.
  const isProtected = (resource: pulumi.Resource) =>
    (resource as unknown as { __protect?: boolean }).__protect === true;

  test("the resource group, the storage account and both containers are protected, so a namePrefix change stops before deleting them", async () => {
    declared.length = 0;
    const cfg = parseConfig(BASE);
    const rg = createResourceGroup(cfg);
    const store = createStorage(cfg, rg);
    await settled();
    expect({
      rg: isProtected(rg),
      account: isProtected(store.account),
      images: isProtected(store.images),
      results: isProtected(store.results),
    }).toEqual({
      rg: true,
      account: true,
      images: true,
      results: true,
    });
  });

  test("the storage account carries a CanNotDelete lock that says how to lift it, so a portal delete of it, its containers or the resource group fails", async () => {
    await deploy();
    const lock = props(one("authorization:ManagementLockByScope"));
    expect(lock).toEqual({
      scope: expect.stringMatching(
        /\/resourceGroups\/ocrtestrg1a2b3c\/providers\/Microsoft\.Storage\/storageAccounts\/ocrtestst1a2b3c$/,
      ),
      lockName: "keeps-photos-and-results",
      level: "CanNotDelete",
      notes: expect.stringMatching(/set batch-ocr:keepsData false and pulumi up, then pulumi destroy/),
    });
    // Azure caps lock notes at 512 characters.
    expect(String(lock.notes).length).toBeLessThanOrEqual(512);
  });

  test("a scratch stack (keepsData false) has neither protection nor lock", async () => {
    declared.length = 0;
    const cfg = parseConfig({ ...BASE, keepsData: false });
    const rg = createResourceGroup(cfg);
    const store = createStorage(cfg, rg);
    await settled();
    expect([rg, store.account, store.images, store.results].map(isProtected)).toEqual([false, false, false, false]);
    expect(ofType("authorization:ManagementLockByScope")).toHaveLength(0);
  });
});

describe("names Azure will see", () => {
  // Named by Azure or by a fixed input rather than by Pulumi's autonaming from the logical name.
  const NOT_AUTONAMED = new Set([
    "azure-native:authorization:RoleAssignment", // azure-native generates a GUID
    "azure-native:storage:BlobServiceProperties", // "default"
    "azure-native:storage:ManagementPolicy", // "default"
    "pulumi-nodejs:dynamic:Resource", // no Azure resource of its own
  ]);

  test("every resource's name fits Azure's rules with Pulumi's 8-character autoname suffix, at the longest namePrefix allowed", async () => {
    await deploy({
      namePrefix: "abcdefghijk",
      privateNetwork: true,
      operatorPrincipalId: "11111111-2222-3333-4444-555555555555",
      poolAllocationMode: "UserSubscription",
      batchServicePrincipalObjectId: "99999999-8888-7777-6666-555555555555",
      publicNetworkAccess: false,
    });
    const problems: string[] = [];
    for (const r of declared) {
      const explicit = NAME_INPUT[r.type];
      const explicitName = explicit === undefined ? undefined : r.inputs[explicit];
      if (explicitName === undefined && NOT_AUTONAMED.has(r.type)) continue;
      if (explicitName === undefined && AZURE_NAME_RULES[r.type] === undefined) {
        problems.push(`${r.type} ${r.name} is autonamed but shared/azure-names.ts has no naming rule for its type`);
        continue;
      }
      const problem = azureNameProblem(r.type, explicitName === undefined ? autonamed(r.name) : String(explicitName));
      if (problem !== undefined) problems.push(problem);
    }
    expect(problems).toEqual([]);
  });

  test("the name check sees a name that is one character too long", () => {
    expect(azureNameProblem("azure-native:storage:StorageAccount", "a".repeat(25))).toMatch(
      /25 characters\) breaks Azure's rule: 3–24 characters/,
    );
    expect(azureNameProblem("azure-native:batch:BatchAccount", "ocr-batch")).toMatch(
      /lowercase letters and digits only/,
    );
    expect(azureNameProblem("azure-native:batch:BatchAccount", "a".repeat(24))).toBeUndefined();
  });
});
