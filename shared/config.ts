/**
 * The stack's configuration, typed and validated. Pure: no `@pulumi/*` import, so the dispatcher's
 * local mode reads the very same Pulumi.<stack>.yaml through it and deploys the same pool locally.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { autonamed, azureNameProblem } from "./azure-names";
import { contains, overlaps, rangeOf } from "./cidr";
import { PREFIXED_TYPES, prefixedNames } from "./names";
import { retiredVmFamily } from "./retirements";
import { taskSlotLimit, vcpusOf } from "./vm-sizes";

export const PROJECT = "batch-ocr";

export type NodeFillType = "Spread" | "Pack";

/** Where the Batch account allocates pool VMs: Batch's own subscriptions, or this one (the only mode with Spot). */
export type PoolAllocationMode = "BatchService" | "UserSubscription";
export const POOL_ALLOCATION_MODES: readonly PoolAllocationMode[] = ["BatchService", "UserSubscription"];

/** What kind of Entra ID principal a role assignment names; ARM refuses a mismatch (`UnmatchedPrincipalType`). */
export type PrincipalType = "User" | "Group" | "ServicePrincipal";
export const PRINCIPAL_TYPES: readonly PrincipalType[] = ["User", "Group", "ServicePrincipal"];

export interface OcrConfig {
  /** Azure region for every resource. Required. */
  location: string;
  /** Prefix for resource names (lowercase letters and digits, 3–11 chars; storage and Batch names derive from it). */
  namePrefix: string;
  imagesContainer: string;
  resultsContainer: string;
  /** Results (records, stdout, stderr) are deleted by a lifecycle rule after this many days. */
  resultsRetentionDays: number;
  /** Deleted blobs stay recoverable for this many days. */
  blobSoftDeleteDays: number;
  /**
   * The stack holds photos and results worth keeping: storage and its resource group are protected
   * in Pulumi and the storage account carries a CanNotDelete lock in Azure. Off for a scratch stack.
   */
  keepsData: boolean;
  /** Storage shared-key (account key / account SAS) access. Off unless a team opts in. */
  storageSharedKeyAccess: boolean;
  /** Let the Batch account accept Shared Key on the data plane besides Entra ID. Off unless opted in. */
  batchSharedKeyAccess: boolean;
  /**
   * Public network access to the Batch account and storage account endpoints. False only with
   * privateNetwork, which then gets private endpoints for both (see PRIVATE_ACCESS_NEEDS_NETWORK).
   */
  publicNetworkAccess: boolean;
  poolId: string;
  applicationId: string;
  vmSize: string;
  taskSlotsPerNode: number;
  minNodes: number;
  maxNodes: number;
  /**
   * Share of the pool's nodes that may be Spot, 0..1. Above 0 only with poolAllocationMode
   * UserSubscription: see SPOT_NEEDS_USER_SUBSCRIPTION.
   */
  spotShare: number;
  /** BatchService by default; UserSubscription needs a subscription owner's steps first (README). */
  poolAllocationMode: PoolAllocationMode;
  /**
   * Object id of the "Microsoft Azure Batch" service principal in this tenant (required in
   * UserSubscription mode): it is granted the secrets of the account's Key Vault.
   */
  batchServicePrincipalObjectId: string | undefined;
  /** Autoscale evaluation interval in minutes (Batch's minimum is 5). */
  autoscaleIntervalMinutes: number;
  nodeFillType: NodeFillType;
  startTaskRetries: number;
  /** Put the pool in a new virtual network whose nodes get no public IP addresses. */
  privateNetwork: boolean;
  vnetAddressSpace: string;
  subnetPrefix: string;
  /** Address prefix of the private endpoints' subnet (used when publicNetworkAccess is false). */
  endpointSubnetPrefix: string;
  /** Optional Entra ID object id of the operator (user or group) who runs `npm run ocr`. */
  operatorPrincipalId: string | undefined;
  /**
   * Optional resource id of an existing Log Analytics workspace: the Batch account's and the blob
   * service's logs and metrics are sent there (infra/diagnostics.ts). Unset, none are.
   */
  logAnalyticsWorkspaceId: string | undefined;
  /** What operatorPrincipalId is: a person, a group of operators, or an automation's service principal. */
  operatorPrincipalType: PrincipalType;
}

