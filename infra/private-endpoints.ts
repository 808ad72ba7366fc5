import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import type * as batch from "@pulumi/azure-native/batch";
import type * as resources from "@pulumi/azure-native/resources";
import type * as pulumi from "@pulumi/pulumi";
import type { OcrConfig } from "../shared/config";
import type { PrivateNetwork } from "./network";
import type { Storage } from "./storage";

/**
 * The private link sub-resources ("group ids") the pool and the dispatcher need once the public
 * endpoints are closed, each with the private DNS zone its names resolve through. Both Batch
 * groups share one zone: the account endpoint and the node management endpoint are both names
 * under batch.azure.com.
 */
export const PRIVATE_LINKS = {
  batchAccount: { groupId: "batchAccount", zone: "privatelink.batch.azure.com" },
  nodeManagement: { groupId: "nodeManagement", zone: "privatelink.batch.azure.com" },
  blob: { groupId: "blob", zone: "privatelink.blob.core.windows.net" },
} as const;

type LinkName = keyof typeof PRIVATE_LINKS;

function privateZone(zone: string, rg: resources.ResourceGroup, net: PrivateNetwork): privatedns.PrivateZone {
  const label = zone.split(".").slice(1, 2).join("");
  const resource = new privatedns.PrivateZone(`dns-${label}`, {
    resourceGroupName: rg.name,
    privateZoneName: zone,
    location: "global",
  });
  // Linked without auto-registration: the zone holds the endpoints' records, not the nodes'.
  new privatedns.VirtualNetworkLink(`dns-${label}-link`, {
    resourceGroupName: rg.name,
    privateZoneName: resource.name,
    location: "global",
    virtualNetwork: { id: net.vnet.id },
    registrationEnabled: false,
  });
  return resource;
}

function privateEndpoint(
  link: LinkName,
  target: pulumi.Input<string>,
  zone: privatedns.PrivateZone,
  cfg: OcrConfig,
  rg: resources.ResourceGroup,
  subnet: network.Subnet,
): network.PrivateEndpoint {
  const { groupId } = PRIVATE_LINKS[link];
  const endpoint = new network.PrivateEndpoint(`pe-${link.toLowerCase()}`, {
    resourceGroupName: rg.name,
    location: cfg.location,
    subnet: { id: subnet.id },
    privateLinkServiceConnections: [{ name: groupId, privateLinkServiceId: target, groupIds: [groupId] }],
  });
  // The zone group writes the endpoint's A record into the zone, so the public name resolves to the private address inside the network.
  new network.PrivateDnsZoneGroup(`pe-${link.toLowerCase()}-dns`, {
    resourceGroupName: rg.name,
    privateEndpointName: endpoint.name,
    privateDnsZoneGroupName: "default",
    privateDnsZoneConfigs: [{ name: groupId, privateDnsZoneId: zone.id }],
  });
  return endpoint;
}

/**
 * With `publicNetworkAccess` false: private endpoints for the Batch account (its API, for the
 * dispatcher, and node management, for the simplified
 * communication of the pool's nodes) and for blob storage (photos, results, application packages),
 * in a subnet of their own in the pool's virtual network, with the private DNS zones that make the
 * usual names resolve to them there. Anything outside that network, the dispatcher and `pulumi up`'s
 * package upload included, then needs a way into it (peering, VPN, a jump host).
 */
export function createPrivateEndpoints(
  cfg: OcrConfig,
  rg: resources.ResourceGroup,
  net: PrivateNetwork,
  account: batch.BatchAccount,
  store: Storage,
): network.PrivateEndpoint[] {
  const subnet = new network.Subnet("endpoint-subnet", {
    resourceGroupName: rg.name,
    virtualNetworkName: net.vnet.name,
    addressPrefix: cfg.endpointSubnetPrefix,
    defaultOutboundAccess: false,
  });
  const batchZone = privateZone(PRIVATE_LINKS.batchAccount.zone, rg, net);
  const blobZone = privateZone(PRIVATE_LINKS.blob.zone, rg, net);
  return [
    privateEndpoint("batchAccount", account.id, batchZone, cfg, rg, subnet),
    privateEndpoint("nodeManagement", account.id, batchZone, cfg, rg, subnet),
    privateEndpoint("blob", store.account.id, blobZone, cfg, rg, subnet),
  ];
}
