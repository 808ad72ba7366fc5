/**
 * Pulumi mocks that stand in for Azure Resource Manager: every declared resource is recorded
 * (type, name, inputs) and answered with the outputs Azure would give it (names, ids, endpoints).
 */
import * as pulumi from "@pulumi/pulumi";

export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export const declared: DeclaredResource[] = [];

/** Which input names the resource's Azure name, per type (Azure falls back to an autoname). */
export const NAME_INPUT: Readonly<Record<string, string>> = {
  "azure-native:resources:ResourceGroup": "resourceGroupName",
  "azure-native:storage:StorageAccount": "accountName",
  "azure-native:storage:BlobContainer": "containerName",
  "azure-native:batch:BatchAccount": "accountName",
  "azure-native:batch:Application": "applicationName",
  "azure-native:batch:ApplicationPackage": "versionName",
  "azure-native:batch:Pool": "poolName",
  "azure-native:authorization:ManagementLockByScope": "lockName",
  "azure-native:monitor:DiagnosticSetting": "name",
  "azure-native:keyvault:Vault": "vaultName",
  "azure-native:privatedns:PrivateZone": "privateZoneName",
  "azure-native:network:PrivateDnsZoneGroup": "privateDnsZoneGroupName",
};

/** Where ARM puts each resource type under its resource group (parents taken from the inputs). */
const ARM_PATH: Record<string, (name: string, i: Record<string, unknown>) => string> = {
  "azure-native:storage:StorageAccount": (n) => `Microsoft.Storage/storageAccounts/${n}`,
  "azure-native:batch:BatchAccount": (n) => `Microsoft.Batch/batchAccounts/${n}`,
  "azure-native:batch:Application": (n, i) =>
    `Microsoft.Batch/batchAccounts/${String(i.accountName)}/applications/${n}`,
  "azure-native:batch:ApplicationPackage": (n, i) =>
    `Microsoft.Batch/batchAccounts/${String(i.accountName)}/applications/${String(i.applicationName)}/versions/${n}`,
  "azure-native:batch:Pool": (n, i) => `Microsoft.Batch/batchAccounts/${String(i.accountName)}/pools/${n}`,
  "azure-native:keyvault:Vault": (n) => `Microsoft.KeyVault/vaults/${n}`,
  "azure-native:managedidentity:UserAssignedIdentity": (n) => `Microsoft.ManagedIdentity/userAssignedIdentities/${n}`,
  "azure-native:network:VirtualNetwork": (n) => `Microsoft.Network/virtualNetworks/${n}`,
  "azure-native:network:Subnet": (n, i) =>
    `Microsoft.Network/virtualNetworks/${String(i.virtualNetworkName)}/subnets/${n}`,
  "azure-native:network:NatGateway": (n) => `Microsoft.Network/natGateways/${n}`,
  "azure-native:network:PublicIPAddress": (n) => `Microsoft.Network/publicIPAddresses/${n}`,
  "azure-native:network:PrivateEndpoint": (n) => `Microsoft.Network/privateEndpoints/${n}`,
  "azure-native:network:PrivateDnsZoneGroup": (n, i) =>
    `Microsoft.Network/privateEndpoints/${String(i.privateEndpointName)}/privateDnsZoneGroups/${n}`,
  "azure-native:privatedns:PrivateZone": (n) => `Microsoft.Network/privateDnsZones/${n}`,
  "azure-native:privatedns:VirtualNetworkLink": (n, i) =>
    `Microsoft.Network/privateDnsZones/${String(i.privateZoneName)}/virtualNetworkLinks/${n}`,
};

function armId(type: string, name: string, inputs: Record<string, unknown>): string {
  if (type === "azure-native:resources:ResourceGroup") return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${name}`;
  if (type === "azure-native:authorization:RoleAssignment")
    return `${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`;
  if (type === "azure-native:monitor:DiagnosticSetting")
    return `${String(inputs.resourceUri)}/providers/Microsoft.Insights/diagnosticSettings/${name}`;
  if (type === "azure-native:authorization:ManagementLockByScope")
    return `${String(inputs.scope)}/providers/Microsoft.Authorization/locks/${name}`;
  const rg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${String(inputs.resourceGroupName ?? "rg")}`;
  const at = ARM_PATH[type];
  return `${rg}/providers/${at ? at(name, inputs) : `${type}/${name}`}`;
}

export function installMocks(stack = "dev"): void {
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const key = NAME_INPUT[args.type];
        // Autonames are deterministic here (name + "1a2b3c") so snapshots are stable.
        const azureName = String((key && args.inputs[key]) ?? `${args.name.replace(/-/g, "")}1a2b3c`);
        const id = armId(args.type, azureName, args.inputs);
        const state: Record<string, unknown> = { ...args.inputs, name: azureName, id };
        switch (args.type) {
          case "azure-native:storage:StorageAccount":
            state.primaryEndpoints = { blob: `https://${azureName}.blob.core.windows.net/` };
            break;
          case "azure-native:storage:BlobContainer":
            state.id = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${String(args.inputs.resourceGroupName)}/providers/Microsoft.Storage/storageAccounts/${String(args.inputs.accountName)}/blobServices/default/containers/${azureName}`;
            break;
          case "azure-native:managedidentity:UserAssignedIdentity":
            state.principalId = `${args.name}-principal-id`;
            state.clientId = `${args.name}-client-id`;
            break;
          case "azure-native:batch:BatchAccount":
            state.accountEndpoint = `${azureName}.${String(args.inputs.location)}.batch.azure.com`;
            break;
          case "azure-native:keyvault:Vault":
            state.properties = {
              ...(args.inputs.properties as Record<string, unknown>),
              vaultUri: `https://${azureName}.vault.azure.net/`,
            };
            break;
          case "azure-native:batch:ApplicationPackage":
            state.storageUrl = `https://example.blob.core.windows.net/app-package?sv=2024&sig=secret`;
            break;
        }
        return { id: String(state.id), state };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        if (args.token === "azure-native:authorization:getClientConfig") {
          return { subscriptionId: SUBSCRIPTION, tenantId: "tenant", clientId: "client", objectId: "object" };
        }
        return args.inputs as Record<string, unknown>;
      },
    },
    "batch-ocr",
    stack,
    false,
  );
}

/** Resolves an Output's value (under mocks every Output resolves). */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Waits until no new resource has been declared for a few turns of the event loop. */
export async function settled(): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 5) {
    await new Promise((r) => setTimeout(r, 10));
    if (declared.length === last) quiet += 1;
    else {
      quiet = 0;
      last = declared.length;
    }
  }
}

export function ofType(type: string): DeclaredResource[] {
  return declared.filter((r) => r.type === `azure-native:${type}`);
}

export function one(type: string, name?: string): DeclaredResource {
  const found = ofType(type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
  return found[0] as DeclaredResource;
}
