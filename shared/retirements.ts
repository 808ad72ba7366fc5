/**
 * What Azure Batch and Azure VMs have retired or are retiring, in one table with the notice for
 * each, so that config validation, the policy pack and test/infra/retirements.unit.test.ts refuse the
 * same things, and a new notice is one entry here. Pure: no `@pulumi/*` import.
 *
 * `linkSure: false` marks a notice address written from memory and not checked (no internet
 * here): the retirement is real to the best of our knowledge, the exact page may have moved.
 */

export interface Notice {
  /** Where Microsoft says so. */
  notice: string;
  linkSure: boolean;
}

/** Azure Batch's notices (retirements are announced as issues with this label). */
const BATCH_NOTICES: Notice = { notice: "https://github.com/Azure/Batch/labels/notice", linkSure: true };

export interface RetiredNodeAgent extends Notice {
  /** The node agent SKU id, lowercase, as a pool's virtualMachineConfiguration names it. */
  sku: string;
}

export const RETIRED_NODE_AGENTS: readonly RetiredNodeAgent[] = [
  { sku: "batch.node.ubuntu 16.04", ...BATCH_NOTICES },
  { sku: "batch.node.ubuntu 18.04", ...BATCH_NOTICES },
  { sku: "batch.node.ubuntu 20.04", ...BATCH_NOTICES },
  {
    sku: "batch.node.centos 7",
    notice: "https://learn.microsoft.com/azure/virtual-machines/workloads/centos/centos-end-of-life",
    linkSure: true,
  },
  {
    sku: "batch.node.centos 8",
    notice: "https://learn.microsoft.com/azure/virtual-machines/workloads/centos/centos-end-of-life",
    linkSure: true,
  },
  { sku: "batch.node.debian 9", ...BATCH_NOTICES },
  { sku: "batch.node.debian 10", ...BATCH_NOTICES },
];

export interface RetiredImage extends Notice {
  /** Marketplace publisher and offer of the image (case-insensitive), and its SKU when only some SKUs are retired. */
  publisher: RegExp;
  offer: RegExp;
  sku?: RegExp;
}

export const RETIRED_IMAGES: readonly RetiredImage[] = [
  {
    publisher: /^openlogic$/i,
    offer: /^centos/i,
    notice: "https://learn.microsoft.com/azure/virtual-machines/workloads/centos/centos-end-of-life",
    linkSure: true,
  },
  { publisher: /^canonical$/i, offer: /^ubuntuserver$/i, sku: /^1[468]\./, ...BATCH_NOTICES },
  { publisher: /^canonical$/i, offer: /^0001-com-ubuntu-server-focal$/i, ...BATCH_NOTICES },
  { publisher: /^microsoft-azure-batch$/i, offer: /^(centos|ubuntu-server)-container/i, ...BATCH_NOTICES },
];

export interface RetiredVmFamily extends Notice {
  family: string;
  /** VM size names of the family. */
  sizes: RegExp;
}

const RETIRED_SIZES_LIST: Notice = {
  notice: "https://learn.microsoft.com/azure/virtual-machines/sizes/retirement/retired-sizes-list",
  linkSure: false,
};

export const RETIRED_VM_FAMILIES: readonly RetiredVmFamily[] = [
  {
    family: "Av1 (Basic and Standard A)",
    sizes: /^(Standard|Basic)_A\d+$/i,
    notice: "https://learn.microsoft.com/azure/virtual-machines/sizes/retirement/av1-series-retirement",
    linkSure: false,
  },
  { family: "Av2", sizes: /^Standard_A\d+m?_v2$/i, ...RETIRED_SIZES_LIST },
  { family: "Dv1 and DSv1", sizes: /^Standard_DS?\d+$/i, ...RETIRED_SIZES_LIST },
  { family: "Dv2 and DSv2", sizes: /^Standard_DS?\d+(-\d+)?_v2(_Promo)?$/i, ...RETIRED_SIZES_LIST },
  {
    family: "NV, NC and ND (first generation)",
    sizes: /^Standard_(NV|NC|ND)\d+r?s?$/i,
    notice: "https://learn.microsoft.com/azure/virtual-machines/sizes/retirement/nv-series-retirement",
    linkSure: false,
  },
  { family: "G and GS", sizes: /^Standard_GS?\d+(-\d+)?$/i, ...RETIRED_SIZES_LIST },
  { family: "H", sizes: /^Standard_H\d+[mr]*$/i, ...RETIRED_SIZES_LIST },
];

/**
 * The oldest Batch data-plane API version this project may call. The earlier ones (the
 * `YYYY-MM-DD.major.minor` series) are on Batch's retirement path (BATCH_API_NOTICE; the date each
 * one stops is not recorded here), and 2025-06-01 is what the dispatcher sends.
 */
export const OLDEST_BATCH_API_VERSION = "2025-06-01";
export const BATCH_API_NOTICE: Notice = BATCH_NOTICES;

export function retiredNodeAgent(sku: string): RetiredNodeAgent | undefined {
  return RETIRED_NODE_AGENTS.find((r) => r.sku === sku.toLowerCase());
}

export function retiredImage(image: { publisher: string; offer: string; sku: string }): RetiredImage | undefined {
  return RETIRED_IMAGES.find(
    (r) =>
      r.publisher.test(image.publisher) && r.offer.test(image.offer) && (r.sku === undefined || r.sku.test(image.sku)),
  );
}

export function retiredVmFamily(vmSize: string): RetiredVmFamily | undefined {
  return RETIRED_VM_FAMILIES.find((r) => r.sizes.test(vmSize));
}

/** Compares the date part: `2024-07-01.20.0` is older than `2025-06-01`. */
export function isRetiredBatchApiVersion(apiVersion: string): boolean {
  return apiVersion.slice(0, 10) < OLDEST_BATCH_API_VERSION;
}