type Kind = "string" | "integer" | "number" | "boolean";

interface KeySpec<K extends keyof OcrConfig> {
  key: K;
  kind: Kind;
  default?: OcrConfig[K];
}

/** Every key with its type and default; Pulumi.yaml's schema is tested against this table. */
export const CONFIG_KEYS: readonly KeySpec<keyof OcrConfig>[] = [
  { key: "location", kind: "string" },
  { key: "namePrefix", kind: "string", default: "batchocr" },
  { key: "imagesContainer", kind: "string", default: "images" },
  { key: "resultsContainer", kind: "string", default: "results" },
  { key: "resultsRetentionDays", kind: "integer", default: 30 },
  { key: "blobSoftDeleteDays", kind: "integer", default: 7 },
  { key: "keepsData", kind: "boolean", default: true },
  { key: "storageSharedKeyAccess", kind: "boolean", default: false },
  { key: "batchSharedKeyAccess", kind: "boolean", default: false },
  { key: "publicNetworkAccess", kind: "boolean", default: true },
  { key: "poolId", kind: "string", default: "ocr-pool" },
  { key: "applicationId", kind: "string", default: "ocrworker" },
  { key: "vmSize", kind: "string", default: "Standard_D2as_v5" },
  { key: "taskSlotsPerNode", kind: "integer", default: 2 },
  { key: "minNodes", kind: "integer", default: 0 },
  { key: "maxNodes", kind: "integer", default: 4 },
  { key: "spotShare", kind: "number", default: 0 },
  { key: "poolAllocationMode", kind: "string", default: "BatchService" },
  { key: "batchServicePrincipalObjectId", kind: "string" },
  { key: "autoscaleIntervalMinutes", kind: "integer", default: 5 },
  { key: "nodeFillType", kind: "string", default: "Pack" },
  { key: "startTaskRetries", kind: "integer", default: 3 },
  { key: "privateNetwork", kind: "boolean", default: false },
  { key: "vnetAddressSpace", kind: "string", default: "10.40.0.0/16" },
  { key: "subnetPrefix", kind: "string", default: "10.40.0.0/24" },
  { key: "endpointSubnetPrefix", kind: "string", default: "10.40.1.0/24" },
  { key: "operatorPrincipalId", kind: "string" },
  { key: "operatorPrincipalType", kind: "string", default: "User" },
  { key: "logAnalyticsWorkspaceId", kind: "string" },
];

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * In Batch-service allocation the preemptible nodes on offer were low-priority ones, retired on
 * 30 September 2025; Spot nodes need an account in user-subscription allocation mode.
 */
export const SPOT_NEEDS_USER_SUBSCRIPTION =
  "Spot nodes need a Batch account in user-subscription pool allocation mode, and this stack's account allocates in Batch-service mode, " +
  "where low-priority nodes were retired on 30 September 2025 (https://learn.microsoft.com/azure/batch/batch-spot-vms). " +
  "Set batch-ocr:spotShare to 0, or set batch-ocr:poolAllocationMode to UserSubscription (with batchServicePrincipalObjectId, after the subscription steps in the README)";

/**
 * The application id of the "Microsoft Azure Batch" service principal, the same in every tenant.
 * Its object id differs per tenant, hence `batchServicePrincipalObjectId`.
 */
export const BATCH_SERVICE_APP_ID = "ddbf3205-c6bd-46ae-8127-60eb93363864";

/** Batch accepts only Microsoft Entra ID from clients of a user-subscription account. */
export const USER_SUBSCRIPTION_ENTRA_ONLY =
  "batchSharedKeyAccess cannot be true with poolAllocationMode UserSubscription: Batch accepts only Microsoft Entra ID from clients of a user-subscription account";

const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/**
 * With public access off, simplified-communication nodes reach the account's node management
 * endpoint, the dispatcher its account endpoint, and both the blobs, only through private
 * endpoints, and those live in the program's virtual network.
 */
