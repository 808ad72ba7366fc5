import * as network from "@pulumi/azure-native/network";
import type * as resources from "@pulumi/azure-native/resources";
import type { OcrConfig } from "../shared/config";

export interface PrivateNetwork {
  vnet: network.VirtualNetwork;
  /** The pool's nodes; private endpoints get a subnet of their own (infra/private-endpoints.ts). */
  poolSubnet: network.Subnet;
}

/**
 * A virtual network whose pool nodes get no public IP addresses. Nodes still need outbound access
 * (apt for the start task, the Batch and storage endpoints), so the subnet goes out through a NAT
 * gateway with one static public IP instead of one address per node.
 */
export function createPrivateNetwork(cfg: OcrConfig, rg: resources.ResourceGroup): PrivateNetwork {
  const egressIp = new network.PublicIPAddress("pool-egress-ip", {
    resourceGroupName: rg.name,
    location: cfg.location,
    sku: { name: network.PublicIPAddressSkuName.Standard },
    publicIPAllocationMethod: network.IPAllocationMethod.Static,
  });
  const nat = new network.NatGateway("pool-nat", {
    resourceGroupName: rg.name,
    location: cfg.location,
    sku: { name: network.NatGatewaySkuName.Standard },
    publicIpAddresses: [{ id: egressIp.id }],
  });
  const vnet = new network.VirtualNetwork("pool-vnet", {
    resourceGroupName: rg.name,
    location: cfg.location,
    addressSpace: { addressPrefixes: [cfg.vnetAddressSpace] },
  });
  const poolSubnet = new network.Subnet("pool-subnet", {
    resourceGroupName: rg.name,
    virtualNetworkName: vnet.name,
    addressPrefix: cfg.subnetPrefix,
    natGateway: { id: nat.id },
    defaultOutboundAccess: false,
  });
  return { vnet, poolSubnet };
}
