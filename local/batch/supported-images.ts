/**
 * The images and node agents a local pool may name: what `GET /supportedimages` lists and what
 * pool add accepts, from this one list. Local nodes run on this machine whatever the image, so
 * the list holds Linux images whose nodes behave alike: the one the project deploys
 * (infra/pool-spec.ts) and the Ubuntu and Debian images Batch offers beside it.
 */
import { NODE_AGENT_SKU, UBUNTU_2404_IMAGE } from "../../shared/pool-spec";
import { invalidProperty } from "./errors";
import type { ImageReference } from "./model";

/** Batch's ImageInformation. */
export interface ImageInformation {
  nodeAgentSKUId: string;
  imageReference: { publisher: string; offer: string; sku: string; version: string };
  osType: "linux" | "windows";
  verificationType: "verified" | "unverified";
  capabilities?: string[];
  batchSupportEndOfLife?: string;
}

const linux = (nodeAgentSKUId: string, publisher: string, offer: string, sku: string): ImageInformation => ({
  nodeAgentSKUId,
  imageReference: { publisher, offer, sku, version: "latest" },
  osType: "linux",
  verificationType: "verified",
});

export const SUPPORTED_IMAGES: readonly ImageInformation[] = [
  linux(NODE_AGENT_SKU, UBUNTU_2404_IMAGE.publisher, UBUNTU_2404_IMAGE.offer, UBUNTU_2404_IMAGE.sku),
  linux("batch.node.ubuntu 22.04", "canonical", "0001-com-ubuntu-server-jammy", "22_04-lts"),
  linux("batch.node.ubuntu 22.04", "canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2"),
  linux("batch.node.debian 12", "debian", "debian-12", "12"),
  linux("batch.node.debian 12", "debian", "debian-12", "12-gen2"),
];

const same = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();

/**
 * Refuses a marketplace image or node agent that SUPPORTED_IMAGES does not list, naming the
 * property as Batch does. A custom image (virtualMachineImageId) is another check's to judge.
 */
export function checkSupportedImage(image: ImageReference | undefined, nodeAgentSKUId: string): void {
  if (image?.virtualMachineImageId !== undefined) return;
  const listed = SUPPORTED_IMAGES.find(
    (i) =>
      same(image?.publisher, i.imageReference.publisher) &&
      same(image?.offer, i.imageReference.offer) &&
      same(image?.sku, i.imageReference.sku),
  );
  if (!listed) {
    const named = [image?.publisher, image?.offer, image?.sku].join(":");
    throw invalidProperty(
      "imageReference",
      named,
      "not an image this service supports; GET /supportedimages lists them",
    );
  }
  if (!same(nodeAgentSKUId, listed.nodeAgentSKUId)) {
    throw invalidProperty(
      "nodeAgentSKUId",
      nodeAgentSKUId,
      `the image ${listed.imageReference.offer}/${listed.imageReference.sku} takes the node agent '${listed.nodeAgentSKUId}'`,
    );
  }
}