export const PRIVATE_ACCESS_NEEDS_NETWORK =
  "publicNetworkAccess false needs privateNetwork true: the private endpoints for the Batch account (groups batchAccount and nodeManagement) " +
  "and blob storage, and their privatelink DNS zones, are declared in the pool's virtual network, without which nodes on simplified node communication " +
  "and the dispatcher could not reach the accounts. Set privateNetwork true, or leave publicNetworkAccess true: the accounts still accept Microsoft Entra ID only";

const WORKSPACE_ID_SHAPE = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[A-Za-z0-9][A-Za-z0-9-]{2,62}$/i;

const VM_SIZE_SHAPE = /^Standard_[A-Z][A-Za-z0-9]*(-\d+)?[a-z]*(_v\d+)?$/;

/** Batch refuses a pool with more task slots than 4 × the size's vCPUs, so `pulumi up` would fail on it. */
function taskSlotProblems(vmSize: string, taskSlotsPerNode: number): string[] {
  const vcpus = vcpusOf(vmSize);
  if (vcpus === undefined) {
    return [`taskSlotsPerNode cannot be checked: vmSize ${vmSize} carries no vCPU count in its name (Azure sizes do, e.g. Standard_D2as_v5 has 2), so Batch's limit of 4 × vCPUs is unknown`];
  }
  const limit = taskSlotLimit(vcpus);
  if (taskSlotsPerNode <= limit) return [];
  return [`taskSlotsPerNode ${taskSlotsPerNode} is more than Batch allows on ${vmSize} (${vcpus} vCPUs): at most ${limit} (4 × vCPUs, never above 256); lower it or pick a larger size`];
}

/** The names Azure will see for the prefixed resources, suffix included, against its rules. */
function autonameProblems(namePrefix: string): string[] {
  const names = prefixedNames(namePrefix);
  return (Object.keys(names) as (keyof typeof names)[]).flatMap((which) => {
    const problem = azureNameProblem(PREFIXED_TYPES[which], autonamed(names[which]));
    return problem === undefined ? [] : [`namePrefix ${namePrefix}: ${problem} (with Pulumi's autoname suffix)`];
  });
}

/** The virtual network's blocks: each a CIDR block, the subnets inside the address space and apart (only checked when the network is declared). */
function addressProblems(c: OcrConfig): string[] {
  const keys = ["vnetAddressSpace", "subnetPrefix", "endpointSubnetPrefix"] as const;
  const ranges = keys.map((key) => (c[key] === undefined ? undefined : rangeOf(c[key])));
  const problems = keys.filter((key, i) => c[key] !== undefined && ranges[i] === undefined).map((key) => `${key} must be a CIDR block such as 10.40.0.0/16`);
  const [space, pool, endpoints] = ranges;
  if (problems.length > 0 || !c.privateNetwork || space === undefined || pool === undefined || endpoints === undefined) return problems;
  const used = c.publicNetworkAccess ? (["subnetPrefix"] as const) : (["subnetPrefix", "endpointSubnetPrefix"] as const);
  for (const key of used) {
    const range = key === "subnetPrefix" ? pool : endpoints;
    if (!contains(space, range)) problems.push(`${key} ${c[key]} lies outside vnetAddressSpace ${c.vnetAddressSpace}; Azure refuses a subnet outside its virtual network`);
  }
  if (!c.publicNetworkAccess && overlaps(pool, endpoints)) {
    problems.push(`endpointSubnetPrefix ${c.endpointSubnetPrefix} overlaps subnetPrefix ${c.subnetPrefix}; the private endpoints need a subnet of their own`);
  }
  return problems;
}

/** What user-subscription allocation needs from config, and what it rules out. */
function allocationModeProblems(c: OcrConfig): string[] {
  if (c.poolAllocationMode !== undefined && !POOL_ALLOCATION_MODES.includes(c.poolAllocationMode)) {
    return [`poolAllocationMode must be ${POOL_ALLOCATION_MODES.join(" or ")} (got ${JSON.stringify(c.poolAllocationMode)})`];
  }
  const problems: string[] = [];
  const id = c.batchServicePrincipalObjectId;
  if (id !== undefined && !GUID.test(id)) problems.push("batchServicePrincipalObjectId must be an Entra ID object id (a GUID)");
  if (c.poolAllocationMode !== "UserSubscription") return problems;
  if (id === undefined) {
    problems.push(
      "poolAllocationMode UserSubscription needs batchServicePrincipalObjectId, the object id of the Microsoft Azure Batch service principal in this tenant, " +
        `which gets the account's Key Vault secrets (az ad sp show --id ${BATCH_SERVICE_APP_ID} --query id -o tsv)`,
    );
  }
  if (c.batchSharedKeyAccess) problems.push(USER_SUBSCRIPTION_ENTRA_ONLY);
  return problems;
}

function coerce(kind: Kind, key: string, value: unknown, problems: string[]): unknown {
  if (kind === "string") {
    if (typeof value === "string") return value;
    problems.push(`${key} must be a string`);
    return undefined;
  }
  if (kind === "boolean") {
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    problems.push(`${key} must be true or false (got ${JSON.stringify(value)})`);
    return undefined;
  }
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n) || (kind === "integer" && !Number.isInteger(n))) {
    problems.push(`${key} must be ${kind === "integer" ? "an integer" : "a number"} (got ${JSON.stringify(value)})`);
    return undefined;
  }
  return n;
}

/**
 * Turns a stack's raw config (values as YAML gives them, or strings as Pulumi's Config gives them;
 * keys with or without the `batch-ocr:` prefix) into a validated OcrConfig. Every problem is
 * reported at once, each naming the key and what it needs.
 */
export function parseConfig(raw: Record<string, unknown>, stack = "the stack"): OcrConfig {
  const values = new Map<string, unknown>();
  for (const [k, v] of Object.entries(raw)) {
    const name = k.startsWith(`${PROJECT}:`) ? k.slice(PROJECT.length + 1) : k;
    if (!k.includes(":") || k.startsWith(`${PROJECT}:`)) values.set(name, v);
  }
  const known = new Set<string>(CONFIG_KEYS.map((s) => s.key));
  const problems: string[] = [];
  for (const name of values.keys()) {
    if (!known.has(name)) problems.push(`unknown key ${PROJECT}:${name}`);
  }
  const cfg: Record<string, unknown> = {};
  for (const spec of CONFIG_KEYS) {
    const v = values.get(spec.key);
    cfg[spec.key] = v === undefined || v === null || v === "" ? spec.default : coerce(spec.kind, spec.key, v, problems);
  }
  const c = cfg as unknown as OcrConfig;

  if (!c.location) problems.push(`${PROJECT}:location is required (e.g. westeurope)`);
  // The length limit (11) is not written here: it follows from the longest autonamed name, the Batch account's.
  if (c.namePrefix !== undefined && !/^[a-z][a-z0-9]{2,}$/.test(c.namePrefix)) {
    problems.push("namePrefix must be 3–11 lowercase letters or digits, starting with a letter (storage account names allow nothing else)");
  } else if (c.namePrefix !== undefined) {
    problems.push(...autonameProblems(c.namePrefix));
  }
  for (const key of ["imagesContainer", "resultsContainer"] as const) {
    const v = c[key];
    if (v !== undefined && !/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(v)) {
      problems.push(`${key} must be a valid blob container name (3–63 lowercase letters, digits, single hyphens)`);
    }
  }
  if (c.imagesContainer && c.imagesContainer === c.resultsContainer) problems.push("imagesContainer and resultsContainer must differ");
  if (c.resultsRetentionDays !== undefined && (c.resultsRetentionDays < 1 || c.resultsRetentionDays > 36500)) {
    problems.push("resultsRetentionDays must be between 1 and 36500");
  }
  if (c.blobSoftDeleteDays !== undefined && (c.blobSoftDeleteDays < 1 || c.blobSoftDeleteDays > 365)) {
    problems.push("blobSoftDeleteDays must be between 1 and 365");
  }
  if (c.poolId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(c.poolId)) problems.push("poolId must be 1–64 letters, digits, hyphens or underscores");
  if (c.applicationId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(c.applicationId)) {
    problems.push("applicationId must be 1–64 letters, digits, hyphens or underscores");
  }
  if (c.vmSize !== undefined) {
    if (!VM_SIZE_SHAPE.test(c.vmSize)) {
      problems.push(`vmSize ${JSON.stringify(c.vmSize)} is not an Azure VM size (e.g. Standard_D2as_v5)`);
    } else {
      const retired = retiredVmFamily(c.vmSize);
      if (retired !== undefined) {
        problems.push(
          `vmSize ${c.vmSize} is in a retired or retiring family (${retired.family}, ${retired.notice}); use a current one such as Standard_D2as_v5, Standard_D2s_v5 or Standard_F2s_v2`,
        );
      }
    }
  }
  if (c.taskSlotsPerNode !== undefined && (c.taskSlotsPerNode < 1 || c.taskSlotsPerNode > 256)) {
    problems.push("taskSlotsPerNode must be between 1 and 256");
  } else if (c.taskSlotsPerNode !== undefined && c.vmSize !== undefined && VM_SIZE_SHAPE.test(c.vmSize)) {
    problems.push(...taskSlotProblems(c.vmSize, c.taskSlotsPerNode));
  }
  if (c.minNodes !== undefined && c.minNodes < 0) problems.push("minNodes must be 0 or more");
  if (c.maxNodes !== undefined && c.maxNodes < 1) problems.push("maxNodes must be at least 1");
  if (c.minNodes !== undefined && c.maxNodes !== undefined && c.maxNodes < c.minNodes) {
    problems.push(`maxNodes (${c.maxNodes}) must not be below minNodes (${c.minNodes})`);
  }
  if (c.spotShare !== undefined && (c.spotShare < 0 || c.spotShare > 1)) problems.push("spotShare must be between 0 and 1");
  else if (c.spotShare > 0 && c.poolAllocationMode === "BatchService") problems.push(`spotShare ${c.spotShare} cannot deploy: ${SPOT_NEEDS_USER_SUBSCRIPTION}`);
  problems.push(...allocationModeProblems(c));
  if (c.autoscaleIntervalMinutes !== undefined && (c.autoscaleIntervalMinutes < 5 || c.autoscaleIntervalMinutes > 168 * 60)) {
    problems.push("autoscaleIntervalMinutes must be at least 5 (Batch's minimum) and at most 10080");
  }
  if (c.nodeFillType !== undefined && c.nodeFillType !== "Spread" && c.nodeFillType !== "Pack") {
    problems.push(`nodeFillType must be Spread or Pack (got ${JSON.stringify(c.nodeFillType)})`);
  }
  if (c.startTaskRetries !== undefined && (c.startTaskRetries < 0 || c.startTaskRetries > 100)) {
    problems.push("startTaskRetries must be between 0 and 100");
  }
  if (c.publicNetworkAccess === false && !c.privateNetwork) problems.push(PRIVATE_ACCESS_NEEDS_NETWORK);
  problems.push(...addressProblems(c));
  if (c.operatorPrincipalId !== undefined && !GUID.test(c.operatorPrincipalId)) {
    problems.push("operatorPrincipalId must be an Entra ID object id (a GUID)");
  }
  if (c.operatorPrincipalType !== undefined && !PRINCIPAL_TYPES.includes(c.operatorPrincipalType)) {
    problems.push(`operatorPrincipalType must be ${PRINCIPAL_TYPES.join(", ")} (got ${JSON.stringify(c.operatorPrincipalType)}); it must match what operatorPrincipalId is, or ARM refuses the role assignment`);
  }
  if (c.logAnalyticsWorkspaceId !== undefined && !WORKSPACE_ID_SHAPE.test(c.logAnalyticsWorkspaceId)) {
    problems.push(
      "logAnalyticsWorkspaceId must be a Log Analytics workspace's resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name> " +
        "(az monitor log-analytics workspace show --query id)",
    );
  }

  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration for ${stack}:\n  - ${problems.join("\n  - ")}`);
  }
  return c;
}

/** Reads `Pulumi.<stack>.yaml` from the project directory and parses its `config:` map. */
export function loadStackConfig(stack: string, projectDir: string): OcrConfig {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(`no stack file ${file} (is "${stack}" a stack of this project?)`);
  }
  const doc = (parseYaml(text) ?? {}) as { config?: Record<string, unknown> };
  return parseConfig(doc.config ?? {}, `stack ${stack} (${file})`);
}
